"""The runtime's own executable, as a container can reach it (CVE-2019-5736).

Every process pyrun puts into a container (the init, the process of an `exec`) is a fork of the
runtime, so until its execve its /proc/self/exe is pyrun's executable: the host's Python
interpreter. An image whose program is `/proc/self/exe`, or a script whose `#!` line names it,
makes that execve hand the interpreter to the container as a process of its own; the container's
root can then open it through /proc and, once nothing runs it, write it, and the next `pyrun` on
the host runs what it wrote.

So pyrun must run from an executable the container cannot write:
- one on a read-only mount, or a write-sealed memfd: nothing in any container can write it;
- an immutable one (setup.sh installs such a copy, and the launcher runs on it): safe unless a
  process of the container may hold CAP_LINUX_IMMUTABLE in the host's user namespace, which
  clears the flag.
For anything else `ensure` re-executes the command from a sealed memfd copy of the interpreter,
as runc 1.1 does for itself: right everywhere, at the price of a second interpreter start.
"""

import os

from runtime.errors import WritableExecutable

FS_IOC_GETFLAGS = 0x80086601   # _IOR('f', 1, long)
FS_IMMUTABLE_FL = 0x10
IMMUTABLE_CAP = "CAP_LINUX_IMMUTABLE"
_CAP_SETS = ("bounding", "effective", "permitted", "inheritable", "ambient")
MFD_EXEC = 0x10   # Linux 6.3+: executable even where vm.memfd_noexec makes memfds noexec by default


def ensure(config, process=None):
    """Return when no process pyrun is about to start in this container (config's own, and
    process for an exec) can write pyrun's executable; otherwise re-execute this very command
    from a sealed copy of it (does not return). Call it before anything is made."""
    fd = os.open("/proc/self/exe", os.O_RDONLY | os.O_CLOEXEC)
    try:
        seal = seal_of(fd)
        if seal == "read-only" or (seal == "immutable" and not may_hold_immutable_cap(config, process)):
            return
        _reexec_from_sealed_copy(fd)
    finally:
        os.close(fd)


def seal_of(fd):
    """How the file open at fd is kept from writes: "read-only" (a read-only mount, or a memfd
    sealed against writes), "immutable" (the inode flag), or None."""
    if os.fstatvfs(fd).f_flag & os.ST_RDONLY:
        return "read-only"
    import fcntl   # built into the interpreter: no extension module to load
    flags = bytearray(8)
    try:
        fcntl.ioctl(fd, FS_IOC_GETFLAGS, flags)
        if int.from_bytes(flags[:4], "little") & FS_IMMUTABLE_FL:
            return "immutable"
    except OSError:
        pass   # a filesystem without inode flags (9p, tmpfs before 6.0, ...)
    try:
        if fcntl.fcntl(fd, fcntl.F_GET_SEALS) & fcntl.F_SEAL_WRITE:
            return "read-only"
    except OSError:
        pass   # not a memfd
    return None


def may_hold_immutable_cap(config, process=None):
    """Whether a process of this container may hold CAP_LINUX_IMMUTABLE in the host's user
    namespace: a capability set of the container's process (or of the exec's) names it, and the
    container makes no user namespace of its own (one joined by path may be the host's)."""
    namespaces = (config.get("linux") or {}).get("namespaces") or []
    if any(ns.get("type") == "user" and not ns.get("path") for ns in namespaces):
        return False
    for proc in (config.get("process") or {}, process or {}):
        caps = proc.get("capabilities") or {}
        if any(IMMUTABLE_CAP in (caps.get(kind) or ()) for kind in _CAP_SETS):
            return True
    return False


def _reexec_from_sealed_copy(exe_fd):
    """Copy the executable into a memfd, seal it against every change and execute this command's
    own command line again from it (runc 1.1's cloned binary). Nothing has been made yet: the
    new process starts the command over, with the same pid, fds and environment."""
    import fcntl
    import sys
    try:
        try:
            copy = os.memfd_create("pyrun", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING | MFD_EXEC)
        except OSError as err:
            if err.errno != 22:   # EINVAL: a kernel before 6.3, where every memfd is executable
                raise
            copy = os.memfd_create("pyrun", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        size, offset = os.fstat(exe_fd).st_size, 0
        while offset < size:
            sent = os.sendfile(copy, exe_fd, offset, size - offset)
            if not sent:
                raise OSError(5, "short copy")   # EIO: the file shrank under us
            offset += sent
        fcntl.fcntl(copy, fcntl.F_ADD_SEALS,
                    fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(f"/proc/self/fd/{copy}", sys.orig_argv)   # a CLOEXEC fd still works as the path
    except OSError as err:
        raise WritableExecutable(os.readlink("/proc/self/exe"), err.strerror) from None
