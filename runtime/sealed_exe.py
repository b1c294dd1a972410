"""The runtime's own executable, as a container can reach it (CVE-2019-5736).

Every process pyrun puts into a container (the init, the process of an `exec`) is a fork of the
runtime, so until its execve its /proc/self/exe is pyrun's executable: the host's Python
interpreter. An image whose program is `/proc/self/exe`, or a script whose `#!` line names it,
makes that execve hand the interpreter to the container as a process of its own; the container's
root can then open it through /proc and, once nothing runs it, write it, and the next `pyrun` on
the host runs what it wrote.

runc runs from a sealed memfd copy of itself (1.1) or through a read-only mount (1.2). pyrun cannot
re-execute itself for free (an interpreter start is most of a command's time), so the interpreter
its launcher names must already be one a container cannot write: immutable (setup.sh installs such
a copy) or on a read-only mount. `check` refuses to start container processes from any other.
"""

import os

from runtime.errors import WritableExecutable

FS_IOC_GETFLAGS = 0x80086601   # _IOR('f', 1, long)
FS_IMMUTABLE_FL = 0x10


def check():
    """Raise WritableExecutable unless this process's executable is immutable or on a read-only mount."""
    fd = os.open("/proc/self/exe", os.O_RDONLY | os.O_CLOEXEC)
    try:
        if is_sealed(fd):
            return
    finally:
        os.close(fd)
    raise WritableExecutable(os.readlink("/proc/self/exe"))


def is_sealed(fd):
    """True when the file open at fd cannot be opened for writing by anyone without
    CAP_LINUX_IMMUTABLE (an immutable file) or at all through this mount (a read-only one)."""
    if os.fstatvfs(fd).f_flag & os.ST_RDONLY:
        return True
    import fcntl   # built into the interpreter: no extension module to load
    flags = bytearray(8)
    try:
        fcntl.ioctl(fd, FS_IOC_GETFLAGS, flags)
    except OSError:
        return False   # a filesystem without inode flags (9p, ...) has no immutable files
    return bool(int.from_bytes(flags[:4], "little") & FS_IMMUTABLE_FL)
