"""A `cgroup` mount inside the container (podman asks for one at /sys/fs/cgroup).

On a cgroup v2 host it is a cgroup2 mount (the container's cgroup namespace makes its own
cgroup the root). On a v1 or hybrid host it is what runc builds: a tmpfs with one directory
per host hierarchy, each a cgroup mount of that hierarchy (inside a cgroup namespace) or a bind
of the container's own cgroup directory in it, plus the cpu,cpuacct style symlinks.
"""

import errno
import os

from runtime import linux, mountinfo
from runtime.errors import SetupError
from runtime.rootfs import paths


_BIND_FLAGS = linux.MS_RDONLY | linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC


def host_hierarchies():
    """[(mountpoint, fstype, super options)] of the cgroup mounts this process sees."""
    return [(m.point, m.fstype, m.super_options) for m in mountinfo.mounts() if m.fstype in ("cgroup", "cgroup2")]


def mount(spec, rootfs, own, joined_ns=False):
    """Mount the cgroup filesystem at spec.destination inside rootfs (before pivot_root).

    own is runtime.cgroups.common.own_cgroups() as read before entering the cgroup namespace
    (inside it every path reads "/"). joined_ns: the container joined a cgroup namespace by
    path, whose root is not the container's cgroup: each hierarchy is then mounted, showing that
    root, as runc does (a bind of the container's own cgroup would show another tree)."""
    target = paths.make_target(rootfs, spec.destination, True)
    hierarchies = host_hierarchies()
    flags = spec.flags & ~linux.MS_REC
    # Pure v2: every cgroup mount is a cgroup2 (a /sys bind in the mount table adds a second one).
    if hierarchies and all(fstype == "cgroup2" for _, fstype, _ in hierarchies):
        fd = paths.open_checked(rootfs, target)
        try:
            linux.mount("cgroup2", paths.proc_path(fd), "cgroup2", flags, None)
        except OSError as err:
            if err.errno not in (errno.EPERM, errno.EBUSY):
                raise SetupError(f"mount cgroup2 on {spec.destination}: {err.strerror}") from None
            # In a user namespace (rootless) the kernel may refuse a new cgroup2 mount: bind the
            # container's own cgroup directory instead, as runc does.
            _bind_own_cgroup2(hierarchies[0][0] + own.get("", ""), rootfs, target, flags, spec.destination)
        finally:
            os.close(fd)
        return
    fd = paths.open_checked(rootfs, target)
    try:
        linux.mount("tmpfs", paths.proc_path(fd), "tmpfs", flags & ~linux.MS_RDONLY, "mode=755")
    finally:
        os.close(fd)
    # The tmpfs just mounted is this container's alone and empty: its directories are made and
    # opened through its fd, with no path in the rootfs to resolve (and check) again for each.
    # One directory per hierarchy: a mountpoint listed twice (a bind over it, in nested setups)
    # shows the host its last mount, and so the container.
    by_name = {}
    for mountpoint, fstype, super_opts in hierarchies:
        name = mountpoint[len("/sys/fs/cgroup/"):]
        if mountpoint.startswith("/sys/fs/cgroup/") and "/" not in name:
            by_name[name] = (mountpoint, fstype, super_opts)
    tmpfs = paths.open_checked(rootfs, target, os.O_DIRECTORY)
    try:
        for name, (mountpoint, fstype, super_opts) in by_name.items():
            key = _hierarchy_key(fstype, super_opts)
            open_sub = _opener(tmpfs, name)
            try:
                os.mkdir(name, 0o755, dir_fd=tmpfs)
                if joined_ns:
                    _mount_hierarchy(fstype, key, open_sub, flags & _BIND_FLAGS)
                else:
                    _bind(mountpoint + own.get(key, ""), open_sub, flags & _BIND_FLAGS)
            except OSError as err:
                raise SetupError(f"mount cgroup hierarchy {name} on {spec.destination}: {err.strerror}") from None
            if "," in name:  # cpu,cpuacct -> cpu and cpuacct links
                for part in name.split(","):
                    try:
                        os.symlink(name, part, dir_fd=tmpfs)
                    except FileExistsError:
                        pass
    finally:
        os.close(tmpfs)
    if flags & linux.MS_RDONLY:
        fd = paths.open_checked(rootfs, target)
        try:
            linux.mount(None, paths.proc_path(fd), None, linux.MS_REMOUNT | (flags & _BIND_FLAGS))
        finally:
            os.close(fd)


def _opener(dir_fd, name):
    """A function opening dir_fd/name afresh (O_PATH, not following a symlink) for a mount target."""
    return lambda: os.open(name, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)


def _bind_own_cgroup2(source, rootfs, target, flags, destination):
    try:
        _bind(source, lambda: paths.open_checked(rootfs, target), (flags & _BIND_FLAGS) or None)
    except OSError as err:
        raise SetupError(f"bind {source} on {destination}: {err.strerror}") from None


def _mount_hierarchy(fstype, key, open_target, flags):
    """A cgroup (v1, of the hierarchy key names) or cgroup2 mount: in a cgroup namespace it
    shows the namespace's root."""
    fd = open_target()
    try:
        linux.mount(fstype, paths.proc_path(fd), fstype, flags, key or None)
    finally:
        os.close(fd)


def _bind(source, open_target, remount_flags):
    """Bind source on the target open_target() opens, then remount it with remount_flags unless None."""
    fd = open_target()
    try:
        linux.mount(source, paths.proc_path(fd), None, linux.MS_BIND | linux.MS_REC)
    finally:
        os.close(fd)
    if remount_flags is None:
        return
    # A fresh fd: the old one names the directory under the new mount.
    fd = open_target()
    try:
        linux.mount(None, paths.proc_path(fd), None, linux.MS_BIND | linux.MS_REMOUNT | remount_flags)
    finally:
        os.close(fd)


def _hierarchy_key(fstype, super_opts):
    if fstype == "cgroup2":
        return ""
    opts = super_opts.split(",")
    names = [o for o in opts if o.startswith("name=")]
    if names:
        return names[0]
    known = {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio",
             "blkio", "perf_event", "hugetlb", "pids", "rdma", "misc"}
    return ",".join(o for o in opts if o in known)
