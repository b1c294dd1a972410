"""A process that `exec` adds to a running container (youki calls it a tenant).

The runtime starts a child that joins the container's cgroup (born in the cgroup2 one through
clone3; see runtime/process/spawn.py) and every namespace of the container's init (the user
namespace first, the mount namespace last, which also makes the container's root our root and
resets our cwd into it), and forks the tenant there, so it is inside the container's pid
namespace too. (With an initial CPU affinity, or in a paused container, the runtime puts the
tenant into the cgroup instead.) Then the tenant applies its process attributes and execs. The
sync channel is close-on-exec: end of file means execve succeeded; an error message means it did
not.
"""

import os

from runtime import linux, namespaces
from runtime.process import setup, spawn


def container_namespaces(pid):
    """[(type, fd)] of the init's namespaces that differ from ours, in join order."""
    joined = []
    for type_ in namespaces.JOIN_ORDER:
        name = namespaces.TYPES[type_][1]
        theirs = f"/proc/{pid}/ns/{name}"
        try:
            if os.stat(theirs).st_ino == os.stat(f"/proc/self/ns/{name}").st_ino:
                continue
            joined.append((type_, os.open(theirs, os.O_RDONLY | os.O_CLOEXEC)))
        except FileNotFoundError:
            continue  # a kernel without this namespace type
    return joined


class Plan:
    """What the tenant needs, fixed before the fork."""

    def __init__(self, process, container_config, ns_fds, console_sock, preserve_fds, seccomp_cache):
        self.process = process
        self.config = container_config
        self.ns_fds = ns_fds
        self.console_sock = console_sock
        self.preserve_fds = preserve_fds
        self.seccomp_cache = seccomp_cache


def run_child(plan, chan, cgroup=None):
    """In the forked child: join the cgroup (when given: the runtime does not), the namespaces,
    fork the tenant, report its pid, exit."""
    try:
        if cgroup is not None:
            cgroup.join_self()
        prepared = _prepare(plan)
        # Before joining: the tenant forked below is in the container's pid namespace from its
        # first instruction, and inherits this (runc's children are non-dumpable from birth)
        linux.prctl(linux.PR_SET_DUMPABLE, 0)
        # The tenant's /proc/PID/cmdline and environ in the container: not the caller's (see init)
        linux.wipe_command_line_and_environ(b"pyrun init")
        namespaces.join(namespaces.Plan(set(), plan.ns_fds))
        # Still outside the container's pid namespace: the tenant forked below holds nothing of
        # the runtime's or its caller's beyond stdio, --preserve-fds, the channel and the console.
        spawn.close_fds_except(plan.preserve_fds, chan.fileno(),
                               plan.console_sock.fileno() if plan.console_sock is not None else None)
        pid = os.fork()
        if pid == 0:
            _tenant(plan, prepared, chan)
        chan.send("pid", pid=pid)
    except BaseException as err:
        chan.send_error(err)
        os._exit(1)
    os._exit(0)


def _prepare(plan):
    """Everything that reads host files, done before setns into the mount namespace."""
    prepared = setup.prepare(plan.process, (plan.config.get("linux") or {}).get("seccomp"),
                             seccomp_cache=plan.seccomp_cache)
    from runtime import capabilities, lsm, terminal  # noqa: F401  (used after setns)
    from runtime.process import sched  # noqa: F401
    return prepared


def _tenant(plan, prepared, chan):
    try:
        linux.prctl(linux.PR_SET_DUMPABLE, 0)   # never let the container reach us through /proc
        setup.reset_signals()
        chan.expect("continue")                 # we are in the container's cgroup
        process = plan.process
        os.setsid()
        if process.get("terminal"):
            from runtime import terminal
            console = terminal.open_pty("/", process.get("consoleSize"), (process.get("user") or {}).get("uid", 0))
            terminal.send_fd(plan.console_sock, console.master, b"/dev/ptmx")
            os.close(console.master)
            plan.console_sock.close()
            terminal.become_stdio(console)
        if process.get("execCPUAffinity", {}).get("final"):
            from runtime.process import sched
            sched.apply_final_affinity(process["execCPUAffinity"])

        def send_notify_fd(fd):
            chan.send("seccomp", fd=fd)
            chan.expect("continue")

        path = setup.lock_down(prepared, plan.config.get("linux") or {}, send_notify_fd)
        setup.exec_final(prepared, path, plan.preserve_fds)
    except BaseException as err:
        chan.send_error(err)
    os._exit(255)
