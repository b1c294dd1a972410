"""The container's mounts: option parsing, and mounting each entry of config.json "mounts"
inside the rootfs (bind/rbind, tmpfs, proc, sysfs, devpts, mqueue, cgroup, and any other type).

Targets are resolved with rootfs.paths so that no mount lands outside the rootfs, and none
lands inside /proc (runc's rule). Bind remounts keep what the bind copied from its source
unless an option clears it; tmpfs honours tmpcopyup and keeps the covered directory's mode;
idmap/ridmap binds go through open_tree + mount_setattr + move_mount: made here when the
container has no user namespace of its own, else by the runtime outside (idmapped_tree) and
only moved into place here.
"""

import errno
import os
import stat

from runtime import linux
from runtime.errors import ConfigError, SetupError
from runtime.rootfs import paths

# option -> (clear?, flag). clear=True means the option removes the flag.
FLAGS = {
    "ro": (False, linux.MS_RDONLY), "rw": (True, linux.MS_RDONLY),
    "suid": (True, linux.MS_NOSUID), "nosuid": (False, linux.MS_NOSUID),
    "dev": (True, linux.MS_NODEV), "nodev": (False, linux.MS_NODEV),
    "exec": (True, linux.MS_NOEXEC), "noexec": (False, linux.MS_NOEXEC),
    "sync": (False, linux.MS_SYNCHRONOUS), "async": (True, linux.MS_SYNCHRONOUS),
    "dirsync": (False, linux.MS_DIRSYNC),
    "remount": (False, linux.MS_REMOUNT),
    "mand": (False, linux.MS_MANDLOCK), "nomand": (True, linux.MS_MANDLOCK),
    "atime": (True, linux.MS_NOATIME), "noatime": (False, linux.MS_NOATIME),
    "diratime": (True, linux.MS_NODIRATIME), "nodiratime": (False, linux.MS_NODIRATIME),
    "bind": (False, linux.MS_BIND), "rbind": (False, linux.MS_BIND | linux.MS_REC),
    "relatime": (False, linux.MS_RELATIME), "norelatime": (True, linux.MS_RELATIME),
    "strictatime": (False, linux.MS_STRICTATIME), "nostrictatime": (True, linux.MS_STRICTATIME),
    "lazytime": (False, linux.MS_LAZYTIME), "nolazytime": (True, linux.MS_LAZYTIME),
    "symfollow": (True, linux.MS_NOSYMFOLLOW), "nosymfollow": (False, linux.MS_NOSYMFOLLOW),
    "silent": (False, linux.MS_SILENT), "loud": (True, linux.MS_SILENT),
    "acl": (False, linux.MS_POSIXACL), "noacl": (True, linux.MS_POSIXACL),
    "iversion": (False, linux.MS_I_VERSION), "noiversion": (True, linux.MS_I_VERSION),
}

PROPAGATION = {
    "private": linux.MS_PRIVATE, "rprivate": linux.MS_PRIVATE | linux.MS_REC,
    "shared": linux.MS_SHARED, "rshared": linux.MS_SHARED | linux.MS_REC,
    "slave": linux.MS_SLAVE, "rslave": linux.MS_SLAVE | linux.MS_REC,
    "unbindable": linux.MS_UNBINDABLE, "runbindable": linux.MS_UNBINDABLE | linux.MS_REC,
}

# Recursive attributes (mount_setattr with AT_RECURSIVE): option -> (set, clear) MOUNT_ATTR bits.
MOUNT_ATTR_RDONLY = linux.MOUNT_ATTR_RDONLY
MOUNT_ATTR_NOSUID, MOUNT_ATTR_NODEV, MOUNT_ATTR_NOEXEC = 0x2, 0x4, 0x8
MOUNT_ATTR__ATIME, MOUNT_ATTR_RELATIME, MOUNT_ATTR_NOATIME, MOUNT_ATTR_STRICTATIME = 0x70, 0x0, 0x10, 0x20
MOUNT_ATTR_NODIRATIME, MOUNT_ATTR_NOSYMFOLLOW = 0x80, 0x200000
RECURSIVE = {
    "rro": (MOUNT_ATTR_RDONLY, 0), "rrw": (0, MOUNT_ATTR_RDONLY),
    "rnosuid": (MOUNT_ATTR_NOSUID, 0), "rsuid": (0, MOUNT_ATTR_NOSUID),
    "rnodev": (MOUNT_ATTR_NODEV, 0), "rdev": (0, MOUNT_ATTR_NODEV),
    "rnoexec": (MOUNT_ATTR_NOEXEC, 0), "rexec": (0, MOUNT_ATTR_NOEXEC),
    "rnodiratime": (MOUNT_ATTR_NODIRATIME, 0), "rdiratime": (0, MOUNT_ATTR_NODIRATIME),
    "rrelatime": (MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME), "rnorelatime": (0, 0),
    "rnoatime": (MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME), "ratime": (0, MOUNT_ATTR_NOATIME),
    "rstrictatime": (MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME), "rnostrictatime": (0, 0),
    "rnosymfollow": (MOUNT_ATTR_NOSYMFOLLOW, 0), "rsymfollow": (0, MOUNT_ATTR_NOSYMFOLLOW),
}

# Options that never reach the kernel's data string: pyrun's to do (tmpcopyup, idmap, ridmap) or
# crun's (copy-symlink: unsupported, harmless to skip).
IGNORED = {"tmpcopyup", "copy-symlink", "idmap", "ridmap"}


class MountSpec:
    """One parsed mount: what mount(2) gets, plus what must happen after it."""

    __slots__ = ("source", "destination", "type", "flags", "clear", "propagation", "data",
                 "attr_set", "attr_clr", "is_bind", "copy_up", "idmap")

    def __init__(self, source, destination, type_, flags, clear, propagation, data, attr_set, attr_clr,
                 copy_up=False, idmap=None):
        self.source = source
        self.destination = destination
        self.type = type_
        self.flags = flags
        self.clear = clear
        self.propagation = propagation
        self.data = data
        self.attr_set = attr_set
        self.attr_clr = attr_clr
        self.is_bind = bool(flags & linux.MS_BIND)
        self.copy_up = copy_up
        self.idmap = idmap    # (uid mappings, gid mappings, recursive) for an idmapped bind


def parse(entry, bundle, where="mounts", linux_config=None):
    """A config.json mount entry -> MountSpec (pure; raises ConfigError on an unknown shape).
    linux_config gives the container's id mappings, which idmap/ridmap use when the entry has none."""
    dest = entry.get("destination")
    if not dest:
        raise ConfigError(f"config.json: {where}.destination: is required")
    if not dest.startswith("/"):
        dest = "/" + dest  # runc resolves a relative destination against "/"
    options = entry.get("options") or []
    flags = clear = propagation = attr_set = attr_clr = 0
    data = []
    for opt in options:
        if opt in FLAGS:
            is_clear, flag = FLAGS[opt]
            if is_clear:
                flags &= ~flag
                clear |= flag
            else:
                flags |= flag
        elif opt in PROPAGATION:
            propagation |= PROPAGATION[opt]
        elif opt in RECURSIVE:
            s, c = RECURSIVE[opt]
            attr_set |= s
            attr_clr |= c
        elif opt in IGNORED:
            continue
        else:
            data.append(opt)
    type_ = entry.get("type") or ""
    if type_ == "bind":
        flags |= linux.MS_BIND
    source = entry.get("source") or ""
    if flags & linux.MS_BIND and source and not source.startswith("/"):
        source = os.path.join(bundle, source)
    idmap = _idmap(entry, options, flags, where, linux_config or {})
    return MountSpec(source, dest, type_, flags, clear, propagation, ",".join(data) or None,
                     attr_set, attr_clr, copy_up="tmpcopyup" in options and type_ == "tmpfs", idmap=idmap)


def _idmap(entry, options, flags, where, linux_config):
    """(uid mappings, gid mappings, recursive) of an idmapped bind, or None. The entry's own
    mappings, else (idmap/ridmap alone) the container's user namespace mappings; (None, None,
    recursive) for a container that joins a user namespace by path and gives no mappings: the
    runtime then idmaps through that namespace itself."""
    asked = "idmap" in options or "ridmap" in options
    uids, gids = entry.get("uidMappings"), entry.get("gidMappings")
    if not (asked or uids or gids):
        return None
    if not flags & linux.MS_BIND:
        raise ConfigError(f"config.json: {where}: idmapped mounts are supported for bind mounts only")
    if not uids and not gids:
        uids, gids = linux_config.get("uidMappings"), linux_config.get("gidMappings")
        if not uids and not gids and any(ns.get("type") == "user" and ns.get("path")
                                         for ns in linux_config.get("namespaces") or []):
            return None, None, "ridmap" in options
    if not uids or not gids:
        raise ConfigError(f"config.json: {where}: an idmapped mount needs uidMappings and gidMappings "
                          f"(in the mount, or the container's user namespace)")
    return uids, gids, "ridmap" in options


# Per-mount flags a bind copies from its source and a bind remount would otherwise reset.
_KEPT = ((os.ST_RDONLY, linux.MS_RDONLY), (os.ST_NOSUID, linux.MS_NOSUID), (os.ST_NODEV, linux.MS_NODEV),
         (os.ST_NOEXEC, linux.MS_NOEXEC))
_CLEARABLE = linux.MS_RDONLY | linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC


def _current_flags(path):
    st = os.statvfs(path)
    return sum(ms_flag for st_flag, ms_flag in _KEPT if st.f_flag & st_flag)


def bind_remount(path, wanted, cleared=0):
    """Remount a bind mount with wanted flags set and cleared ones removed, keeping the rest of
    what it has (ro/nosuid/nodev/noexec from its source). In a user namespace the source's flags
    are locked and clearing them fails: then they are kept."""
    current = _current_flags(path)
    try:
        linux.mount(None, path, None, (current & ~cleared) | wanted | linux.MS_BIND | linux.MS_REMOUNT)
    except PermissionError:
        if not current & cleared:
            raise
        linux.mount(None, path, None, current | wanted | linux.MS_BIND | linux.MS_REMOUNT)


# Files in /proc a mount may cover (lxcfs and the like serve these); runc's list.
_PROC_ALLOWED = frozenset(("/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps",
                           "/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev",
                           "/proc/sys/kernel/ns_last_pid"))


def check_proc_destination(spec, rootfs):
    """Nothing but procfs goes on /proc, and nothing into it but a few files: a mount over
    /proc/self/attr, /proc/sys/... would undo LSM and sysctl protections (the CVE-2019-16884
    family). The check is on the destination resolved inside the rootfs, symlinks followed;
    _refuse_procfs_target checks the filesystem the target turns out to be on."""
    resolved = paths.secure_join(rootfs, spec.destination)
    inside = "/" + resolved[len(rootfs.rstrip("/")):].lstrip("/")
    if inside == "/proc":
        if spec.type != "proc" and not (spec.is_bind and _is_procfs(spec.source)):
            raise ConfigError(f"config.json: mount {spec.destination}: only a proc filesystem may be "
                              f"mounted on /proc (type {spec.type!r}, source {spec.source!r})")
    elif inside.startswith("/proc/") and inside not in _PROC_ALLOWED:
        raise ConfigError(f"config.json: mount {spec.destination}: {inside} is inside /proc and cannot "
                          f"be mounted over")


def _is_procfs(path):
    """A bind onto /proc must bring the root of a procfs (the host's /proc, for a container sharing
    its pid namespace), as runc checks: anything else there would stand in for the container's."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        return linux.is_procfs_root(fd)
    finally:
        os.close(fd)


def _refuse_procfs_target(fd, spec, target, rootfs):
    """A target already on a procfs takes only what check_proc_destination lets onto /proc:
    the path check above cannot see a procfs reached another way, mounted at another path say."""
    if linux.fs_type(fd) != linux.PROC_SUPER_MAGIC:
        return
    inside = "/" + target[len(rootfs.rstrip("/")):].lstrip("/")
    if inside in _PROC_ALLOWED or (inside == "/proc" and (spec.type == "proc" or spec.is_bind)):
        return
    raise ConfigError(f"config.json: mount {spec.destination}: {inside} is on a proc filesystem and "
                      f"cannot be mounted over")


def _check_ordinary_directory(spec, rootfs):
    """proc and sysfs go on a directory of the image, not through a symlink in its place: an
    image whose /proc points elsewhere would have procfs, and the masked paths, follow it there,
    out of reach of the rule above (runc refuses the same, with the same words)."""
    dest = os.path.normpath("/" + spec.destination)
    parent = paths.secure_join(rootfs, os.path.dirname(dest))
    try:
        st = os.lstat(os.path.join(parent, os.path.basename(dest)))
    except FileNotFoundError:
        return
    except OSError as err:
        raise SetupError(f"mount {spec.destination}: {err.strerror}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise SetupError(f'mount {spec.destination}: filesystem "{spec.type}" must be mounted on '
                         f'ordinary directory')


def mount_entry(spec, rootfs, cgroup_mounter=None, tree=None):
    """Mount one entry inside rootfs (called in the container's mount namespace, before pivot_root).
    tree: for an idmapped bind, the detached tree the runtime made outside (see idmapped_tree)."""
    check_proc_destination(spec, rootfs)
    if spec.type in ("proc", "sysfs"):
        _check_ordinary_directory(spec, rootfs)
    if spec.type == "cgroup" or spec.type == "cgroup2":
        if cgroup_mounter is None:
            raise SetupError(f"mount {spec.destination}: cgroup mounts need the cgroup manager")
        target = paths.make_target(rootfs, spec.destination, True)
        fd = paths.open_checked(rootfs, target)
        try:
            _refuse_procfs_target(fd, spec, target, rootfs)
        finally:
            os.close(fd)
        cgroup_mounter(spec, rootfs)
        return
    if spec.is_bind:
        _mount_bind(spec, rootfs, tree)
        return
    data = spec.data
    if spec.type == "tmpfs":
        data = _with_existing_mode(paths.secure_join(rootfs, spec.destination), data)
    target = paths.make_target(rootfs, spec.destination, True)
    fd = paths.open_checked(rootfs, target)
    try:
        _refuse_procfs_target(fd, spec, target, rootfs)
        covered = _open_covered(fd) if spec.copy_up else None
    except BaseException:
        os.close(fd)
        raise
    try:
        proc = paths.proc_path(fd)
        source = spec.source or spec.type
        flags = spec.flags & ~linux.MS_REC
        try:
            linux.mount(source, proc, spec.type, flags, data)
        except OSError as err:
            if not (spec.type == "sysfs" and err.errno == errno.EPERM):
                raise SetupError(f"mount {source}:{spec.destination} (type {spec.type}, "
                                 f"options {spec.data or ''}): {err.strerror}") from None
            _bind_host_sys(spec, rootfs, target, proc)
        if covered is not None:
            os.close(fd)
            fd = paths.open_checked(rootfs, target)  # now the new tmpfs
            try:
                _copy_tree(covered, paths.proc_path(fd))
            except OSError as err:
                raise SetupError(f"tmpcopyup {spec.destination}: {err.filename}: {err.strerror}") from None
    finally:
        os.close(fd)
        if covered is not None:
            os.close(covered)
    _after(spec, target, rootfs)


def _bind_host_sys(spec, rootfs, target, proc):
    """A new sysfs needs privilege over the user namespace owning the network namespace: a
    container with its own user namespace but the host's network namespace gets EPERM. Then
    the host's /sys is bound recursively instead (runc, crun), with the entry's ro, nosuid,
    nodev and noexec set on every mount of the bound tree (a plain remount would leave the
    sub-mounts, /sys/fs/cgroup among them, writable). Only the new bind's mounts change."""
    try:
        linux.mount("/sys", proc, None, linux.MS_BIND | linux.MS_REC)
    except OSError as err:
        raise SetupError(f"mount sysfs:{spec.destination}: a new sysfs is not permitted (the container's "
                         f"user namespace does not own its network namespace), and binding the host's "
                         f"/sys failed too: {err.strerror}") from None
    attrs = sum(attr for flag, attr in _SYSFS_ATTRS if spec.flags & flag)
    if attrs:
        fd = paths.open_checked(rootfs, target)
        try:
            linux.mount_setattr(fd, "", linux.AT_EMPTY_PATH | linux.AT_RECURSIVE, attrs, 0)
        except OSError as err:
            raise SetupError(f"bind of the host's /sys on {spec.destination}: set its options: "
                             f"{err.strerror}") from None
        finally:
            os.close(fd)


_SYSFS_ATTRS = ((linux.MS_RDONLY, MOUNT_ATTR_RDONLY), (linux.MS_NOSUID, MOUNT_ATTR_NOSUID),
                (linux.MS_NODEV, MOUNT_ATTR_NODEV), (linux.MS_NOEXEC, MOUNT_ATTR_NOEXEC))


def _open_covered(path_fd):
    """tmpcopyup: a readable fd on the directory about to be covered; lookups relative to it
    still reach its contents once the tmpfs is on top."""
    return os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=path_fd)


def _copy_tree(src_fd, dst):
    """Copy the contents of the directory open as src_fd into dst with modes and owners
    (tmpfs tmpcopyup): files, directories, symlinks as they are, device nodes and fifos remade.
    Everything is read relative to src_fd: by path it would be the tmpfs now on top.

    The copy stays on the covered directory's mount: a mount below it (an earlier bind, or a
    procfs or sysfs reached through a symlinked destination) leaves its name, an empty directory
    or file, and nothing of its contents. It reads as the container's still privileged root, before the
    masked paths exist: /proc/timer_list or /proc/kcore would have landed in the tmpfs, readable."""
    for name in os.listdir(src_fd):
        st = os.stat(name, dir_fd=src_fd, follow_symlinks=False)
        d = os.path.join(dst, name)
        if stat.S_ISLNK(st.st_mode):
            os.symlink(os.readlink(name, dir_fd=src_fd), d)
        elif stat.S_ISDIR(st.st_mode):
            os.mkdir(d, 0o700)
            sub = _open_on_this_mount(src_fd, name, os.O_RDONLY | os.O_DIRECTORY)
            if sub is None:
                os.chmod(d, 0o755)   # a mount point: an empty directory, nothing of what is mounted
                continue
            try:
                _copy_tree(sub, d)
            finally:
                os.close(sub)
        elif not stat.S_ISSOCK(st.st_mode):   # sockets do not survive a copy
            # st is what is mounted on the name, if anything is: looked at only once the name is
            # known to be no mount point (a device bound on a file would be remade here).
            fin = _open_on_this_mount(src_fd, name, os.O_RDONLY if stat.S_ISREG(st.st_mode) else os.O_PATH)
            if fin is None:   # a mount point: its name stays, an empty file
                os.close(os.open(d, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644))
                continue
            if stat.S_ISREG(st.st_mode):
                _copy_file(fin, d)
            else:
                os.close(fin)
                os.mknod(d, stat.S_IFMT(st.st_mode) | 0o600, st.st_rdev)   # made anew: nothing is read
        else:
            continue
        os.lchown(d, st.st_uid, st.st_gid)
        if not stat.S_ISLNK(st.st_mode):
            os.chmod(d, stat.S_IMODE(st.st_mode))
    # The tmpfs root itself keeps what the mount gave it: mode= if any, else the covered
    # directory's mode (see _with_existing_mode), as runc.


def _copy_file(fin, dst):
    """Copy the open file fin into a new file dst, then close fin."""
    try:
        fout = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            while os.sendfile(fout, fin, None, 1 << 20):
                pass
        finally:
            os.close(fout)
    finally:
        os.close(fin)


def _open_on_this_mount(dir_fd, name, flags):
    """name in dir_fd opened without crossing into another mount; None when a mount is on it.
    (st_dev cannot tell: a bind from the same filesystem has the same one.)"""
    try:
        return linux.openat2(dir_fd, name, flags | os.O_NOFOLLOW | os.O_CLOEXEC, linux.RESOLVE_NO_XDEV)
    except OSError as err:
        if err.errno == errno.EXDEV:
            return None
        raise


def _with_existing_mode(path, data):
    """A tmpfs over an existing directory keeps that directory's mode unless mode= says
    otherwise (as runc: the mode goes first, a later mode= wins)."""
    try:
        st = os.lstat(path)
    except OSError:
        return data
    if not stat.S_ISDIR(st.st_mode):
        return data
    mode = f"mode={stat.S_IMODE(st.st_mode):o}"
    return f"{mode},{data}" if data else mode


def _mount_bind(spec, rootfs, tree=None):
    try:
        # A tree made outside is stat'ed itself: in a user namespace the source may be out of reach.
        st = os.fstat(tree) if tree is not None else os.stat(spec.source)
    except OSError as err:
        raise SetupError(f"bind mount source {spec.source} for {spec.destination}: {err.strerror}") from None
    target = paths.make_target(rootfs, spec.destination, stat.S_ISDIR(st.st_mode))
    fd = paths.open_checked(rootfs, target)
    try:
        _refuse_procfs_target(fd, spec, target, rootfs)
        proc = paths.proc_path(fd)
        try:
            if tree is not None:
                linux.move_mount(tree, "", fd, "", linux.MOVE_MOUNT_F_EMPTY_PATH | linux.MOVE_MOUNT_T_EMPTY_PATH)
            elif spec.idmap:
                _mount_idmapped(spec, fd)
            else:
                linux.mount(spec.source, proc, None, linux.MS_BIND | (spec.flags & linux.MS_REC))
        except OSError as err:
            raise SetupError(f"bind mount {spec.source} to {spec.destination}: {err.strerror}") from None
        extra = spec.flags & ~(linux.MS_BIND | linux.MS_REC | linux.MS_REMOUNT)
        if extra or spec.clear & _CLEARABLE:
            # A bind mount takes its flags only on a remount; re-open: the fd names the old mount.
            os.close(fd)
            fd = paths.open_checked(rootfs, target)
            proc = paths.proc_path(fd)
            try:
                bind_remount(proc, extra, spec.clear & _CLEARABLE)
            except OSError as err:
                raise SetupError(f"remount bind {spec.destination} with its options: {err.strerror}") from None
    finally:
        os.close(fd)
    _after(spec, target, rootfs)


def _mount_idmapped(spec, target_fd):
    """An idmapped tree of the source moved onto the target (an O_PATH fd)."""
    tree = idmapped_tree(spec)
    try:
        linux.move_mount(tree, "", target_fd, "", linux.MOVE_MOUNT_F_EMPTY_PATH | linux.MOVE_MOUNT_T_EMPTY_PATH)
    finally:
        os.close(tree)


def idmapped_tree(spec, userns=None):
    """A detached clone of the source (its sub-mounts too for rbind), its ids shifted through a
    user namespace (mount_setattr MOUNT_ATTR_IDMAP; every sub-mount's with ridmap): userns, an
    fd on one, or else a new one holding the spec's mappings. Returns the tree's fd; closing it
    before it is moved anywhere drops the whole tree.

    The tree is made a slave (as the container's "/" is by default): cloned from a shared host
    mount it would be that mount's peer, and mounts made on it inside the container would
    propagate to the host."""
    uids, gids, recursive = spec.idmap
    tree = linux.open_tree(linux.AT_FDCWD, spec.source, linux.OPEN_TREE_CLONE | linux.OPEN_TREE_CLOEXEC |
                           (linux.AT_RECURSIVE if spec.flags & linux.MS_REC else 0))
    try:
        linux.mount_setattr(tree, "", linux.AT_EMPTY_PATH | linux.AT_RECURSIVE, 0, 0, propagation=linux.MS_SLAVE)
        own = userns is None
        if own:
            userns = _userns_fd(uids, gids)
        try:
            linux.mount_setattr(tree, "", linux.AT_EMPTY_PATH | (linux.AT_RECURSIVE if recursive else 0),
                                linux.MOUNT_ATTR_IDMAP, 0, userns_fd=userns)
        finally:
            if own:
                os.close(userns)
    except BaseException:
        os.close(tree)
        raise
    return tree


def _userns_fd(uids, gids):
    """An fd on a new user namespace with these mappings: a child unshares it and waits while
    its maps are written and the namespace is opened, then exits. The child names itself as
    /proc knows it: /proc here is still the host's, fork() returns the pid in the container's."""
    ready_r, ready_w = os.pipe()
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(ready_r)
            os.close(done_w)
            linux.unshare(linux.CLONE_NEWUSER)
            os.write(ready_w, os.readlink("/proc/self").encode())
            os.read(done_r, 1)
        finally:
            os._exit(0)
    os.close(ready_w)
    os.close(done_r)
    try:
        proc_pid = os.read(ready_r, 32).decode()
        if not proc_pid.isdigit():
            raise OSError(0, "the id-mapping helper failed to create a user namespace")
        for name, maps in (("uid_map", uids), ("gid_map", gids)):
            try:
                with open(f"/proc/{proc_pid}/{name}", "w") as f:
                    f.write("".join(f"{m['containerID']} {m['hostID']} {m['size']}\n" for m in maps))
            except OSError as err:
                raise OSError(err.errno, f"write {name} of the id-mapping namespace: {err.strerror}") from None
        return os.open(f"/proc/{proc_pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        os.close(ready_r)
        os.close(done_w)
        os.waitpid(pid, 0)


def _after(spec, target, rootfs):
    """Propagation and recursive attributes: set on the new mount after it exists."""
    if not spec.propagation and not (spec.attr_set or spec.attr_clr):
        return
    fd = paths.open_checked(rootfs, target)
    try:
        proc = paths.proc_path(fd)
        for flag in (linux.MS_SHARED, linux.MS_SLAVE, linux.MS_PRIVATE, linux.MS_UNBINDABLE):
            if spec.propagation & flag:
                linux.mount(None, proc, None, flag | (spec.propagation & linux.MS_REC))
        if spec.attr_set or spec.attr_clr:
            linux.mount_setattr(fd, "", linux.AT_EMPTY_PATH | linux.AT_RECURSIVE,
                                spec.attr_set, spec.attr_clr)
    finally:
        os.close(fd)


def remount_readonly(path):
    """Make an existing mount read-only, keeping its other flags (root.readonly, readonlyPaths)."""
    bind_remount(path, linux.MS_RDONLY)
