"""Operations on an existing container, shared by the commands: start, signal,
waiting for its init to go, and destroy (cgroup, poststop hooks, state directory).
"""

import os

from runtime import state
from runtime.errors import HookError, InvalidState, NotRunning, PyrunError, strerror_text

# Linux signal numbers (x86_64 and the other common ABIs). A table, not the signal module:
# that wraps every constant in an enum, and importing enum costs the small commands ~4 ms.
SIGNALS = {"HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6, "BUS": 7,
           "FPE": 8, "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14,
           "TERM": 15, "STKFLT": 16, "CHLD": 17, "CLD": 17, "CONT": 18, "STOP": 19, "TSTP": 20,
           "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27,
           "WINCH": 28, "IO": 29, "POLL": 29, "PWR": 30, "SYS": 31}
SIGRTMIN, SIGRTMAX, NSIG = 34, 64, 65
SIGKILL = 9


def manager_of(record):
    """The cgroup manager saved with the container, or None."""
    if not record.cgroup:
        return None
    from runtime import cgroups
    return cgroups.load(record.cgroup)


def hook_state(record, status_):
    """What a hook reads on stdin (the spec's State)."""
    from spec.state import hook_state as doc
    return doc(record.id, status_, record.pid, record.bundle, record.annotations or {})


def start(record, g):
    """Release the init blocked on the exec fifo; poststart hooks run after."""
    st = state.status(record)
    if st == "stopped":
        raise InvalidState("cannot start a container that has stopped")
    if st == "paused":
        raise InvalidState("cannot start a container in the paused state")
    if st != "created":
        raise InvalidState("cannot start an already running container")
    import select
    fd = os.open(record.fifo_path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while True:
            if poller.poll(100):
                data = os.read(fd, 4096)
                if data:
                    break
            if not state.init_alive(record):
                raise InvalidState("cannot start a container that has stopped")
    finally:
        os.close(fd)
    os.unlink(record.fifo_path)
    if data[:1] != b"0":
        # A startContainer hook failed: the init reported it and exits; the container is stopped.
        raise HookError(data[1:].decode(errors="replace") or "container init failed to start")
    poststart = ((record.config or {}).get("hooks") or {}).get("poststart")
    if poststart:
        from runtime import hooks, log
        hooks.run_all_warn("poststart", poststart, hook_state(record, "running"),
                           lambda msg: log.warning(g, msg))


def parse_signal(text):
    """A signal as runc's kill reads it: a number as it is (the kernel judges it: 0 probes, 99 is
    EINVAL), else a name with or without SIG, in any case (TERM, SIGTERM, term, RTMIN+1)."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if digits.isdigit() and digits.isascii():
        return int(text)
    name = text.upper()
    if name.startswith("SIG"):
        name = name[3:]
    if name in ("RTMIN", "RTMAX"):
        return SIGRTMIN if name == "RTMIN" else SIGRTMAX
    if name.startswith("RTMIN+") or name.startswith("RTMAX-"):
        off = name[6:]
        if off.isdigit():
            num = SIGRTMIN + int(off) if name.startswith("RTMIN") else SIGRTMAX - int(off)
            if SIGRTMIN <= num <= SIGRTMAX:
                return num
    if name in SIGNALS:
        return SIGNALS[name]
    raise PyrunError(f'unknown signal "{text}"')


def signal_init(record, sig):
    """Signal the init through a pidfd, after checking it is still the same process: the pidfd
    pins that process, so a pid reused after the check cannot receive the signal."""
    import _signal   # the C module: pidfd_send_signal without the enum-wrapping signal module
    try:
        pidfd = os.pidfd_open(record.pid)
    except ProcessLookupError:
        raise NotRunning() from None
    try:
        if not state.init_alive(record):
            raise NotRunning()
        _signal.pidfd_send_signal(pidfd, sig)
    except ProcessLookupError:
        raise NotRunning() from None
    except OSError as err:   # EINVAL for a number that is no signal, as runc's kill(2) gets it
        raise PyrunError(f"unable to signal init: {strerror_text(err)}") from None
    except OverflowError:
        raise PyrunError("unable to signal init: invalid argument") from None
    finally:
        os.close(pidfd)


def wait_gone(pid, start_time, timeout):
    """Wait until the process has exited (a zombie counts as gone); True if it did in time."""
    import select
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        if state.process_start_time(pid) != start_time:
            return True
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        return bool(poller.poll(int(timeout * 1000)))
    finally:
        os.close(pidfd)


def kill_and_wait(record, manager):
    """SIGKILL everything in the container and wait for the init to go."""
    if manager is not None:
        try:
            manager.signal_all(SIGKILL)
        except PyrunError:
            pass
    try:
        signal_init(record, SIGKILL)
    except NotRunning:
        pass
    if not wait_gone(record.pid, record.start_time, 10):
        raise PyrunError(f"container {record.id}: init {record.pid} did not exit after SIGKILL")


def destroy(record, g, manager=None):
    """Remove what the container owned: processes left in its cgroup, the cgroup, the state
    directory; then the poststop hooks run (their failure is a warning)."""
    from runtime import cgroups
    if record.cgroup and not cgroups.remove_if_empty(record.cgroup):
        (manager or manager_of(record)).destroy()
    state.remove_dir(record)
    poststop = ((record.config or {}).get("hooks") or {}).get("poststop")
    if poststop:
        from runtime import hooks, log
        hooks.run_all_warn("poststop", poststop, hook_state(record, "stopped"),
                           lambda msg: log.warning(g, msg, stderr_is_ours=True))


def forward_signals(pid):
    """Foreground run/exec: every signal we can catch goes on to the container's process."""
    import _signal   # the C module, without the enum wrappers of the signal module

    def forward(sig, _frame):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass

    for sig in range(1, NSIG):
        if sig in (SIGKILL, SIGNALS["STOP"], SIGNALS["CHLD"], SIGNALS["WINCH"]):
            continue
        try:
            _signal.signal(sig, forward)
        except (OSError, ValueError, RuntimeError):
            pass


def wait_for_exit_status(pid):
    """For the foreground run: reap our child init and turn its status into an exit code."""
    while True:
        try:
            _, status_ = os.waitpid(pid, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            return 0
        if os.WIFEXITED(status_):
            return os.WEXITSTATUS(status_)
        if os.WIFSIGNALED(status_):
            return 128 + os.WTERMSIG(status_)
