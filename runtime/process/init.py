"""The container's init: the process that becomes the container's pid 1. Inside its new
namespaces it builds the rootfs, applies the process attributes, reports "ready" to the
runtime, then blocks opening the exec fifo until `pyrun start` and finally execs the user's
process.

After pivot_root the host's files are gone: every module used after it is imported up front
(prepare steps run before the pivot), and nothing here imports lazily past that point.
"""

import _socket
import os
import stat

from runtime import linux, network, rootfs, state
from runtime.cgroups.common import own_cgroups
from runtime.errors import PyrunError, SetupError, strerror_text
from runtime.process import setup, spawn, sync
from runtime.rootfs import cgroupfs


def drop_other_fds(plan, chan):
    """Close every fd the init does not start with: stdio, --preserve-fds (and LISTEN_FDS), the
    sync channel, the exec fifo, the console socket (see runtime/process/spawn.close_fds_except)."""
    spawn.close_fds_except(plan.preserve_fds, chan.fileno(), plan.exec_fifo_fd,
                           plan.console_sock.fileno() if plan.console_sock is not None else None)


def run(plan, chan):
    """Entry point in the forked init; never returns."""
    try:
        _init(plan, chan)
    except BaseException as err:  # report anything, then die: the runtime cleans up
        if not chan.send_error(err):
            # After "ready" nobody listens (execve failed at start): say it on the container's
            # stderr, as runc's init does.
            try:
                os.write(2, f"{sync.error_text(err)}\n".encode(errors="replace"))
            except OSError:
                pass
    os._exit(1)


def _init(plan, chan):
    config = plan.config
    process = config["process"]
    # Until execve this process runs the host's interpreter: keep its /proc entries from the
    # container's processes (CVE-2019-5736 family), and start from default signal handling.
    linux.prctl(linux.PR_SET_DUMPABLE, 0)
    # /proc/1/cmdline and environ would show the runtime's command line and its caller's
    # environment (secrets, host paths) to the container until execve: runc's init has "runc init"
    linux.wipe_command_line_and_environ(b"pyrun init")
    setup.reset_signals()
    # /proc is still the host's here: its "self" is our pid as the host (and hooks) know it.
    host_pid = int(os.readlink("/proc/self"))
    own = own_cgroups()   # before the cgroup namespace: inside it every path reads "/"
    if "cgroup" in plan.ns.new:
        linux.unshare(linux.CLONE_NEWCGROUP)
    os.setsid()
    if "network" in plan.ns.new:
        network.loopback_up()
    lin = config.get("linux") or {}
    prepared = setup.prepare(process, lin.get("seccomp"),
                             seccomp_cache=state.seccomp_cache_dir(os.path.dirname(plan.state_dir)))
    # Imported now: after pivot_root the host's modules are out of reach.
    from runtime import capabilities, lsm  # noqa: F401  (used after pivot_root)
    if lin.get("sysctl"):
        from runtime import procfs  # noqa: F401  (the sysctls are written after pivot_root)
    from runtime.process import sched  # noqa: F401
    null_stdio = [fd for fd in (0, 1, 2) if _is_dev_null(fd)]

    in_user_ns = "user" in plan.ns.new or plan.ns.has("user")
    rootfs.prepare(plan.rootfs, plan.bundle, config, in_user_ns,
                   lambda spec, root: cgroupfs.mount(spec, root, own, "cgroup" in plan.ns.joined),
                   (lambda i: _idmapped_tree(chan, i, host_pid)) if in_user_ns else None)
    # A missing cwd is made inside the rootfs, as runc does (engines rely on it for an image's WorkingDir).
    rootfs.make_dir(plan.rootfs, process.get("cwd") or "/")
    if plan.runtime_hooks:
        chan.send("hooks", pid=host_pid)
        chan.expect("continue")
    hook_cfg = config.get("hooks") or {}
    if hook_cfg:
        from runtime import hooks   # before pivot_root: startContainer hooks run after it
    if hook_cfg.get("createContainer"):
        hooks.run("createContainer", hook_cfg["createContainer"], plan.hook_state("creating", host_pid))
    console = None
    if process.get("terminal"):
        from runtime import terminal
        console = terminal.setup_console(plan.rootfs, plan.console_sock, process.get("consoleSize"),
                                         (process.get("user") or {}).get("uid", 0))
        plan.console_sock.close()

    rootfs.pivot(plan.rootfs, plan.no_pivot)
    # sysctls before finish(): readonlyPaths usually makes /proc/sys read-only (runc's order too).
    _sysctl(lin.get("sysctl") or {})
    rootfs.finish(config)
    if config.get("hostname") and plan.ns.has("uts"):      # "" leaves the inherited one, as runc
        _socket.sethostname(config["hostname"])
    if config.get("domainname") and plan.ns.has("uts"):
        linux.setdomainname(config["domainname"])
    if console is not None:
        terminal.become_stdio(console)
    elif null_stdio:
        _reopen_dev_null(null_stdio)

    # The runtime sets our rlimits and OOM score from outside (runtime/process/limits.py), while
    # we are still root: in a user namespace we could not raise the one nor lower the other.
    chan.send("limits", pid=host_pid)
    chan.expect("continue")
    fifo_path = _exec_fifo_path(plan.exec_fifo_fd)   # while still root, before seccomp
    setup.exit_on_fatal_signals()   # before seccomp, which may not allow rt_sigaction
    path = setup.lock_down(prepared, lin, lambda fd: _send_notify_fd(chan, fd, host_pid))

    chan.send("ready", pid=host_pid)
    chan.close()
    # Blocks until `pyrun start` opens the fifo for reading. The byte written tells start how it
    # went: "0" once the startContainer hooks passed, "1" and the error if one failed (start
    # then fails and the container stops, as the runtime-spec requires).
    fifo = os.open(fifo_path, os.O_WRONLY | os.O_CLOEXEC)
    if not _same_file(os.fstat(fifo), os.fstat(plan.exec_fifo_fd)):
        os._exit(1)   # cannot happen while /proc is the procfs checked above; never write elsewhere
    os.close(plan.exec_fifo_fd)
    if hook_cfg.get("startContainer"):
        try:
            hooks.run("startContainer", hook_cfg["startContainer"], plan.hook_state("created", host_pid))
        except PyrunError as err:
            os.write(fifo, b"1" + err.message.encode()[:3000])
            os._exit(1)
    os.write(fifo, b"0")
    os.close(fifo)
    setup.exec_final(prepared, path, plan.preserve_fds)


def _exec_fifo_path(path_fd):
    """Where the exec fifo is reopened for writing from its O_PATH fd: through the container's
    /proc, as runc's init does (the host's state directory is out of reach after pivot_root).
    Checked before "ready", so that a container without a procfs at /proc fails create, and an
    image's own /proc/self/fd/N files (no procfs mounted there) are never taken for the fifo."""
    path = f"/proc/self/fd/{path_fd}"
    try:
        proc = os.open("/proc", os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            on_procfs = linux.is_procfs_root(proc)
        finally:
            os.close(proc)
        found = os.stat(path)
    except OSError as err:
        raise SetupError(f"reach the exec fifo through {path} (the container needs a procfs at /proc, "
                         f"as with runc): {strerror_text(err)}") from None
    if not on_procfs or not _same_file(found, os.fstat(path_fd)):
        raise SetupError(f"reach the exec fifo through {path}: /proc is not a procfs root (the container "
                         f"needs one at /proc, as with runc)")
    return path


def _same_file(a, b):
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino) and stat.S_ISFIFO(a.st_mode)


def _idmapped_tree(chan, index, host_pid):
    """mounts[index] is idmapped and we are in the container's user namespace: the runtime
    makes the detached tree outside and passes its fd (an error there ends the create)."""
    chan.send("idmap", index=index, pid=host_pid)
    msg = chan.expect("mountfd")
    if "fd" not in msg:
        raise SetupError(f"config.json: mounts[{index}]: the runtime sent no idmapped mount")
    return msg["fd"]


def _send_notify_fd(chan, notify_fd, host_pid):
    """SCMP_ACT_NOTIFY: the runtime sends the listener fd on to listenerPath (a host path)."""
    chan.send("seccomp", fd=notify_fd, pid=host_pid)
    chan.expect("continue")


def _is_dev_null(fd):
    try:
        st = os.fstat(fd)
    except OSError:
        return False
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)


def _reopen_dev_null(fds):
    """stdio that was the host's /dev/null becomes the container's /dev/null."""
    try:
        null = os.open("/dev/null", os.O_RDWR)
    except OSError:
        return
    for fd in fds:
        os.dup2(null, fd)
    if null not in fds:
        os.close(null)


def _sysctl(values):
    if not values:
        return
    from runtime import procfs   # imported before pivot_root (see _init)
    for key, value in values.items():
        if ".." in key.split("."):
            raise SetupError(f"sysctl {key}: invalid name")
        try:
            # not through a mount over /proc/sys (a shared volume's): see runtime/procfs.py
            fd = procfs.open_for_write("sys/" + key.replace(".", "/"))
            try:
                os.write(fd, str(value).encode())
            finally:
                os.close(fd)
        except SetupError as err:
            raise SetupError(f"sysctl {key}={value}: {err.message}") from None
        except OSError as err:
            raise SetupError(f"sysctl {key}={value}: {err.strerror}") from None
