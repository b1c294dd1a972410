"""The container process's own attributes, applied in the process just before execve: user and
groups, umask, capabilities, no_new_privs, seccomp, cwd, a clean signal state and fd table, and the
executable lookup. Used by the container's init and by exec.

prepare() runs while the host's files are still visible (it loads libseccomp and every module
the later steps need); apply() and execute() run inside the container, after pivot_root.
rlimits and the OOM score are not among them: the runtime sets those from outside
(runtime/process/limits.py).
"""

import _signal   # the C module: the signal module would wrap every constant in an enum
import os
import stat

from runtime import linux
from runtime.errors import ExecutableNotFound, SetupError, strerror_text


class Prepared:
    """What prepare() resolved from a process config, ready to apply inside the container."""

    __slots__ = ("process", "caps", "seccomp", "no_new_privs", "env")

    def __init__(self, process, caps, seccomp, no_new_privs, env):
        self.process = process
        self.caps = caps
        self.seccomp = seccomp
        self.no_new_privs = no_new_privs
        self.env = env


def prepare(process, seccomp_config, seccomp_cache=None, warn=None):
    """Resolve what the later steps apply. A process without "capabilities" gets none (runc)."""
    from runtime import capabilities
    caps = capabilities.parse(process.get("capabilities"), warn=warn)
    seccomp = None
    if seccomp_config:
        from runtime import seccomp as seccomp_mod
        seccomp = seccomp_mod.prepare(seccomp_config, cache_dir=seccomp_cache)
    if process.get("apparmorProfile") or process.get("selinuxLabel"):
        # runtime.lsm writes the labels through it once the container's /proc is all there is
        from runtime import procfs  # noqa: F401
    env = {}
    for item in process.get("env") or []:
        key, _, value = item.partition("=")
        env[key] = value
    return Prepared(process, caps, seccomp, bool(process.get("noNewPrivileges")), env)


def apply_scheduling(process, linux_config, warn=None):
    """personality, ioPriority, scheduler and the LSM labels, while still privileged."""
    from runtime import lsm
    from runtime.process import sched
    if linux_config.get("personality"):
        sched.apply_personality(linux_config["personality"], warn=warn)
    if process.get("ioPriority"):
        sched.apply_io_priority(process["ioPriority"])
    if process.get("scheduler"):
        sched.apply_scheduler(process["scheduler"])
    if process.get("apparmorProfile"):
        lsm.apply_apparmor(process["apparmorProfile"])
    if process.get("selinuxLabel"):
        lsm.apply_selinux_label(process["selinuxLabel"])


def set_user(process):
    """Switch to the configured uid/gid/groups, keeping capabilities across the switch."""
    user = process.get("user") or {}
    uid, gid = user.get("uid", 0), user.get("gid", 0)
    groups = user.get("additionalGids") or []
    try:
        # setgroups may be denied in a user namespace (setgroups "deny"); then only a set
        # of additional groups was asked for is an error.
        os.setgroups(groups)
    except PermissionError:
        if groups:
            raise SetupError("cannot set additional groups: setgroups is denied in this user namespace") from None
    linux.prctl(linux.PR_SET_KEEPCAPS, 1)
    try:
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    except OSError as err:
        raise SetupError(f"cannot set uid {uid} gid {gid}: {err.strerror}") from None
    if "umask" in user:
        os.umask(user["umask"])


def home_of(uid):
    """uid's home in the container's /etc/passwd, "/" when it has none (runc's default user)."""
    try:
        # O_NONBLOCK and a regular-file check: the container's /etc/passwd could be a fifo
        fd = os.open("/etc/passwd", os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError:
        return "/"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return "/"
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(4 << 20)
    finally:
        os.close(fd)
    for line in data.splitlines():
        fields = line.strip().split(b":")
        if len(fields) >= 6 and fields[2].strip() == str(uid).encode():
            return fields[5].decode("utf-8", "surrogateescape")
    return "/"


def find_executable(name, env_path, cwd):
    """The file execve should run: name as a path, or looked up in the container's PATH."""
    if "/" in name:
        path = name if name.startswith("/") else os.path.join(cwd, name)
        _check_executable(path, name)
        return path
    for directory in (env_path or "").split(":"):
        candidate = os.path.join(directory or ".", name)
        try:
            st = os.stat(candidate)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and st.st_mode & 0o111:
            return candidate
    raise ExecutableNotFound(name)


def _check_executable(path, name):
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise SetupError(f'exec: "{name}": stat {path}: no such file or directory') from None
    except OSError as err:
        raise SetupError(f'exec: "{name}": stat {path}: {err.strerror}') from None
    if stat.S_ISDIR(st.st_mode) or not st.st_mode & 0o111:
        raise SetupError(f'exec: "{name}": permission denied')   # a directory too: Go's exec.LookPath


def reset_signals():
    """The container starts with default dispositions and an empty mask, whatever the engine gave us."""
    for sig in range(1, _signal.NSIG):
        if sig in (_signal.SIGKILL, _signal.SIGSTOP):
            continue
        try:
            _signal.signal(sig, _signal.SIG_DFL)
        except (OSError, ValueError, RuntimeError):
            pass
    _signal.pthread_sigmask(_signal.SIG_SETMASK, [])


# The signals runc's init dies of while it waits for start. Go's runtime catches every signal,
# so its pid 1 gets them although the kernel drops a signal that pid 1 of a namespace has no
# handler for: an engine stops a created, never started container with TERM, as it would a
# running one. (Measured against runc 1.1.5: USR1, USR2, PIPE, ALRM and the rest leave it be.)
_FATAL_BEFORE_START = (_signal.SIGHUP, _signal.SIGINT, _signal.SIGQUIT, _signal.SIGILL, _signal.SIGTRAP,
                       _signal.SIGABRT, _signal.SIGBUS, _signal.SIGFPE, _signal.SIGSEGV, _signal.SIGTERM,
                       _signal.SIGSTKFLT, _signal.SIGSYS)


def exit_on_fatal_signals():
    """Until exec_final resets them: end on the signals that end runc's waiting init, with its
    status (Go exits 2 when the signal itself cannot kill the process)."""
    for sig in _FATAL_BEFORE_START:
        _signal.signal(sig, _exit_2)


def _exit_2(signum, frame):
    os._exit(2)


def close_fds_from(first):
    """Every fd >= first becomes close-on-exec: only 0-2 and the preserved ones reach the container."""
    try:
        linux.close_range(first, 0xFFFFFFFF, linux.CLOSE_RANGE_CLOEXEC)
    except OSError:
        for name in os.listdir("/proc/self/fd"):
            fd = int(name)
            if fd >= first:
                try:
                    os.set_inheritable(fd, False)
                except OSError:
                    pass


def apply_security(prepared, warn=None):
    """Capabilities and no_new_privs, after the user switch."""
    from runtime import capabilities
    capabilities.apply(prepared.caps, warn=warn)
    if prepared.no_new_privs:
        linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)


def load_seccomp(prepared):
    """Load the prepared filter; returns the notify fd when the filter has SCMP_ACT_NOTIFY rules."""
    from runtime import seccomp
    return seccomp.load(prepared.seccomp)


def lock_down(prepared, linux_config, notify_fd_to):
    """The container process's own attributes, in runc's order, up to just before execve.

    Returns the path to exec. notify_fd_to(fd) receives the seccomp listener fd, if the filter has
    SCMP_ACT_NOTIFY rules (the runtime sends it to linux.seccomp.listenerPath).
    """
    from runtime import capabilities
    process = prepared.process
    apply_scheduling(process, linux_config)
    if prepared.seccomp is not None and not prepared.no_new_privs:
        # Without no_new_privs loading a filter needs CAP_SYS_ADMIN: before the capabilities go.
        _notify(load_seccomp(prepared), notify_fd_to)
    cwd = process.get("cwd") or "/"
    # runc's order: the cwd first as root (a WORKDIR only root may enter still works for a
    # non-root user), again as the user only if root was refused (a volume only the user may enter).
    in_cwd = _chdir(cwd, retry_as_user=True)
    capabilities.drop_bounding(prepared.caps)
    if not prepared.env.get("HOME"):
        # runc's rule: the user's home from the container's /etc/passwd (read while still root)
        prepared.env["HOME"] = home_of((process.get("user") or {}).get("uid", 0))
    set_user(process)
    if not in_cwd:
        _chdir(cwd, retry_as_user=False)
    path = find_executable(process["args"][0], prepared.env.get("PATH"), cwd)
    apply_security(prepared)
    if prepared.seccomp is not None and prepared.no_new_privs and prepared.seccomp.notify:
        # Late, but while the sync channel can still carry the notify fd (runc's order).
        _notify(load_seccomp(prepared), notify_fd_to)
    return path


def _chdir(cwd, retry_as_user):
    """chdir to process.cwd; False when refused for permission and it is to be tried again."""
    try:
        os.chdir(cwd)
    except OSError as err:
        if retry_as_user and isinstance(err, PermissionError):
            return False
        raise SetupError(f'chdir to cwd ("{cwd}") set in config.json failed: {strerror_text(err)}') from None
    # A cwd like /proc/self/fd/N follows whatever fd the process holds, maybe a host directory
    # (CVE-2024-21626): outside the root, the kernel's getcwd says "(unreachable)" and libc ENOENT.
    try:
        reached = os.getcwd()
    except FileNotFoundError:
        reached = ""
    except OSError as err:
        raise SetupError(f"failed to verify if current working directory is safe: {strerror_text(err)}") from None
    if not reached.startswith("/"):
        raise SetupError("current working directory is outside of container mount namespace root -- "
                         "possible container breakout detected")   # runc's words
    return True


def exec_final(prepared, path, preserve_fds):
    """The last steps before execve: default signal handling, only fds 0-2 (+ preserved) kept,
    and, with no_new_privs and no notify fd to hand over, the seccomp filter: loaded here, only
    execve runs under it in pyrun (a profile need not allow what Python does after it)."""
    reset_signals()
    close_fds_from(3 + preserve_fds)
    if prepared.seccomp is not None and prepared.no_new_privs and not prepared.seccomp.notify:
        load_seccomp(prepared)
    execute(path, prepared.process["args"], prepared.env)


def _notify(fd, notify_fd_to):
    if fd is not None:
        notify_fd_to(fd)
        os.close(fd)


def execute(path, args, env):
    try:
        os.execve(path, args, env)
    except OSError as err:
        raise SetupError(f'exec: "{args[0]}": {err.strerror.lower()}') from None
