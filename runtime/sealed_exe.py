"""The runtime's own executable, as a container can reach it (CVE-2019-5736).

Every process pyrun puts into a container (the init, the process of an `exec`) is a fork of the
runtime, so until its execve its /proc/self/exe is pyrun's executable: the host's Python
interpreter. An image whose program is `/proc/self/exe`, or a script whose `#!` line names it,
makes that execve hand the interpreter to the container as a process of its own; the container's
root can then open it through /proc and, once nothing runs it, write it, and the next `pyrun` on
the host runs what it wrote.

So pyrun runs from an executable on a read-only mount, which no capability a container can hold
makes writable again. setup.sh binds its copy of the interpreter (INSTALLED, immutable as well)
read-only over itself; the first create or exec after a reboot, which finds that bind gone, makes
it again and re-executes through it. For any other interpreter, or where no mount can be made,
the command re-executes from a memfd copy sealed against every change (runc 1.1's way): right
everywhere, at the price of a second interpreter start. The immutable flag alone is not enough:
a process holding CAP_LINUX_IMMUTABLE in the host's user namespace (an exec with --cap, a
privileged container sharing the pid namespace) clears it and writes the file.
"""

import os

from runtime.errors import WritableExecutable

INSTALLED = "/usr/local/lib/pyrun/bin/python3"   # setup.sh's copy, which the launcher runs on
FS_IOC_GETFLAGS = 0x80086601   # _IOR('f', 1, long)
FS_IMMUTABLE_FL = 0x10
MFD_EXEC = 0x10   # Linux 6.3+: executable even where vm.memfd_noexec makes memfds noexec by default
_REEXEC_MARK = "_PYRUN_SEALED_REEXEC"   # set across the one re-execution, holding our process name


def ensure():
    """Return when pyrun's executable is on a read-only mount or a sealed memfd; otherwise make it
    so and re-execute this very command (does not return). Call it before anything is made: the
    new process starts the command over, with the same pid, fds, cwd and environment."""
    again = os.environ.pop(_REEXEC_MARK, None)
    try:
        fd = os.open("/proc/self/exe", os.O_RDONLY | os.O_CLOEXEC)
    except OSError as err:
        raise WritableExecutable("/proc/self/exe", f"it cannot be opened to check: {err.strerror}") from None
    try:
        path = os.readlink("/proc/self/exe")
        if seal_of(fd) == "read-only":
            if again:
                _set_name(again)
            return
        if again:
            raise WritableExecutable(path, "re-executed, it is still neither on a read-only mount "
                                           "nor a sealed copy")
        name = _name()
        if path == INSTALLED and _bind_read_only(path):
            try:
                _reexec(path, name)
            except OSError:
                pass   # the sealed copy below, then
        _reexec_from_sealed_copy(fd, path, name)
    finally:
        os.close(fd)


def seal_of(fd):
    """How the file open at fd is kept from writes: "read-only" (a read-only mount, or a memfd
    sealed against every change), "immutable" (the inode flag only), or None."""
    if os.fstatvfs(fd).f_flag & os.ST_RDONLY:
        return "read-only"
    import fcntl   # built into the interpreter: no extension module to load
    try:
        all_seals = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
        if fcntl.fcntl(fd, fcntl.F_GET_SEALS) & all_seals == all_seals:
            return "read-only"
    except OSError:
        pass   # not a memfd
    flags = bytearray(8)
    try:
        fcntl.ioctl(fd, FS_IOC_GETFLAGS, flags)
    except OSError:
        return None   # a filesystem without inode flags (9p, ...)
    return "immutable" if int.from_bytes(flags[:4], "little") & FS_IMMUTABLE_FL else None


def _bind_read_only(path):
    """Bind path read-only over itself (setup.sh's seal, gone after a reboot); False if this
    process may not mount (rootless, a seccomp profile, no CAP_SYS_ADMIN). The bind is made
    read-only while still detached and then attached: never writable for a moment, and two
    commands doing this at once each attach a read-only layer of their own."""
    from runtime import linux
    try:
        tree = linux.open_tree(linux.AT_FDCWD, path, linux.OPEN_TREE_CLONE | linux.OPEN_TREE_CLOEXEC)
    except OSError:
        return False
    try:
        linux.mount_setattr(tree, "", linux.AT_EMPTY_PATH, linux.MOUNT_ATTR_RDONLY, 0)
        linux.move_mount(tree, "", linux.AT_FDCWD, path, linux.MOVE_MOUNT_F_EMPTY_PATH)
    except OSError:
        return False
    finally:
        os.close(tree)
    return True


def _reexec_from_sealed_copy(exe_fd, path, name):
    """Copy the executable into a memfd sealed against every change and re-execute from it."""
    import fcntl
    step = "memfd_create"
    try:
        try:
            copy = os.memfd_create("pyrun", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING | MFD_EXEC)
        except OSError as err:
            if err.errno != 22:   # EINVAL: a kernel before 6.3, where every memfd is executable
                raise
            copy = os.memfd_create("pyrun", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        step = "copy into the memfd"
        size, offset = os.fstat(exe_fd).st_size, 0
        while offset < size:
            sent = os.sendfile(copy, exe_fd, offset, size - offset)
            if not sent:
                raise OSError(5, "the file shrank under us")   # EIO
            offset += sent
        step = "seal the memfd"
        fcntl.fcntl(copy, fcntl.F_ADD_SEALS,
                    fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE)
        step = "execute the memfd"
        _reexec(f"/proc/self/fd/{copy}", name)   # a CLOEXEC fd still works as the path
    except OSError as err:
        hint = " (vm.memfd_noexec=2 forbids executing memfds)" if step == "execute the memfd" else ""
        raise WritableExecutable(path, f"running from a sealed copy failed: {step}: {err.strerror}{hint}; "
                                       f"make it read-only instead (setup.sh binds {INSTALLED} "
                                       "read-only over itself)") from None


def _reexec(executable, name):
    import sys
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:   # None when the fd was closed
            stream.flush()
    os.environ[_REEXEC_MARK] = name
    try:
        os.execv(executable, sys.orig_argv)
    finally:
        os.environ.pop(_REEXEC_MARK, None)


def _name():
    try:
        with open("/proc/self/comm") as f:
            return f.read().strip() or "pyrun"
    except OSError:
        return "pyrun"


def _set_name(name):
    """The re-executed process is named after the file it was run from ("3" for a memfd): give it
    back the name it had, which ps and pgrep show."""
    try:
        with open("/proc/self/comm", "w") as f:
            f.write(name[:15])
    except OSError:
        pass
