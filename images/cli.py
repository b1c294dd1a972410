"""The `pyrun-image` command: argument parsing and the error edge. Each subcommand imports only
what it needs; every failure is an ImageError (or another PyrunError) turned into one message."""

import argparse
import os
import sys

USAGE = "pyrun-image [--store DIR] COMMAND ..."


def _parser():
    p = argparse.ArgumentParser(prog="pyrun-image", usage=USAGE,
                                description="Fetch, store and unpack OCI images into bundles for pyrun or runc.")
    p.add_argument("--store", help="content store (an OCI image layout); default /var/lib/pyrun/images "
                                   "for root, $XDG_DATA_HOME/pyrun/images otherwise")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def registry_flags(sp):
        sp.add_argument("--insecure", "--tls-verify=false", dest="insecure", action="store_true",
                        help="allow plain HTTP and unverified TLS for this registry")
        sp.add_argument("--ca-cert", help="PEM file of CA certificates to trust for the registry")
        sp.add_argument("--creds", help="USER:PASSWORD for the registry")
        sp.add_argument("--authfile", help="auth file (containers auth.json or docker config.json)")

    sp = sub.add_parser("pull", help="fetch an image from a registry into the store")
    sp.add_argument("ref")
    sp.add_argument("--platform", help="os/arch[/variant] to pick from an index (default linux/amd64)")
    sp.add_argument("-q", "--quiet", action="store_true")
    registry_flags(sp)

    sp = sub.add_parser("push", help="send a stored image to a registry")
    sp.add_argument("image")
    sp.add_argument("ref", nargs="?", help="destination (default: the image's own name)")
    registry_flags(sp)

    sp = sub.add_parser("import", help="import an OCI layout dir, oci-archive or docker-archive")
    sp.add_argument("path")
    sp.add_argument("--name", help="name for the imported image")
    sp.add_argument("--format", choices=["oci", "oci-archive", "docker-archive"], help="default: detected")

    sp = sub.add_parser("export", help="write a stored image to an OCI layout dir or archive")
    sp.add_argument("image")
    sp.add_argument("dest")
    sp.add_argument("--format", choices=["oci", "oci-archive", "docker-archive"], default="oci-archive")
    sp.add_argument("--tag", help="name recorded in the archive")
    sp.add_argument("--platform")

    sp = sub.add_parser("list", help="list stored images")
    sp.add_argument("-q", "--quiet", action="store_true", help="names only")
    sp = sub.add_parser("inspect", help="show a stored image's manifest and config as JSON")
    sp.add_argument("image")
    sp.add_argument("--platform")
    sp = sub.add_parser("rm", help="remove image names (blobs go at the next gc)")
    sp.add_argument("images", nargs="+")
    sub.add_parser("gc", help="remove blobs and unpacked layers no image references")

    sp = sub.add_parser("unpack", help="make a bundle (config.json + rootfs) from a stored image")
    sp.add_argument("image")
    sp.add_argument("bundle")
    sp.add_argument("--overlay", action="store_true", help="rootfs as an overlay of shared unpacked layers")
    sp.add_argument("--platform")
    sp.add_argument("--args", help="process args (shell-quoted), replacing Entrypoint + Cmd")
    sp.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    sp.add_argument("--volume", "-v", action="append", default=[], metavar="HOST:CONTAINER[:ro]")
    sp.add_argument("--hostname")
    sp.add_argument("--read-only", action="store_true")
    sp.add_argument("--tty", "-t", action="store_true")
    sp.add_argument("--uid-map", action="append", default=[], metavar="CONTAINER:HOST:SIZE")
    sp.add_argument("--gid-map", action="append", default=[], metavar="CONTAINER:HOST:SIZE")

    for name, text in (("mount", "mount an overlay bundle's rootfs again"),
                       ("unmount", "unmount an overlay bundle's rootfs"),
                       ("delete", "unmount and remove a bundle")):
        sp = sub.add_parser(name, help=text)
        sp.add_argument("bundle")
    return p


def _store(args):
    if getattr(args, "_store", None) is None:
        from images.store import Store, default_root
        args._store = Store(args.store or os.environ.get("PYRUN_IMAGE_STORE") or default_root()).init()
    return args._store


# Commands that add or read blobs hold the store's shared gc lock while they run.
_USES_BLOBS = {"pull", "push", "import", "export", "unpack"}


def _client(args, ref):
    from images.registry import Client, lookup_creds, parse_creds
    creds = parse_creds(args.creds) or lookup_creds(ref.registry, args.authfile)
    return Client(ref.api_host, insecure=args.insecure, ca_cert=args.ca_cert, creds=creds)


def cmd_pull(args):
    from images.progress import Progress
    from images.reference import parse
    from images.registry import pull
    ref = parse(args.ref)
    name, digest = pull(_store(args), ref, _client(args, ref), args.platform, Progress.wanted(args.quiet))
    print(f"{name} {digest}")


def cmd_push(args):
    from images.reference import parse
    from images.registry import push
    store = _store(args)
    stored, _ = store.resolve(args.image)
    ref = parse(args.ref or stored or args.image)
    digest = push(store, args.image, ref, _client(args, ref))
    print(f"{ref} {digest}")


def cmd_import(args):
    from images.archive import import_path
    for name, digest in import_path(_store(args), args.path, args.name, args.format):
        print(f"{name} {digest}")


def cmd_export(args):
    from images.archive import export
    export(_store(args), args.image, args.dest, args.format, args.tag, args.platform)


def cmd_list(args):
    from runtime.errors import PyrunError
    store = _store(args)
    rows = []
    for name, desc in store.images():
        if args.quiet:
            print(name or desc["digest"])
            continue
        size, created = "", ""
        try:
            _, manifest, config = store.image(desc)
            size = _human(sum(layer.get("size", 0) for layer in manifest.get("layers", [])))
            created = (config.get("created") or "")[:19]
        except (PyrunError, OSError, KeyError, ValueError):   # a damaged or foreign entry is still listed
            pass
        rows.append((name or "<none>", desc["digest"][7:19], created, size))
    if not args.quiet:
        rows.insert(0, ("NAME", "DIGEST", "CREATED", "SIZE"))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for r in rows:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


def cmd_inspect(args):
    import json
    store = _store(args)
    stored, desc = store.resolve(args.image)
    mdesc, manifest, config = store.image(desc, args.platform)
    print(json.dumps({"name": stored, "digest": desc["digest"], "manifestDigest": mdesc["digest"],
                      "manifest": manifest, "config": config}, indent=2))


def cmd_rm(args):
    store = _store(args)
    for image in args.images:
        stored, _ = store.resolve(image)
        if stored is None:
            from images.errors import ImageError
            raise ImageError(f"{image} has no name to remove")
        store.untag(stored)
        print(stored)


def cmd_gc(args):
    from images.bundle import overlay_lowers_in_use
    removed, freed = _store(args).gc(overlay_lowers_in_use())
    print(f"removed {removed} items, {_human(freed)}")


def cmd_unpack(args):
    import shlex
    from images import bundle, convert
    from images.errors import ImageError
    if args.args is not None:
        try:
            run_args = shlex.split(args.args)
        except ValueError as e:
            raise ImageError(f"invalid --args: {e}") from None
    else:
        run_args = None
    opts = convert.Overrides(
        args=run_args, env=args.env, volumes=args.volume, hostname=args.hostname, read_only=args.read_only,
        tty=args.tty, uid_map=[convert.parse_id_map(m, "--uid-map") for m in args.uid_map],
        gid_map=[convert.parse_id_map(m, "--gid-map") for m in args.gid_map])
    for v in opts.volumes:
        convert.parse_volume(v)            # refuse a bad --volume before any work
    bundle.create(_store(args), args.image, args.bundle, opts, overlay=args.overlay, platform=args.platform)


def cmd_mount(args):
    from images import bundle
    bundle.mount(args.bundle)


def cmd_unmount(args):
    from images import bundle
    bundle.unmount(args.bundle)


def cmd_delete(args):
    from images import bundle
    bundle.delete(args.bundle)


def _human(n):
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000


def main(argv=None):
    args = _parser().parse_args(argv)
    from runtime.errors import PyrunError
    try:
        command = globals()["cmd_" + args.command]
        if args.command in _USES_BLOBS:
            with _store(args).in_use():
                command(args)
        else:
            command(args)
    except PyrunError as e:
        print(f"pyrun-image: {e.message}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        return 130
    except OSError as e:
        print(f"pyrun-image {args.command}: {e}", file=sys.stderr)
        return 1
    except (ValueError, KeyError, TypeError) as e:
        # Malformed JSON documents (manifests, configs, index.json) surface here.
        print(f"pyrun-image {args.command}: malformed image data: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0
