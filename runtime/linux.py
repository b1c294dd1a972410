"""The syscall layer: every ctypes call pyrun makes into the kernel, and their constants.

Nothing else in pyrun loads libc or calls ``syscall()``; what the standard library already
wraps (os.fork, os.setresuid, os.mknod, socket.sethostname, ...) is used from there instead.
Each wrapper raises OSError with the errno on failure, so callers handle one kind of error.
Keep this module small enough to read in one sitting: add a wrapper here only when a
concern needs a call the standard library does not have.
"""

import ctypes
import os

_libc = ctypes.CDLL(None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long

# x86_64 syscall numbers (the only architecture pyrun targets today).
SYS_capget = 125
SYS_capset = 126
SYS_pivot_root = 155
SYS_ioprio_set = 251
SYS_keyctl = 250
SYS_sched_setattr = 314
SYS_bpf = 321
SYS_pidfd_send_signal = 424
SYS_open_tree = 428
SYS_move_mount = 429
SYS_pidfd_open = 434
SYS_clone3 = 435
SYS_close_range = 436
SYS_openat2 = 437
SYS_mount_setattr = 442

# Namespace flags (clone/unshare/setns).
CLONE_NEWTIME = 0x00000080
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_INTO_CGROUP = 0x200000000   # clone3 only: start the child in the cgroup2 directory args.cgroup

# mount(2) flags.
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_SYNCHRONOUS = 0x10
MS_REMOUNT = 0x20
MS_MANDLOCK = 0x40
MS_DIRSYNC = 0x80
MS_NOSYMFOLLOW = 0x100
MS_NOATIME = 0x400
MS_NODIRATIME = 0x800
MS_BIND = 0x1000
MS_MOVE = 0x2000
MS_REC = 0x4000
MS_SILENT = 0x8000
MS_POSIXACL = 1 << 16
MS_UNBINDABLE = 1 << 17
MS_PRIVATE = 1 << 18
MS_SLAVE = 1 << 19
MS_SHARED = 1 << 20
MS_RELATIME = 1 << 21
MS_I_VERSION = 1 << 23
MS_STRICTATIME = 1 << 24
MS_LAZYTIME = 1 << 25
MS_PROPAGATION = MS_UNBINDABLE | MS_PRIVATE | MS_SLAVE | MS_SHARED

MNT_FORCE = 1
MNT_DETACH = 2

# prctl(2) options.
PR_SET_PDEATHSIG = 1
PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4
PR_SET_KEEPCAPS = 8
PR_SET_NAME = 15
PR_CAPBSET_READ = 23
PR_CAPBSET_DROP = 24
PR_SET_SECUREBITS = 28
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
PR_GET_NO_NEW_PRIVS = 39
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_RAISE = 2
PR_CAP_AMBIENT_CLEAR_ALL = 4

CLOSE_RANGE_CLOEXEC = 1 << 2

KEYCTL_JOIN_SESSION_KEYRING = 1


def _check(ret, what=""):
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}" if what else os.strerror(err))
    return ret


def _b(s):
    if s is None:
        return None
    return s.encode() if isinstance(s, str) else s


def syscall(number, *args):
    """Raw syscall with integer or pointer arguments; raises OSError on -1."""
    return _check(_syscall(ctypes.c_long(number), *args), f"syscall {number}")


def mount(source, target, fstype, flags=0, data=None):
    ret = _libc.mount(_b(source), _b(target), _b(fstype), ctypes.c_ulong(flags), _b(data))
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {source} to {target}: {os.strerror(err)}")


def umount2(target, flags=0):
    if _libc.umount2(_b(target), flags) < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"umount {target}: {os.strerror(err)}")


def pivot_root(new_root, put_old):
    _check(_syscall(SYS_pivot_root, _b(new_root), _b(put_old)), "pivot_root")


def unshare(flags):
    _check(_libc.unshare(flags), "unshare")


def setns(fd, nstype=0):
    _check(_libc.setns(fd, nstype), "setns")


def setdomainname(name):
    data = _b(name)
    _check(_libc.setdomainname(data, len(data)), "setdomainname")


PROC_SUPER_MAGIC = 0x9FA0


def fs_type(fd):
    """The filesystem type (statfs's f_type, a *_MAGIC number) of the file open at fd."""
    buf = ctypes.create_string_buffer(120)   # struct statfs; f_type is its first field, a long
    _check(_libc.fstatfs(fd, buf), "fstatfs")
    return ctypes.c_long.from_buffer(buf).value


def is_procfs_root(fd):
    """fd is the root directory of a procfs mount (not a directory inside one, nor a look-alike)."""
    return fs_type(fd) == PROC_SUPER_MAGIC and os.fstat(fd).st_ino == 1


# openat2(2): open a path without crossing a mount or following a link (runtime/procfs.py).
RESOLVE_NO_XDEV = 0x01
RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_NO_SYMLINKS = 0x04


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


def openat2(dirfd, path, flags, resolve, mode=0):
    how = _OpenHow(flags=flags, mode=mode, resolve=resolve)
    return _check(_syscall(ctypes.c_long(SYS_openat2), dirfd, _b(path), ctypes.byref(how),
                           ctypes.c_size_t(ctypes.sizeof(how))), f"openat2 {path}")


# --- starting processes (runtime/process/spawn.py) ---
# syscall() through PyDLL: the GIL stays held across the call, as os.fork holds it across fork().
_syscall_holding_gil = ctypes.PyDLL(None, use_errno=True).syscall
_syscall_holding_gil.restype = ctypes.c_long


class _CloneArgs(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in (
        "flags", "pidfd", "child_tid", "parent_tid", "exit_signal", "stack", "stack_size", "tls",
        "set_tid", "set_tid_size", "cgroup")]


def clone3_fork(flags, cgroup_fd=None):
    """fork() through clone3(2): the child starts in new namespaces (flags) and, given a cgroup2
    directory fd, in that cgroup (CLONE_INTO_CGROUP: no attach later, so no RCU grace period).
    Returns 0 in the child and its pid in the parent; OSError if the kernel refuses, and then the
    caller forks as usual.

    Done as os.fork() does it: Python's before/after-fork steps around the call, the GIL held
    throughout (PyDLL). Only for a single-threaded caller: glibc's fork() also refreshes the
    thread id it caches, which a raw clone leaves at the parent's; nothing the child does (fork,
    execve, signals by pid) reads that cache."""
    args = _CloneArgs(flags=flags | (CLONE_INTO_CGROUP if cgroup_fd is not None else 0),
                      exit_signal=17,   # SIGCHLD, as fork()
                      cgroup=cgroup_fd if cgroup_fd is not None else 0)
    api = ctypes.pythonapi
    api.PyOS_BeforeFork()
    pid = _syscall_holding_gil(SYS_clone3, ctypes.byref(args), ctypes.c_size_t(ctypes.sizeof(args)))
    if pid == 0:
        api.PyOS_AfterFork_Child()
        return 0
    err = ctypes.get_errno()
    api.PyOS_AfterFork_Parent()
    if pid < 0:
        raise OSError(err, f"clone3: {os.strerror(err)}")
    return pid


def wipe_command_line_and_environ(title):
    """Overwrite this process's original argv and environment strings, which /proc/PID/cmdline
    and /proc/PID/environ show (the runtime's command line and its caller's environment, in a
    fork of it): the command line becomes title, the environment zeros. Python keeps its own
    copies (sys.argv, os.environ); libc's environ entries read as empty strings."""
    with open("/proc/self/stat", "rb") as f:
        fields = f.read().rpartition(b")")[2].split()
    # fields 48-51 of proc(5) (state, field 3, is fields[0]): arg_start, arg_end, env_start, env_end
    arg_start, arg_end, env_start, env_end = (int(v) for v in fields[45:49])
    size = arg_end - arg_start
    title = title[:max(size - 1, 0)] + b"\0"
    # The rest is filled, not zeroed: with a last byte that is not NUL the kernel reads the area
    # as a set title, up to its first NUL (setproctitle's rule), instead of as many empty args.
    ctypes.memset(arg_start, 0x20, size)
    ctypes.memmove(arg_start, title, min(len(title), size))
    ctypes.memset(env_start, 0, env_end - env_start)


def prctl(option, arg2=0, arg3=0, arg4=0, arg5=0):
    return _check(_libc.prctl(option, ctypes.c_ulong(arg2), ctypes.c_ulong(arg3),
                              ctypes.c_ulong(arg4), ctypes.c_ulong(arg5)), f"prctl {option}")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def capget(pid=0):
    """Return (effective, permitted, inheritable) as 64-bit masks."""
    hdr = _CapHeader(_LINUX_CAPABILITY_VERSION_3, pid)
    data = (_CapData * 2)()
    _check(_syscall(SYS_capget, ctypes.byref(hdr), data), "capget")
    return tuple(getattr(data[0], f) | (getattr(data[1], f) << 32)
                 for f in ("effective", "permitted", "inheritable"))


def capset(effective, permitted, inheritable):
    hdr = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    for i in (0, 1):
        shift = 32 * i
        data[i].effective = (effective >> shift) & 0xFFFFFFFF
        data[i].permitted = (permitted >> shift) & 0xFFFFFFFF
        data[i].inheritable = (inheritable >> shift) & 0xFFFFFFFF
    _check(_syscall(SYS_capset, ctypes.byref(hdr), data), "capset")


def close_range(first, last=0xFFFFFFFF, flags=0):
    _check(_syscall(SYS_close_range, ctypes.c_uint(first), ctypes.c_uint(last),
                    ctypes.c_uint(flags)), "close_range")


def personality(persona):
    ret = _libc.personality(ctypes.c_ulong(persona))
    return _check(ret, "personality")


def ioprio_set(which, who, ioprio):
    _check(_syscall(SYS_ioprio_set, which, who, ioprio), "ioprio_set")


def join_session_keyring(name=None):
    """keyctl(KEYCTL_JOIN_SESSION_KEYRING): a fresh session keyring for the container."""
    return _check(_syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, _b(name)), "keyctl")


def pidfd_open(pid, flags=0):
    return _check(_syscall(SYS_pidfd_open, pid, flags), "pidfd_open")


def pidfd_send_signal(pidfd, sig, flags=0):
    _check(_syscall(SYS_pidfd_send_signal, pidfd, sig, None, flags), "pidfd_send_signal")


AT_EMPTY_PATH = 0x1000
AT_RECURSIVE = 0x8000


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def mount_setattr(dirfd, path, flags, attr_set, attr_clr, propagation=0, userns_fd=0):
    attr = _MountAttr(attr_set, attr_clr, propagation, userns_fd)
    _check(_syscall(SYS_mount_setattr, dirfd, _b(path), ctypes.c_uint(flags), ctypes.byref(attr),
                    ctypes.c_size_t(ctypes.sizeof(attr))), "mount_setattr")


# --- process scheduling (runtime/process/sched.py) ---
SCHED_ATTR_SIZE_VER1 = 56


class _SchedAttr(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("sched_policy", ctypes.c_uint32),
                ("sched_flags", ctypes.c_uint64), ("sched_nice", ctypes.c_int32),
                ("sched_priority", ctypes.c_uint32), ("sched_runtime", ctypes.c_uint64),
                ("sched_deadline", ctypes.c_uint64), ("sched_period", ctypes.c_uint64),
                ("sched_util_min", ctypes.c_uint32), ("sched_util_max", ctypes.c_uint32)]


def sched_setattr(pid, policy, flags=0, nice=0, priority=0, runtime=0, deadline=0, period=0):
    """sched_setattr(2): the one call that sets every policy, SCHED_DEADLINE included."""
    attr = _SchedAttr(SCHED_ATTR_SIZE_VER1, policy, flags, nice, priority, runtime, deadline, period, 0, 0)
    _check(_syscall(SYS_sched_setattr, pid, ctypes.byref(attr), 0), "sched_setattr")


# bpf(2), for the cgroup v2 device filter (runtime/cgroups/devices.py builds the instructions).
BPF_PROG_LOAD = 5
BPF_PROG_ATTACH = 8
BPF_PROG_DETACH = 9
BPF_PROG_GET_FD_BY_ID = 13
BPF_PROG_QUERY = 16
BPF_PROG_TYPE_CGROUP_DEVICE = 15
BPF_CGROUP_DEVICE = 6
BPF_F_ALLOW_MULTI = 2
_BPF_ATTR_SIZE = 128  # larger than every field used here; the kernel wants the tail zeroed


def bpf(cmd, attr, size):
    """The raw bpf(2) call on a ctypes buffer; returns the result (an fd for loads)."""
    return _check(_syscall(SYS_bpf, cmd, ctypes.byref(attr), size), f"bpf cmd {cmd}")


def bpf_prog_load(prog_type, insns, license, expected_attach_type=0):
    """Load a program (insns: the raw bytes of struct bpf_insn[]); returns its fd.

    On a verifier rejection the OSError message carries the verifier's log."""
    import struct
    insn_buf = ctypes.create_string_buffer(bytes(insns), len(insns))
    lic = ctypes.create_string_buffer(_b(license))
    log = ctypes.create_string_buffer(65536)
    attr = ctypes.create_string_buffer(_BPF_ATTR_SIZE)
    # prog_type, insn_cnt, insns, license, log_level, log_size, log_buf, kern_version, prog_flags,
    # prog_name[16], prog_ifindex, expected_attach_type
    struct.pack_into("=IIQQIIQII16sII", attr, 0, prog_type, len(insns) // 8,
                     ctypes.addressof(insn_buf), ctypes.addressof(lic), 0, 0, 0, 0, 0,
                     b"", 0, expected_attach_type)
    ret = _syscall(SYS_bpf, BPF_PROG_LOAD, attr, _BPF_ATTR_SIZE)
    if ret >= 0:
        return ret
    err = ctypes.get_errno()
    # retry with the verifier log on, so the error says why
    struct.pack_into("=IIQ", attr, 24, 1, len(log), ctypes.addressof(log))
    ret = _syscall(SYS_bpf, BPF_PROG_LOAD, attr, _BPF_ATTR_SIZE)
    if ret >= 0:
        return ret
    err = ctypes.get_errno() or err
    text = log.value.decode(errors="replace").strip()
    raise OSError(err, f"bpf prog load: {os.strerror(err)}" + (f": {text}" if text else ""))


def bpf_prog_attach(target_fd, prog_fd, attach_type, flags=0):
    import struct
    attr = ctypes.create_string_buffer(_BPF_ATTR_SIZE)
    struct.pack_into("=IIII", attr, 0, target_fd, prog_fd, attach_type, flags)
    _check(_syscall(SYS_bpf, BPF_PROG_ATTACH, attr, _BPF_ATTR_SIZE), "bpf prog attach")


def bpf_prog_detach(target_fd, prog_fd, attach_type):
    import struct
    attr = ctypes.create_string_buffer(_BPF_ATTR_SIZE)
    struct.pack_into("=III", attr, 0, target_fd, prog_fd, attach_type)
    _check(_syscall(SYS_bpf, BPF_PROG_DETACH, attr, _BPF_ATTR_SIZE), "bpf prog detach")


def bpf_prog_query(target_fd, attach_type, max_progs=64):
    """Ids of the programs attached to target_fd (a cgroup directory fd) for attach_type."""
    import struct
    ids = (ctypes.c_uint32 * max_progs)()
    attr = ctypes.create_string_buffer(_BPF_ATTR_SIZE)
    # target_fd, attach_type, query_flags, attach_flags, prog_ids, prog_cnt
    struct.pack_into("=IIIIQI", attr, 0, target_fd, attach_type, 0, 0, ctypes.addressof(ids), max_progs)
    _check(_syscall(SYS_bpf, BPF_PROG_QUERY, attr, _BPF_ATTR_SIZE), "bpf prog query")
    count = struct.unpack_from("=I", attr, 24)[0]
    return list(ids[:count])


def bpf_prog_get_fd_by_id(prog_id):
    import struct
    attr = ctypes.create_string_buffer(_BPF_ATTR_SIZE)
    struct.pack_into("=I", attr, 0, prog_id)
    return _check(_syscall(SYS_bpf, BPF_PROG_GET_FD_BY_ID, attr, _BPF_ATTR_SIZE), "bpf prog get fd by id")


# --- seccomp (runtime/seccomp.py): load a BPF program libseccomp generated ---
SYS_seccomp = 317
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_FILTER_FLAG_TSYNC = 1 << 0
SECCOMP_FILTER_FLAG_LOG = 1 << 1
SECCOMP_FILTER_FLAG_SPEC_ALLOW = 1 << 2
SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3
SECCOMP_FILTER_FLAG_TSYNC_ESRCH = 1 << 4
SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = 1 << 5


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def seccomp_set_mode_filter(program, flags=0):
    """seccomp(SECCOMP_SET_MODE_FILTER): program is struct sock_filter[] as bytes (8 per entry).

    Returns the listener fd with SECCOMP_FILTER_FLAG_NEW_LISTENER, else 0; with TSYNC alone a
    positive return is the id of a thread that could not be synchronized.
    """
    buf = ctypes.create_string_buffer(bytes(program), len(program))
    prog = _SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p))
    return _check(_syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, ctypes.c_uint(flags),
                           ctypes.byref(prog)), "seccomp")


BPF_OBJ_GET_INFO_BY_FD = 15


def bpf_prog_tag(prog_fd):
    """The program's tag (the kernel's hash of its instructions) as hex, from BPF_OBJ_GET_INFO_BY_FD."""
    import struct
    info = ctypes.create_string_buffer(256)   # struct bpf_prog_info: type, id, tag[8], ...
    attr = ctypes.create_string_buffer(_BPF_ATTR_SIZE)
    struct.pack_into("=IIQ", attr, 0, prog_fd, len(info), ctypes.addressof(info))
    _check(_syscall(SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, attr, _BPF_ATTR_SIZE), "bpf obj get info")
    return info.raw[8:16].hex()


# --- detached mount trees (idmapped bind mounts, runtime/rootfs/mounts.py) ---
AT_FDCWD = -100
OPEN_TREE_CLONE = 1
OPEN_TREE_CLOEXEC = os.O_CLOEXEC
MOVE_MOUNT_F_EMPTY_PATH = 0x4
MOVE_MOUNT_T_EMPTY_PATH = 0x40
MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_IDMAP = 0x100000


def open_tree(dirfd, path, flags):
    """open_tree(2): with OPEN_TREE_CLONE a detached copy of the mount (tree) at path; returns its fd."""
    return _check(_syscall(SYS_open_tree, dirfd, _b(path), ctypes.c_uint(flags)), "open_tree")


def move_mount(from_dirfd, from_path, to_dirfd, to_path, flags):
    _check(_syscall(SYS_move_mount, from_dirfd, _b(from_path), to_dirfd, _b(to_path), ctypes.c_uint(flags)),
           "move_mount")
