"""Seccomp for the container process: linux.seccomp turned into a libseccomp filter (through the
pyseccomp ctypes binding to Debian's libseccomp2; no hand-written BPF), loaded just before
execve, and the SCMP_ACT_NOTIFY listener fd handed to the seccomp agent as runtime-spec 1.2 says.

prepare() loads libseccomp and builds the whole filter, so it must run while the host's
libraries are still visible (before pivot_root); load() then touches no file.
Semantics follow runc: a syscall name this libseccomp does not know is skipped, a rule whose
action equals the default action is dropped, conditions on the same argument become separate
rules, the no_new_privs attribute is left to the caller (process.noNewPrivileges), and when
`flags` is absent SECCOMP_FILTER_FLAG_SPEC_ALLOW is set where supported.

Without no_new_privs the kernel only accepts a filter from a process holding CAP_SYS_ADMIN:
then load() must run before the capabilities are reduced (runc does the same).
"""

import sys

from runtime.errors import ConfigError, SetupError, Unsupported

SPEC_VERSION = "1.2.0"

# libseccomp's action values (seccomp.h); ERRNO and TRACE carry a 16-bit data field.
ACT_KILL_THREAD = 0x00000000
ACT_KILL_PROCESS = 0x80000000
ACT_TRAP = 0x00030000
ACT_ERRNO = 0x00050000
ACT_NOTIFY = 0x7FC00000
ACT_TRACE = 0x7FF00000
ACT_LOG = 0x7FFC0000
ACT_ALLOW = 0x7FFF0000
ACTIONS = {
    "SCMP_ACT_KILL": ACT_KILL_THREAD,
    "SCMP_ACT_KILL_THREAD": ACT_KILL_THREAD,
    "SCMP_ACT_KILL_PROCESS": ACT_KILL_PROCESS,
    "SCMP_ACT_TRAP": ACT_TRAP,
    "SCMP_ACT_ERRNO": ACT_ERRNO,
    "SCMP_ACT_TRACE": ACT_TRACE,
    "SCMP_ACT_ALLOW": ACT_ALLOW,
    "SCMP_ACT_LOG": ACT_LOG,
    "SCMP_ACT_NOTIFY": ACT_NOTIFY,
}
_TAKES_ERRNO = ("SCMP_ACT_ERRNO", "SCMP_ACT_TRACE")
EPERM = 1

OPERATORS = {"SCMP_CMP_NE": 1, "SCMP_CMP_LT": 2, "SCMP_CMP_LE": 3, "SCMP_CMP_EQ": 4,
             "SCMP_CMP_GE": 5, "SCMP_CMP_GT": 6, "SCMP_CMP_MASKED_EQ": 7}

# runtime-spec architecture name -> attribute of pyseccomp.Arch
ARCHITECTURES = {
    "SCMP_ARCH_X86": "X86", "SCMP_ARCH_X86_64": "X86_64", "SCMP_ARCH_X32": "X32",
    "SCMP_ARCH_ARM": "ARM", "SCMP_ARCH_AARCH64": "AARCH64", "SCMP_ARCH_MIPS": "MIPS",
    "SCMP_ARCH_MIPS64": "MIPS64", "SCMP_ARCH_MIPS64N32": "MIPS64N32", "SCMP_ARCH_MIPSEL": "MIPSEL",
    "SCMP_ARCH_MIPSEL64": "MIPSEL64", "SCMP_ARCH_MIPSEL64N32": "MIPSEL64N32", "SCMP_ARCH_PPC": "PPC",
    "SCMP_ARCH_PPC64": "PPC64", "SCMP_ARCH_PPC64LE": "PPC64LE", "SCMP_ARCH_S390": "S390",
    "SCMP_ARCH_S390X": "S390X", "SCMP_ARCH_PARISC": "PARISC", "SCMP_ARCH_PARISC64": "PARISC64",
    "SCMP_ARCH_RISCV64": "RISCV64",
}

# libseccomp filter attributes (enum scmp_filter_attr) standing for seccomp(2) flags.
ATTR_CTL_NNP = 3
ATTR_API_SYSRAWRC = 9   # report the kernel's errno instead of ECANCELED
ATTR_CTL_OPTIMIZE = 8
FLAG_ATTRS = {
    "SECCOMP_FILTER_FLAG_TSYNC": 4,              # SCMP_FLTATR_CTL_TSYNC
    "SECCOMP_FILTER_FLAG_LOG": 6,                # SCMP_FLTATR_CTL_LOG
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW": 7,         # SCMP_FLTATR_CTL_SSB
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV": 10,  # SCMP_FLTATR_CTL_WAITKILL (libseccomp >= 2.6)
}

_NR_SCMP_ERROR = -1
_MAX_ARGS = 6


class PreparedFilter:
    """A libseccomp filter built from linux.seccomp, ready to load."""

    __slots__ = ("filter", "notify", "listener_path", "listener_metadata", "skipped", "rules")

    def __init__(self, filt, notify=False, listener_path="", listener_metadata=""):
        self.filter = filt                  # pyseccomp.SyscallFilter
        self.notify = notify                # a rule uses SCMP_ACT_NOTIFY: load() returns the fd
        self.listener_path = listener_path
        self.listener_metadata = listener_metadata
        self.skipped = []                   # syscall names this libseccomp does not know
        self.rules = 0                      # libseccomp rules added


def _pyseccomp():
    """Import pyseccomp without ctypes.util: its find_library() imports shutil, subprocess and re
    and runs ldconfig (~18 ms); Debian's sonames are known, so the first try skips all that."""
    mod = sys.modules.get("pyseccomp")
    if mod is not None:
        return mod
    import ctypes
    import types
    fast = None
    if "ctypes.util" not in sys.modules:
        fast = types.ModuleType("ctypes.util")
        fast.find_library = {"c": "libc.so.6", "seccomp": "libseccomp.so.2"}.get
        sys.modules["ctypes.util"] = fast
        ctypes.util = fast
    try:
        import pyseccomp
        return pyseccomp
    except (OSError, RuntimeError):
        if fast is None:
            raise Unsupported("seccomp is configured but libseccomp could not be loaded "
                              "(install libseccomp2)") from None
    finally:
        if fast is not None:
            del sys.modules["ctypes.util"]
            del ctypes.util
    # The soname guess failed: let pyseccomp search the usual way.
    sys.modules.pop("pyseccomp", None)
    try:
        import pyseccomp
    except (OSError, RuntimeError) as err:
        raise Unsupported(f"seccomp is configured but libseccomp could not be loaded: {err}") from None
    return pyseccomp


def _action(name, errno_ret, where):
    if not isinstance(name, str) or name not in ACTIONS:
        raise ConfigError(f'{where}: unknown action "{name}"')
    value = ACTIONS[name]
    if errno_ret is not None:
        if name not in _TAKES_ERRNO:
            raise ConfigError(f"{where}: {name} does not take an errno return code "
                              f"(only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)")
        if not isinstance(errno_ret, int) or isinstance(errno_ret, bool) or not 0 <= errno_ret <= 0xFFFF:
            raise ConfigError(f"{where}: errno return code must be an integer from 0 to 65535")
    if name in _TAKES_ERRNO:
        value |= EPERM if errno_ret is None else errno_ret
    return value


def _conditions(lib, args, where):
    conds = []
    if not isinstance(args, list):
        raise ConfigError(f"{where}.args: must be a list")
    for j, arg in enumerate(args):
        at = f"{where}.args[{j}]"
        if not isinstance(arg, dict):
            raise ConfigError(f"{at}: must be an object")
        index = arg.get("index")
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < _MAX_ARGS:
            raise ConfigError(f"{at}.index: must be an argument index from 0 to {_MAX_ARGS - 1}")
        op = arg.get("op")
        if op not in OPERATORS:
            raise ConfigError(f'{at}.op: unknown operator "{op}"')
        values = []
        for key in ("value", "valueTwo"):
            v = arg.get(key, 0)
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < 1 << 64:
                raise ConfigError(f"{at}.{key}: must be an unsigned 64-bit integer")
            values.append(v)
        conds.append((index, lib.Arg(index, OPERATORS[op], values[0], values[1])))
    return conds


def _set_flag(lib, filt, flag):
    try:
        filt.set_attr(FLAG_ATTRS[flag], 1)
    except OSError as err:
        raise Unsupported(f"seccomp flag {flag} is not supported by this libseccomp and kernel "
                          f"({err.strerror})") from None


def prepare(seccomp, debug=None):
    """linux.seccomp -> PreparedFilter, or None when there is nothing to filter.

    debug(message) receives notes such as skipped syscall names.
    """
    if seccomp is None:
        return None
    if not isinstance(seccomp, dict):
        raise ConfigError("linux.seccomp: must be an object")
    syscalls = seccomp.get("syscalls") or []
    if not isinstance(syscalls, list):
        raise ConfigError("linux.seccomp.syscalls: must be a list")
    if not seccomp.get("defaultAction") and not syscalls:
        return None  # runc: no default action and no rules means seccomp is off
    default = _action(seccomp.get("defaultAction"), seccomp.get("defaultErrnoRet"),
                      "linux.seccomp.defaultAction")
    if default == ACT_NOTIFY:
        raise ConfigError("linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be used as default action")
    listener_path = seccomp.get("listenerPath") or ""
    metadata = seccomp.get("listenerMetadata") or ""
    if metadata and not listener_path:
        raise ConfigError("linux.seccomp.listenerMetadata: must not be set without listenerPath")

    # Check every entry before loading libseccomp, so bad configs fail fast and alike.
    entries = []
    notify = False
    for i, entry in enumerate(syscalls):
        where = f"linux.seccomp.syscalls[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: must be an object")
        names = entry.get("names")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
            raise ConfigError(f"{where}.names: must be a non-empty list of syscall names")
        action = _action(entry.get("action"), entry.get("errnoRet"), f"{where}.action")
        if action == ACT_NOTIFY:
            notify = True
            if "write" in names:
                # The init reports back over a pipe with write(2): notifying on it would deadlock.
                raise ConfigError(f"{where}: SCMP_ACT_NOTIFY cannot be used for the write syscall")
        entries.append((where, names, action, entry.get("args") or []))
    if notify and not listener_path:
        raise ConfigError("linux.seccomp.listenerPath: must be set when SCMP_ACT_NOTIFY is used")

    lib = _pyseccomp()
    if notify and lib.get_api() < 6:
        raise Unsupported("seccomp notify unsupported: needs libseccomp >= 2.5.0 and Linux >= 5.7")
    try:
        filt = lib.SyscallFilter(default)
    except OSError as err:
        raise Unsupported(f"seccomp: cannot create a filter: {err.strerror}") from None

    for arch in seccomp.get("architectures") or []:
        attr = ARCHITECTURES.get(arch)
        if attr is None:
            raise ConfigError(f'linux.seccomp.architectures: unknown architecture "{arch}"')
        value = getattr(lib.Arch, attr)
        try:
            if not filt.exist_arch(value):
                filt.add_arch(value)
        except OSError as err:
            raise Unsupported(f"seccomp: cannot add architecture {arch}: {err.strerror}") from None

    flags = seccomp.get("flags")
    if flags is None:
        try:
            filt.set_attr(FLAG_ATTRS["SECCOMP_FILTER_FLAG_SPEC_ALLOW"], 1)
        except OSError:
            pass
    else:
        for flag in flags:
            if flag not in FLAG_ATTRS:
                raise ConfigError(f'linux.seccomp.flags: unknown flag "{flag}"')
            _set_flag(lib, filt, flag)

    # no_new_privs is process.noNewPrivileges' business, not the filter's.
    filt.set_attr(ATTR_CTL_NNP, 0)
    try:
        filt.set_attr(ATTR_API_SYSRAWRC, 1)
    except OSError:
        pass
    if sum(len(names) for _, names, _, _ in entries) > 32:
        try:
            filt.set_attr(ATTR_CTL_OPTIMIZE, 2)  # binary tree: long allow lists run faster
        except OSError:
            pass

    prepared = PreparedFilter(filt, notify, listener_path, metadata)
    for where, names, action, args in entries:
        conds = _conditions(lib, args, where)
        if action == default:
            continue  # redundant, and libseccomp would refuse it
        # Conditions on the same argument cannot be ANDed in one libseccomp rule: runc then
        # adds one rule per condition.
        indexes = [index for index, _ in conds]
        if len(set(indexes)) == len(indexes):
            rule_sets = [[c for _, c in conds]]
        else:
            rule_sets = [[c] for _, c in conds]
        for name in names:
            number = lib.resolve_syscall(lib.Arch.NATIVE, name)
            if number == _NR_SCMP_ERROR:
                prepared.skipped.append(name)
                if debug is not None:
                    debug(f'unknown seccomp syscall "{name}" ignored')
                continue
            for rule in rule_sets:
                try:
                    filt.add_rule(action, number, *rule)
                except OSError as err:
                    raise ConfigError(f"{where}: error adding seccomp rule for syscall {name}: "
                                      f"{err.strerror}") from None
                prepared.rules += 1
    return prepared


def load(prepared):
    """Load the filter into the calling thread (as late as possible before execve).

    Returns the SCMP_ACT_NOTIFY listener fd (close-on-exec) when the filter has one, else None.
    """
    if prepared is None:
        return None
    try:
        prepared.filter.load()
    except OSError as err:
        raise SetupError(f"error loading seccomp filter into kernel: {err.strerror}") from None
    if not prepared.notify:
        return None
    # pyseccomp has no accessor for the listener; its libseccomp handle is the sanctioned way in.
    lib = sys.modules["pyseccomp"]
    fd = lib._libseccomp.seccomp_notify_fd(prepared.filter._filter)
    if fd < 0:
        raise SetupError("seccomp: the filter was loaded but libseccomp returned no notify fd")
    return fd


def process_state(state, metadata=""):
    """runtime-spec containerProcessState for the container whose state document is given."""
    doc = {"ociVersion": SPEC_VERSION, "fds": ["seccompFd"], "pid": state.get("pid", 0)}
    if metadata:
        doc["metadata"] = metadata
    doc["state"] = state
    return doc


def send_to_listener(listener_path, notify_fd, state, metadata=""):
    """Connect to the seccomp agent's unix socket and send the container process state JSON with
    the notify fd (SCM_RIGHTS, in the first sendmsg), then close: one state per connection."""
    import array
    import json
    import socket

    payload = json.dumps(process_state(state, metadata)).encode()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    try:
        sock.connect(listener_path)
        sent = sock.sendmsg([payload], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                         array.array("i", [notify_fd]))])
        if sent < len(payload):
            sock.sendall(payload[sent:])
    except OSError as err:
        raise SetupError(f"cannot send seccomp fd to {listener_path}: {err.strerror or err}") from None
    finally:
        sock.close()
