"""/dev inside the container: the default devices, linux.devices, and the standard symlinks.

Devices are made with mknod, or bind-mounted from the host's /dev when the container runs in a
user namespace (mknod is not allowed there), as runc does.
"""

import os
import stat

from runtime import linux
from runtime.errors import ConfigError, SetupError
from runtime.rootfs import paths

# runc's default devices: path, type, major, minor, mode.
DEFAULT_DEVICES = [
    ("/dev/null", "c", 1, 3, 0o666),
    ("/dev/zero", "c", 1, 5, 0o666),
    ("/dev/full", "c", 1, 7, 0o666),
    ("/dev/random", "c", 1, 8, 0o666),
    ("/dev/urandom", "c", 1, 9, 0o666),
    ("/dev/tty", "c", 5, 0, 0o666),
]

SYMLINKS = [
    ("/proc/self/fd", "/dev/fd"),
    ("/proc/self/fd/0", "/dev/stdin"),
    ("/proc/self/fd/1", "/dev/stdout"),
    ("/proc/self/fd/2", "/dev/stderr"),
]

_TYPES = {"c": stat.S_IFCHR, "u": stat.S_IFCHR, "b": stat.S_IFBLK, "p": stat.S_IFIFO}


def _make(rootfs, path, type_, major, minor, mode, uid, gid, bind, listed=False):
    if type_ not in _TYPES:
        raise ConfigError(f"config.json: linux.devices: {path}: unknown device type {type_!r}")
    target = _in_dir(rootfs, path)
    if listed and os.path.lexists(target):
        # runtime-spec: a file already at the path that is not the requested device is an error.
        st = os.lstat(target)
        if stat.S_IFMT(st.st_mode) != _TYPES[type_] or (
                type_ != "p" and st.st_rdev != os.makedev(major, minor)):
            raise SetupError(f"linux.devices: {path} already exists in the rootfs and is not "
                             f"the requested device ({type_} {major}:{minor})")
    parent = os.path.dirname(target)
    if not os.path.isdir(parent):
        paths.make_target(rootfs, os.path.dirname(path), True)
    if os.path.islink(target):
        # The node goes at the path itself: a symlink there (a crafted image's /dev/null) would
        # have it made, or a file removed, wherever it points
        os.unlink(target)
    if bind:
        paths.make_target(rootfs, path, False)
        fd = paths.open_checked(rootfs, target)
        try:
            linux.mount(path, paths.proc_path(fd), None, linux.MS_BIND)
        except OSError as err:
            raise SetupError(f"bind mount device {path}: {err.strerror}") from None
        finally:
            os.close(fd)
        return
    if os.path.lexists(target):
        os.unlink(target)
    try:
        os.mknod(target, (mode & 0o7777) | _TYPES[type_], os.makedev(major, minor))
    except OSError as err:
        raise SetupError(f"mknod {path}: {err.strerror}") from None
    os.chmod(target, mode & 0o7777)  # mknod's mode is filtered by the umask
    os.chown(target, uid, gid)


def _in_dir(rootfs, path):
    """path's directory resolved inside rootfs, its last component not followed."""
    return os.path.join(paths.secure_join(rootfs, os.path.dirname(path)), os.path.basename(path))


def create_devices(rootfs, devices, in_user_ns, default_devices=True):
    """Make the default devices (unless /dev comes from the host) and each linux.devices entry."""
    listed = {d["path"] for d in devices}
    if default_devices:
        for path, type_, major, minor, mode in DEFAULT_DEVICES:
            if path not in listed:
                _make(rootfs, path, type_, major, minor, mode, 0, 0, in_user_ns)
    for d in devices:
        mode = d.get("fileMode", 0o666)
        _make(rootfs, d["path"], d["type"], d.get("major", 0), d.get("minor", 0), mode,
              d.get("uid", 0), d.get("gid", 0), in_user_ns, listed=True)


def create_symlinks(rootfs, with_ptmx):
    links = list(SYMLINKS)
    if os.path.exists("/proc/kcore"):
        links.append(("/proc/kcore", "/dev/core"))
    if with_ptmx:
        links.append(("pts/ptmx", "/dev/ptmx"))
    for target, link in links:
        path = _in_dir(rootfs, link)
        if os.path.lexists(path):
            if link != "/dev/ptmx":
                continue
            # Whatever is there goes, as runc's setupPtmx does: a ptmx node bound from elsewhere
            # would bypass the container's devpts (and an earlier run's link is remade)
            os.unlink(path)
        try:
            os.symlink(target, path)
        except FileNotFoundError:
            pass  # no /dev directory in this rootfs and no /dev mount: nothing to link into
