"""Starting a child of the runtime (through clone3 where that helps, else os.fork) and reaping it.

clone3 can start the child in new namespaces and, on a cgroup2 hierarchy, in its cgroup
(CLONE_INTO_CGROUP): a process moved into a cgroup afterwards, through cgroup.procs, waits one RCU
grace period (~10 ms here, the largest single cost of a create or an exec; docs/cgroups.md).
Used by create (runtime/process/parent.py) and exec (runtime/process/exec_parent.py).
"""

import os

from runtime import linux


def close_fds_except(preserve_fds, *keep):
    """Close every fd but stdio, the preserve_fds after it (--preserve-fds, LISTEN_FDS) and those
    in keep (None ones skipped): called by a fork of the runtime before it is in the
    container's pid namespace (or is alone there), so that it never holds what the runtime's
    caller left open, nor the runtime's own files.

    Those would be the container's until execve: a host directory among them is a way out, as
    process.cwd /proc/self/fd/N or, for a process given CAP_SYS_PTRACE, through /proc/PID/fd
    (CVE-2024-21626). runc's children never get them (Go passes a child only the fds it names).
    The runtime itself keeps its own, as runc does (`--process /dev/fd/3`, `--log /dev/fd/4`)."""
    kept = {*range(3 + preserve_fds), *(fd for fd in keep if fd is not None)}
    first = 0
    for fd in sorted(kept) + [0x7FFFFFFF]:
        if fd > first:
            try:
                linux.close_range(first, fd - 1)
            except OSError:   # before Linux 5.9
                os.closerange(first, min(fd, os.sysconf("SC_OPEN_MAX")))
        first = fd + 1


def start_child(manager, flags=0):
    """Fork, through clone3 where that helps: with namespace flags the child starts in new
    namespaces, and on cgroup2 in manager's cgroup (CLONE_INTO_CGROUP: joining it later costs an
    RCU grace period). (pid, True) when clone3 made the child, (pid,
    False) after a plain os.fork(): nothing for clone3 to do, or the kernel or a seccomp profile
    refused it. Returns 0 as pid in the child, as fork does."""
    cgroup_dir = manager.clone_into_path() if manager is not None else None
    if flags or cgroup_dir:
        cgroup_fd = None
        try:
            if cgroup_dir:
                cgroup_fd = os.open(cgroup_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            return linux.clone3_fork(flags, cgroup_fd), True
        except OSError:
            pass   # an older kernel, a cgroup that refuses the child, a seccomp filter: fork instead
        finally:
            if cgroup_fd is not None:
                os.close(cgroup_fd)
    return os.fork(), False


def reap(pid):
    """Wait for our child pid to end; one already reaped (or not ours) is fine."""
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def kill_and_reap(pid):
    """SIGKILL our child pid and wait for it (a failed create or exec undoing itself)."""
    try:
        os.kill(pid, 9)   # SIGKILL
    except ProcessLookupError:
        return
    reap(pid)
