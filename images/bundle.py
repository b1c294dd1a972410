"""Bundles made from stored images: config.json plus a rootfs, either unpacked or on overlayfs.

Plain: every layer is applied in order into BUNDLE/rootfs. Overlay: each layer is unpacked once
into the store's layers/<diff id hex> (overlayfs-style whiteouts) and BUNDLE/rootfs is an overlay
mount of them with a per-bundle upper dir in BUNDLE/.overlay, so a second bundle of the same image
copies nothing. A bundle that fails half way is removed (and unmounted) before the error is raised.
"""

import json
import os
import shutil
import tempfile

from images import convert
from images import digest as dg
from images.errors import ImageError
from images.layer import Applier

OVERLAY_DIR = ".overlay"


def create(store, name, bundle, opts, overlay=False, platform=None):
    """Unpack image name into bundle (which must not exist or be empty). Returns the bundle path."""
    stored, desc = store.resolve(name)
    _, manifest, image_config = store.image(desc, platform)
    layers = manifest.get("layers", [])
    diff_ids = (image_config.get("rootfs") or {}).get("diff_ids") or []
    if len(diff_ids) != len(layers):
        raise ImageError(f"image {stored or name}: {len(layers)} layers but {len(diff_ids)} diff ids in its config")
    for layer in layers:
        if not store.has_blob(layer["digest"]):
            raise ImageError(f"image {stored or name}: layer {layer['digest']} is missing from the store")
    if overlay and os.geteuid() != 0:
        raise ImageError("--overlay needs root (overlayfs mounts and whiteout devices)")
    if overlay and (opts.uid_map or opts.gid_map):
        raise ImageError("--overlay cannot shift owners for --uid-map/--gid-map (the shared layer "
                         "directories keep the image's owners); unpack without --overlay")
    bundle = os.path.abspath(bundle)
    made_dir = not os.path.exists(bundle)
    if not made_dir and (not os.path.isdir(bundle) or os.listdir(bundle)):
        raise ImageError(f"bundle {bundle} already exists and is not an empty directory")
    os.makedirs(bundle, exist_ok=True)
    _close_to_others(bundle, opts)
    rootfs = os.path.join(bundle, "rootfs")
    try:
        if overlay:
            dirs = [unpacked_layer(store, layer, diff_id) for layer, diff_id in zip(layers, diff_ids)]
            _write_json(os.path.join(bundle, OVERLAY_DIR, "layers.json"),
                        {"store": store.root, "lower": dirs,
                         "layers": [{"digest": layer["digest"], "diffID": diff_id}
                                    for layer, diff_id in zip(layers, diff_ids)]}, make_dir=True)
            mount(bundle)
        else:
            os.mkdir(rootfs, 0o755)
            applier = Applier(rootfs, uid_map=opts.uid_map, gid_map=opts.gid_map or opts.uid_map)
            for i, (layer, diff_id) in enumerate(zip(layers, diff_ids)):
                applier.apply(store.blob_path(layer["digest"]), dg.check(diff_id, "diff id"),
                              label=f"{i + 1}/{len(layers)} {layer['digest'][:19]}")
            applier.finish()
        spec = convert.build(image_config, rootfs, opts, bundle=bundle)
        _write_json(os.path.join(bundle, "config.json"), spec)
    except BaseException:
        _discard(bundle, made_dir)
        raise
    return bundle


def _close_to_others(bundle, opts):
    """The bundle is 0700, as umoci makes it: an image's setuid-root file (or a 0666 device
    node) in its rootfs is nothing another host user may reach. With --uid-map it belongs to the
    container's root on the host, who must get through it to the rootfs."""
    os.chmod(bundle, 0o700)
    if opts.uid_map and os.geteuid() == 0:
        from images.layer import map_id
        os.chown(bundle, map_id(0, opts.uid_map), map_id(0, opts.gid_map or opts.uid_map))


def unpacked_layer(store, layer, diff_id):
    """The directory holding this layer unpacked on its own (made once, keyed by its diff id)."""
    final = os.path.join(store.layers_dir, dg.encoded(dg.check(diff_id, "diff id")))
    if os.path.isdir(final):
        return final
    os.makedirs(store.layers_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=store.layers_dir, prefix=".tmp-")
    try:
        os.chmod(tmp, 0o755)
        applier = Applier(tmp, overlay=True)
        applier.apply(store.blob_path(layer["digest"]), diff_id, label=layer["digest"][:19])
        applier.finish()
        try:
            os.rename(tmp, final)
        except OSError:
            if not os.path.isdir(final):      # anything but losing a race with another unpack
                raise
            shutil.rmtree(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def is_mounted(path):
    return os.path.realpath(path) in _mountpoints()


def _mountpoints():
    points = set()
    with open("/proc/self/mountinfo") as f:
        for line in f:
            points.add(line.split()[4].encode().decode("unicode_escape"))
    return points


def overlay_lowers_in_use():
    """Names of store layer dirs that a mounted overlay uses (gc keeps them)."""
    names = set()
    with open("/proc/self/mountinfo") as f:
        for line in f:
            if " - overlay " not in line:
                continue
            for opt in line.rsplit(" ", 1)[-1].split(","):
                if opt.startswith("lowerdir="):
                    names.update(os.path.basename(p) for p in opt[len("lowerdir="):].split(":"))
    return names


def mount(bundle):
    """Mount the overlay rootfs of an overlay bundle (no-op if mounted)."""
    from runtime import linux
    bundle = os.path.abspath(bundle)
    meta = os.path.join(bundle, OVERLAY_DIR, "layers.json")
    try:
        with open(meta) as f:
            doc = json.load(f)
        lower = doc["lower"]
    except FileNotFoundError:
        raise ImageError(f"{bundle} is not an overlay bundle (no {OVERLAY_DIR}/layers.json)") from None
    except (ValueError, KeyError) as e:
        raise ImageError(f"{meta}: damaged ({e})") from None
    if not all(os.path.isdir(d) for d in lower):
        lower = _restore_layers(doc, bundle)
    rootfs = os.path.join(bundle, "rootfs")
    if os.path.isdir(rootfs) and is_mounted(rootfs):
        return
    upper, work = os.path.join(bundle, OVERLAY_DIR, "upper"), os.path.join(bundle, OVERLAY_DIR, "work")
    for d in (upper, work, rootfs):
        os.makedirs(d, mode=0o755, exist_ok=True)
    for p in lower + [upper, work]:
        if any(c in p for c in ":,"):
            raise ImageError(f"overlay path {p!r} contains ':' or ','; overlayfs cannot take it")
    data = f"lowerdir={':'.join(reversed(lower))},upperdir={upper},workdir={work}"
    if len(data) >= 4096:
        raise ImageError(f"too many layers ({len(lower)}) for one overlay mount")
    try:
        linux.mount("overlay", rootfs, "overlay", 0, data)
    except OSError as e:
        raise ImageError(f"mounting the overlay rootfs of {bundle}: {e.strerror}") from None


def _restore_layers(doc, bundle):
    """Unpack again the layer dirs a gc removed while the bundle was unmounted (blobs permitting)."""
    from images.store import Store
    store = Store(doc.get("store", ""))
    dirs = []
    for layer in doc.get("layers", []):
        if not store.has_blob(layer["digest"]):
            raise ImageError(f"overlay bundle {bundle}: layer {layer['digest']} is gone from the store "
                             f"{store.root} (removed by gc?); make the bundle again")
        dirs.append(unpacked_layer(store, layer, layer["diffID"]))
    if not dirs:
        raise ImageError(f"overlay bundle {bundle}: its layer directories are missing")
    return dirs


def unmount(bundle):
    """Unmount an overlay bundle's rootfs (no-op if not mounted)."""
    from runtime import linux
    rootfs = os.path.join(os.path.abspath(bundle), "rootfs")
    if os.path.isdir(rootfs) and is_mounted(rootfs):
        try:
            linux.umount2(rootfs)
        except OSError as e:
            raise ImageError(f"unmounting {rootfs}: {e.strerror}") from None


def delete(bundle):
    """Unmount (if overlay) and remove a bundle made by pyrun-image."""
    bundle = os.path.abspath(bundle)
    if not os.path.isdir(bundle):
        raise ImageError(f"bundle {bundle} does not exist")
    if not (os.path.exists(os.path.join(bundle, "config.json")) or os.path.isdir(os.path.join(bundle, OVERLAY_DIR))):
        raise ImageError(f"{bundle} does not look like a bundle (no config.json): not removing it")
    unmount(bundle)
    _rmtree(bundle)


def _discard(bundle, made_dir):
    try:
        unmount(bundle)
    except ImageError:
        from runtime import linux
        linux.umount2(os.path.join(bundle, "rootfs"), linux.MNT_DETACH)
    if made_dir:
        _rmtree(bundle)
    else:
        for name in os.listdir(bundle):
            path = os.path.join(bundle, name)
            if os.path.isdir(path) and not os.path.islink(path):
                _rmtree(path)
            else:
                os.unlink(path)


def _rmtree(path):
    """rmtree that also works without root on trees holding read-only directories."""
    def retry(func, failed, _exc):
        if func in (os.rmdir, os.unlink, os.open, os.scandir, os.lstat):
            parent = os.path.dirname(failed)
            try:
                os.chmod(parent, 0o700)
                if os.path.isdir(failed) and not os.path.islink(failed):
                    os.chmod(failed, 0o700)
                    shutil.rmtree(failed, onerror=retry)
                else:
                    func(failed)
            except OSError:
                pass
    shutil.rmtree(path, onerror=retry)


def _write_json(path, doc, make_dir=False):
    if make_dir:
        os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)
