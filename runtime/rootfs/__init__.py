"""The container's root filesystem, in the order the init builds it:

    prepare()   in the new mount namespace: umask 0022, propagation of "/" (rootfsPropagation,
                rslave by default) with the rootfs's parent mount made non-shared, the rootfs
                bind, every mount of config.json in order, /dev devices and symlinks;
    pivot()     pivot_root into the rootfs (or MS_MOVE + chroot with --no-pivot);
    finish()    inside: a shared rootfsPropagation, a read-only /dev, readonlyPaths,
                maskedPaths, root.readonly.

The pieces live in paths (safe resolution), mounts (options and mounting) and devices.
"""

import os
import stat

from runtime import linux, mountinfo
from runtime.errors import ConfigError, SetupError
from runtime.rootfs import devices, mounts


def prepare(rootfs, bundle, config, in_user_ns, cgroup_mounter=None, idmapped_tree=None):
    """idmapped_tree(i) -> the fd of a detached idmapped tree for mounts[i], made by the runtime
    outside the container's user namespace (needed for idmapped mounts when in_user_ns)."""
    # The engine's umask must shape neither the directories made here nor the container's
    # process: 0022 as runc (process.user.umask, applied later, overrides it).
    os.umask(0o022)
    lin = config.get("linux") or {}
    propagation = lin.get("rootfsPropagation")
    # Nothing the container mounts may propagate back to the host: "/" becomes rslave unless
    # rootfsPropagation says otherwise. unbindable is for the rootfs mount only (an unbindable
    # "/" could not be bound to make the rootfs mount).
    flag = mounts.PROPAGATION[propagation] if propagation in _ROOT_FLAGS else linux.MS_SLAVE | linux.MS_REC
    linux.mount(None, "/", None, flag)
    _parent_not_shared(rootfs, linux.MS_PRIVATE if propagation in ("private", "rprivate") else linux.MS_SLAVE)
    # pivot_root needs the new root to be a mount point.
    linux.mount(rootfs, rootfs, None, linux.MS_BIND | linux.MS_REC)
    dev_from_host = False
    has_devpts = False
    for i, entry in enumerate(config.get("mounts") or []):
        spec = mounts.parse(entry, bundle, f"mounts[{i}]", lin)
        tree = None
        if spec.idmap and in_user_ns:
            # The superblock and the mapping belong to the initial user namespace: only the
            # runtime, outside, can make the mount; the init moves it into place (runc's way).
            if idmapped_tree is None:
                raise ConfigError(f"config.json: mounts[{i}]: idmapped mounts in a container with its own "
                                  f"user namespace need the runtime to make them")
            tree = idmapped_tree(i)
        if spec.destination.rstrip("/") == "/dev" and spec.is_bind:
            dev_from_host = True
        if spec.type == "devpts" and spec.destination.rstrip("/") == "/dev/pts":
            has_devpts = True
        if _is_read_only_dev(entry):
            spec.flags &= ~linux.MS_RDONLY  # devices, links and /dev/* mounts go in first: see finish()
        try:
            mounts.mount_entry(spec, rootfs, cgroup_mounter, tree)
        finally:
            if tree is not None:
                os.close(tree)
    if not dev_from_host:
        devices.create_devices(rootfs, lin.get("devices") or [], in_user_ns)
        devices.create_symlinks(rootfs, has_devpts)
    if propagation in ("slave", "rslave", "private", "rprivate", "unbindable", "runbindable"):
        # rootfsPropagation also applies to the rootfs mount itself. shared waits for finish():
        # pivot_root refuses a shared new root.
        linux.mount(None, rootfs, None, mounts.PROPAGATION[propagation])


def _is_read_only_dev(entry):
    """A /dev of its own (not a bind) asked read-only: runc makes it read-only only at the end."""
    return ((entry.get("destination") or "").rstrip("/") == "/dev" and entry.get("type") != "bind"
            and "ro" in (entry.get("options") or []) and not {"bind", "rbind"} & set(entry.get("options") or []))


# rootfsPropagation values applied to "/" before the rootfs is bound.
_ROOT_FLAGS = ("shared", "rshared", "slave", "rslave", "private", "rprivate")


def _parent_not_shared(rootfs, flag):
    """The mount holding the rootfs directory must not be shared: pivot_root and MS_MOVE refuse
    it, and binding the rootfs there would propagate the bind to the host. It becomes a slave
    (it still receives the host's mounts) or private when private was asked for."""
    parent = None
    for mount in mountinfo.mounts():
        point = mount.point
        if (rootfs == point or rootfs.startswith(point.rstrip("/") + "/")) and \
                (parent is None or len(point) >= len(parent.point)):
            parent = mount
    if parent is not None and any(f.startswith("shared:") for f in parent.optional):
        linux.mount(None, parent.point, None, flag)


def pivot(rootfs, no_pivot=False):
    if no_pivot:
        os.chdir(rootfs)
        linux.mount(rootfs, "/", None, linux.MS_MOVE)
        os.chroot(".")
        os.chdir("/")
        return
    old_root = os.open("/", os.O_DIRECTORY | os.O_RDONLY | os.O_CLOEXEC)
    new_root = os.open(rootfs, os.O_DIRECTORY | os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fchdir(new_root)
        # pivot_root(".", ".") stacks the old root on top of the new one; unmounting "." then
        # drops it without needing a directory for it inside the rootfs (runc's way).
        linux.pivot_root(".", ".")
        os.fchdir(old_root)
        linux.mount(None, ".", None, linux.MS_SLAVE | linux.MS_REC)
        linux.umount2(".", linux.MNT_DETACH)
        os.chdir("/")
    except OSError as err:
        raise SetupError(f"pivot_root {rootfs}: {err.strerror}") from None
    finally:
        os.close(old_root)
        os.close(new_root)


def finish(config):
    """After pivot_root: shared rootfs propagation, readonly and masked paths, then the read-only root."""
    lin = config.get("linux") or {}
    if lin.get("rootfsPropagation") in ("shared", "rshared"):
        linux.mount(None, "/", None, mounts.PROPAGATION[lin["rootfsPropagation"]])
    for path in lin.get("readonlyPaths") or []:
        try:
            linux.mount(path, path, None, linux.MS_BIND | linux.MS_REC)
            mounts.remount_readonly(path)
        except FileNotFoundError:
            continue
        except OSError as err:
            if err.errno == 2:
                continue
            raise SetupError(f"readonly path {path}: {err.strerror}") from None
    if lin.get("maskedPaths"):
        _mask(lin["maskedPaths"])
    if any(_is_read_only_dev(entry) for entry in config.get("mounts") or []):
        try:
            mounts.remount_readonly("/dev")
        except OSError as err:
            raise SetupError(f"remount /dev read-only: {err.strerror}") from None
    if (config.get("root") or {}).get("readonly"):
        try:
            mounts.remount_readonly("/")
        except OSError as err:
            raise SetupError(f"remount / read-only: {err.strerror}") from None


def _mask(masked_paths):
    """A read-only tmpfs over each directory, the null device bound over anything else; a path
    that does not exist is skipped."""
    null = None
    try:
        for path in masked_paths:
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    linux.mount("tmpfs", path, "tmpfs", linux.MS_RDONLY)
                    continue
                if null is None:
                    null = _null_device()
                tree = linux.open_tree(null, "", linux.OPEN_TREE_CLONE | linux.OPEN_TREE_CLOEXEC
                                       | linux.AT_EMPTY_PATH)
                try:
                    linux.move_mount(tree, "", linux.AT_FDCWD, path, linux.MOVE_MOUNT_F_EMPTY_PATH)
                finally:
                    os.close(tree)
            except OSError as err:
                if err.errno in (2, 20):  # ENOENT, ENOTDIR
                    continue
                raise SetupError(f"masked path {path}: {err.strerror}") from None
    finally:
        if null is not None:
            os.close(null)


def _null_device():
    """The container's /dev/null, opened without following it and checked to be the null device.
    Bound by its name, a /dev/null swapped for a symlink (a shared /dev, a crafted image) would
    put what it points to over the masked paths, /proc/sysrq-trigger say, or, dangling, leave
    them unmasked (CVE-2025-31133 in runc)."""
    try:
        fd = os.open("/dev/null", os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as err:
        raise SetupError(f"masked paths: open /dev/null: {err.strerror}") from None
    st = os.fstat(fd)
    if not stat.S_ISCHR(st.st_mode) or st.st_rdev != os.makedev(1, 3):
        os.close(fd)
        raise SetupError("masked paths: /dev/null is not the null device (char 1:3): refusing to bind it")
    return fd


def make_dir(rootfs, path):
    """Create a directory (and its parents) inside the rootfs, resolved without leaving it."""
    from runtime.rootfs import paths
    paths.make_target(rootfs, path, True)
