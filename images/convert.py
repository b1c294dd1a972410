"""Image config -> runtime config.json, per the image-spec's conversion rules, on pyrun's default spec.

Entrypoint + Cmd become process.args, Env process.env, WorkingDir process.cwd, User is resolved
against the image's own /etc/passwd and /etc/group (read inside the rootfs, never through a
symlink that leaves it), Labels become annotations, and StopSignal / ExposedPorts / Volumes and the
platform fields become org.opencontainers.image.* annotations. Options then override.
"""

import os
import stat
from dataclasses import dataclass, field

from images.errors import ImageError
from images.layer import scoped_path
from spec.defaults import default_config, rootless_config

DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass
class Overrides:
    args: list | None = None
    env: list = field(default_factory=list)
    volumes: list = field(default_factory=list)      # "HOST:CONTAINER[:ro]"
    hostname: str | None = None
    read_only: bool = False
    tty: bool = False
    uid_map: list = field(default_factory=list)      # [(container, host, size)]
    gid_map: list = field(default_factory=list)


def parse_volume(text):
    """(host, container, readonly) from HOST:CONTAINER[:ro|rw]."""
    parts = text.split(":")
    if len(parts) == 3 and parts[2] in ("ro", "rw"):
        host, dest, ro = parts[0], parts[1], parts[2] == "ro"
    elif len(parts) == 2:
        host, dest, ro = parts[0], parts[1], False
    else:
        raise ImageError(f"invalid --volume {text!r}: expected HOST:CONTAINER[:ro]")
    if not host or not dest.startswith("/"):
        raise ImageError(f"invalid --volume {text!r}: the container path must be absolute")
    host = os.path.abspath(host)
    if not os.path.exists(host):
        raise ImageError(f"--volume {text!r}: host path {host} does not exist")
    return host, _clean_dest(dest), ro


def _clean_dest(path):
    return "/" + os.path.normpath("/" + path).lstrip("/")


def parse_id_map(text, flag):
    try:
        container, host, size = (int(x) for x in text.split(":"))
    except ValueError:
        raise ImageError(f"invalid {flag} {text!r}: expected CONTAINER:HOST:SIZE") from None
    if size <= 0 or container < 0 or host < 0:
        raise ImageError(f"invalid {flag} {text!r}: ids must be >= 0 and size > 0")
    return container, host, size


def _read_db(rootfs, path):
    """Lines of /etc/passwd or /etc/group split on ':' (missing file: empty)."""
    real = scoped_path(rootfs, path)
    if real is None or not os.path.isfile(real):
        return []
    with open(real, encoding="utf-8", errors="replace") as f:
        return [line.rstrip("\n").split(":") for line in f if line.strip() and not line.startswith("#")]


def resolve_user(user, rootfs):
    """(uid, gid, additional gids, home) for an image User per the image-spec."""
    user = (user or "").strip()
    name, _, group = user.partition(":")
    passwd = _read_db(rootfs, "/etc/passwd")
    uid = gid = 0
    home = "/"
    username = None
    if name == "":
        name = "0"
    entry = next((e for e in passwd if len(e) >= 4 and e[0] == name), None)
    if entry is None and name.isdigit():
        entry = next((e for e in passwd if len(e) >= 4 and e[2] == name), None)
    if entry is not None:
        username, uid, gid = entry[0], int(entry[2]), int(entry[3])
        home = entry[5] if len(entry) > 5 and entry[5] else "/"
    elif name.isdigit():
        uid = int(name)
    else:
        raise ImageError(f"user {name!r} of the image is not in its /etc/passwd")
    groups = _read_db(rootfs, "/etc/group")
    additional = []
    if group:
        g = next((e for e in groups if len(e) >= 3 and e[0] == group), None)
        if g is not None:
            gid = int(g[2])
        elif group.isdigit():
            gid = int(group)
        else:
            raise ImageError(f"group {group!r} of the image is not in its /etc/group")
    elif username is not None:
        for g in groups:
            if len(g) >= 4 and username in g[3].split(",") and g[2].isdigit() and int(g[2]) != gid:
                additional.append(int(g[2]))
    return uid, gid, additional, home


def build(image_config, rootfs, opts, bundle=None):
    """The runtime config for an image config (the config blob as a dict) and its unpacked rootfs."""
    cfg = image_config.get("config") or {}
    rootless = os.geteuid() != 0
    if opts.uid_map and rootless:
        host_uid = opts.uid_map[0][1]
        host_gid = opts.gid_map[0][1] if opts.gid_map else os.getegid()
        spec = rootless_config(host_uid, host_gid)
    else:
        spec = default_config()
    proc = spec["process"]

    args = list(cfg.get("Entrypoint") or []) + list(cfg.get("Cmd") or [])
    if opts.args is not None:
        args = list(opts.args)
    if not args:
        raise ImageError("the image has no Entrypoint or Cmd: give --args")
    proc["args"] = args

    env = {}
    for item in (cfg.get("Env") or []):
        key, _, value = item.partition("=")
        env[key] = value
    if "PATH" not in env:
        env["PATH"] = DEFAULT_PATH.split("=", 1)[1]
    uid, gid, additional, home = resolve_user(cfg.get("User"), rootfs)
    env.setdefault("HOME", home)
    if opts.tty:
        env.setdefault("TERM", "xterm")
    for item in opts.env:
        key, eq, value = item.partition("=")
        if not key or not eq:
            raise ImageError(f"invalid --env {item!r}: expected KEY=VALUE")
        env[key] = value
    proc["env"] = [f"{k}={v}" for k, v in env.items()]
    proc["cwd"] = _clean_dest(cfg.get("WorkingDir") or "/")        # the runtime needs it absolute
    proc["user"] = {"uid": uid, "gid": gid}
    if additional:
        proc["user"]["additionalGids"] = additional
    proc["terminal"] = bool(opts.tty)

    spec["root"] = {"path": "rootfs", "readonly": bool(opts.read_only)}
    if opts.hostname:
        spec["hostname"] = opts.hostname

    annotations = dict(cfg.get("Labels") or {})
    prefix = "org.opencontainers.image."
    for key, source in (("os", "os"), ("architecture", "architecture"), ("variant", "variant"),
                        ("os.version", "os.version"), ("author", "author"), ("created", "created")):
        if image_config.get(source):
            annotations[prefix + key] = str(image_config[source])
    if image_config.get("os.features"):
        annotations[prefix + "os.features"] = ",".join(image_config["os.features"])
    if cfg.get("StopSignal"):
        annotations[prefix + "stopSignal"] = cfg["StopSignal"]
    if cfg.get("ExposedPorts"):
        annotations[prefix + "exposedPorts"] = ",".join(sorted(cfg["ExposedPorts"]))
    if cfg.get("Volumes"):
        annotations[prefix + "volumes"] = ",".join(sorted(cfg["Volumes"]))
    if annotations:
        spec["annotations"] = annotations

    bound = set()
    for text in opts.volumes:
        host, dest, ro = parse_volume(text)
        options = ["rbind", "rprivate"] + (["ro"] if ro else [])
        spec["mounts"].append({"destination": dest, "type": "bind", "source": host, "options": options})
        bound.add(dest)
    if bundle is not None:
        for dest in sorted(cfg.get("Volumes") or {}):
            dest = _clean_dest(dest)
            if dest in bound:
                continue
            spec["mounts"].append({"destination": dest, "type": "bind",
                                   "source": _anonymous_volume(bundle, rootfs, dest),
                                   "options": ["rbind", "rprivate"]})

    if opts.uid_map:
        linux = spec["linux"]
        if not any(ns["type"] == "user" for ns in linux["namespaces"]):
            linux["namespaces"].append({"type": "user"})
        linux["uidMappings"] = [{"containerID": c, "hostID": h, "size": s} for c, h, s in opts.uid_map]
        gid_map = opts.gid_map or opts.uid_map
        linux["gidMappings"] = [{"containerID": c, "hostID": h, "size": s} for c, h, s in gid_map]
    return spec


def _anonymous_volume(bundle, rootfs, dest):
    """A directory in the bundle for an image Volume, seeded with what the image has there."""
    import shutil
    path = os.path.join(bundle, "volumes", dest.strip("/").replace("/", "_") or "root")
    if not os.path.exists(path):
        seed = scoped_path(rootfs, dest)
        if seed and os.path.isdir(seed):
            shutil.copytree(seed, path, symlinks=True, copy_function=_copy_seed_entry)
            _copy_owners(seed, path)
        else:
            os.makedirs(path)
    return path


def _copy_seed_entry(src, dst):
    """copytree's copy of one non-directory: a device node or fifo is made anew, never read (a
    block device's contents would land in the volume, past the container's device rules);
    owners are kept (the rootfs's, shifted by --uid-map: a copy owned by root would make the
    image's setuid files the host's), then modes, times and xattrs, which a chown clears."""
    import shutil
    st = os.lstat(src)
    if stat.S_ISREG(st.st_mode):
        shutil.copyfile(src, dst)
    elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) or stat.S_ISFIFO(st.st_mode):
        if os.geteuid() != 0 and not stat.S_ISFIFO(st.st_mode):
            return dst                      # a device node needs root; the rootfs had none either
        os.mknod(dst, stat.S_IFMT(st.st_mode) | 0o600, st.st_rdev)
    else:
        return dst                          # sockets do not survive a copy
    if os.geteuid() == 0:
        os.lchown(dst, st.st_uid, st.st_gid)
    shutil.copystat(src, dst)
    return dst


def _copy_owners(seed, copy):
    """Directories and symlinks of the copy get the owners of the seed's (copytree keeps neither)."""
    if os.geteuid() != 0:
        return
    for top, dirs, files in os.walk(seed):
        for name in [""] + dirs + [f for f in files if os.path.islink(os.path.join(top, f))]:
            src = os.path.join(top, name) if name else top
            st = os.lstat(src)
            if stat.S_ISDIR(st.st_mode) or stat.S_ISLNK(st.st_mode):
                os.lchown(os.path.join(copy, os.path.relpath(src, seed)), st.st_uid, st.st_gid)
