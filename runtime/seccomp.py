"""Seccomp for the container process: linux.seccomp compiled by libseccomp (through the
pyseccomp ctypes binding to Debian's libseccomp2; no hand-written BPF) into a classic BPF
program, loaded with seccomp(2) just before execve; and the SCMP_ACT_NOTIFY listener fd handed
to the seccomp agent as runtime-spec 1.2 says.

prepare() does all the work that needs files (libseccomp, the cache), so it must run while the
host's files are still visible (before pivot_root); load() is one syscall and touches no file.
Like runc, the program is exported from libseccomp and loaded by the runtime itself with the
seccomp(2) flags the config asks for. Compiling a profile is the costly part (~25 ms for
containers-common's profile over three architectures), so with a cache_dir the program is kept
under a key of the config, the kernel release and the libseccomp build, and the same profile
is never compiled twice on a host.

Semantics follow runc: a syscall name this libseccomp does not know is skipped, a rule whose
action equals the default action is dropped, conditions on the same argument become separate
rules, no_new_privs is left to the caller (process.noNewPrivileges), and when `flags` is absent
SECCOMP_FILTER_FLAG_SPEC_ALLOW is set.

Without no_new_privs the kernel only accepts a filter from a process holding CAP_SYS_ADMIN:
then load() must run before the capabilities are reduced (runc does the same).
"""

import os
import sys

from runtime import linux
from runtime.errors import ConfigError, SetupError, Unsupported

SPEC_VERSION = "1.2.0"
CACHE_FORMAT = "pyrun-seccomp-1"

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

FLAGS = {
    "SECCOMP_FILTER_FLAG_TSYNC": linux.SECCOMP_FILTER_FLAG_TSYNC,
    "SECCOMP_FILTER_FLAG_LOG": linux.SECCOMP_FILTER_FLAG_LOG,
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW": linux.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV": linux.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
}

# libseccomp filter attribute (enum scmp_filter_attr)
ATTR_CTL_OPTIMIZE = 8

_NR_SCMP_ERROR = -1
_MAX_ARGS = 6
_LIB_DIRS = ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib")


class PreparedFilter:
    """A compiled filter, ready to load: the BPF program and the seccomp(2) flags."""

    __slots__ = ("program", "flags", "notify", "listener_path", "listener_metadata", "skipped",
                 "rules", "cached")

    def __init__(self, program, flags, notify=False, listener_path="", listener_metadata="",
                 skipped=(), rules=0, cached=False):
        self.program = program              # struct sock_filter[] as bytes
        self.flags = flags                  # SECCOMP_FILTER_FLAG_* for seccomp(2)
        self.notify = notify                # a rule uses SCMP_ACT_NOTIFY: load() returns the fd
        self.listener_path = listener_path
        self.listener_metadata = listener_metadata
        self.skipped = list(skipped)        # syscall names this libseccomp does not know
        self.rules = rules                  # libseccomp rules added
        self.cached = cached                # the program came from the cache


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


def _action(name, errno_ret, where, errno_where):
    if not isinstance(name, str) or name not in ACTIONS:
        raise ConfigError(f'{where}: unknown action "{name}"')
    value = ACTIONS[name]
    if errno_ret is not None:
        if name not in _TAKES_ERRNO:
            raise ConfigError(f"{errno_where}: {name} does not take an errno return code "
                              f"(only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)")
        if not isinstance(errno_ret, int) or isinstance(errno_ret, bool) or not 0 <= errno_ret <= 0xFFFF:
            raise ConfigError(f"{errno_where}: must be an integer from 0 to 65535")
    if name in _TAKES_ERRNO:
        value |= EPERM if errno_ret is None else errno_ret
    return value


def _conditions(args, where):
    """args -> [(index, op, value, valueTwo)], checked."""
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
        conds.append((index, OPERATORS[op], values[0], values[1]))
    return conds


def _check(seccomp):
    """Validate linux.seccomp -> (default action, [(where, names, action, conds)], flags, notify)."""
    if not isinstance(seccomp, dict):
        raise ConfigError("linux.seccomp: must be an object")
    syscalls = seccomp.get("syscalls") or []
    if not isinstance(syscalls, list):
        raise ConfigError("linux.seccomp.syscalls: must be a list")
    default = _action(seccomp.get("defaultAction"), seccomp.get("defaultErrnoRet"),
                      "linux.seccomp.defaultAction", "linux.seccomp.defaultErrnoRet")
    if default == ACT_NOTIFY:
        raise ConfigError("linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be used as default action")
    if seccomp.get("listenerMetadata") and not seccomp.get("listenerPath"):
        raise ConfigError("linux.seccomp.listenerMetadata: must not be set without listenerPath")
    entries = []
    notify = False
    for i, entry in enumerate(syscalls):
        where = f"linux.seccomp.syscalls[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: must be an object")
        names = entry.get("names")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
            raise ConfigError(f"{where}.names: must be a non-empty list of syscall names")
        action = _action(entry.get("action"), entry.get("errnoRet"), f"{where}.action", f"{where}.errnoRet")
        if action == ACT_NOTIFY:
            notify = True
            if "write" in names:
                # The init reports back over a pipe with write(2): notifying on it would deadlock.
                raise ConfigError(f"{where}: SCMP_ACT_NOTIFY cannot be used for the write syscall")
        entries.append((where, names, action, _conditions(entry.get("args") or [], where)))
    if notify and not seccomp.get("listenerPath"):
        raise ConfigError("linux.seccomp.listenerPath: must be set when SCMP_ACT_NOTIFY is used")
    for arch in seccomp.get("architectures") or []:
        if arch not in ARCHITECTURES:
            raise ConfigError(f'linux.seccomp.architectures: unknown architecture "{arch}"')

    flag_names = seccomp.get("flags")
    if flag_names is None:
        flags = linux.SECCOMP_FILTER_FLAG_SPEC_ALLOW  # runc's default
    else:
        flags = 0
        for flag in flag_names:
            if flag not in FLAGS:
                raise ConfigError(f'linux.seccomp.flags: unknown flag "{flag}"')
            flags |= FLAGS[flag]
    if flags & linux.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV and not notify:
        raise ConfigError("linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs an "
                          "SCMP_ACT_NOTIFY rule")
    if notify:
        flags |= linux.SECCOMP_FILTER_FLAG_NEW_LISTENER
        if flags & linux.SECCOMP_FILTER_FLAG_TSYNC:
            # With a listener the return value is the fd, so a sync failure must be ESRCH.
            flags |= linux.SECCOMP_FILTER_FLAG_TSYNC_ESRCH
    return default, entries, flags, notify


def _compile(seccomp, default, entries, debug):
    """Build the libseccomp filter and export its BPF program -> (program, skipped, rules)."""
    lib = _pyseccomp()
    if any(action == ACT_NOTIFY for _, _, action, _ in entries) and lib.get_api() < 6:
        raise Unsupported("seccomp notify unsupported: needs libseccomp >= 2.5.0 and Linux >= 5.7")
    try:
        filt = lib.SyscallFilter(default)
    except OSError as err:
        raise Unsupported(f"seccomp: cannot create a filter: {err.strerror}") from None
    for arch in seccomp.get("architectures") or []:
        value = getattr(lib.Arch, ARCHITECTURES[arch])
        try:
            if not filt.exist_arch(value):
                filt.add_arch(value)
        except OSError as err:
            raise Unsupported(f"seccomp: cannot add architecture {arch}: {err.strerror}") from None
    if sum(len(names) for _, names, _, _ in entries) > 32:
        try:
            filt.set_attr(ATTR_CTL_OPTIMIZE, 2)  # binary tree: long allow lists run faster
        except OSError:
            pass

    skipped = []
    rules = 0
    for where, names, action, conds in entries:
        if action == default:
            continue  # redundant, and libseccomp would refuse it
        args = [(index, lib.Arg(index, op, a, b)) for index, op, a, b in conds]
        # Conditions on the same argument cannot be ANDed in one libseccomp rule: runc then
        # adds one rule per condition.
        indexes = [index for index, _ in args]
        if len(set(indexes)) == len(indexes):
            rule_sets = [[arg for _, arg in args]]
        else:
            rule_sets = [[arg] for _, arg in args]
        for name in names:
            number = lib.resolve_syscall(lib.Arch.NATIVE, name)
            if number == _NR_SCMP_ERROR:
                skipped.append(name)
                if debug is not None:
                    debug(f'unknown seccomp syscall "{name}" ignored')
                continue
            for rule in rule_sets:
                try:
                    filt.add_rule(action, number, *rule)
                except OSError as err:
                    raise ConfigError(f"{where}: error adding seccomp rule for syscall {name}: "
                                      f"{err.strerror}") from None
                rules += 1

    fd = os.memfd_create("seccomp-bpf", os.MFD_CLOEXEC)
    with open(fd, "w+b") as f:
        try:
            filt.export_bpf(f)
        except OSError as err:
            raise SetupError(f"seccomp: libseccomp could not generate the filter: {err.strerror}") from None
        f.seek(0)
        program = f.read()
    if not program or len(program) % 8:
        raise SetupError(f"seccomp: libseccomp exported a malformed program ({len(program)} bytes)")
    return program, skipped, rules


def _libseccomp_build():
    """Which libseccomp build would compile the filter (part of the cache key)."""
    for directory in _LIB_DIRS:
        path = os.path.join(directory, "libseccomp.so.2")
        try:
            st = os.stat(path)
        except OSError:
            continue
        return f"{os.path.realpath(path)}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
    return None


def _cache_path(cache_dir, seccomp):
    import hashlib
    import json

    build = _libseccomp_build()
    if build is None:
        return None
    key = json.dumps([CACHE_FORMAT, os.uname().release, build, seccomp], sort_keys=True)
    return os.path.join(cache_dir, hashlib.sha256(key.encode()).hexdigest())


def _cache_read(path):
    """A cached entry -> (program, skipped, rules) or None (missing or damaged)."""
    try:
        with open(path, "rb") as f:
            # Only trust what no one but us could have written: the program is the security policy.
            for st in (os.fstat(f.fileno()), os.stat(os.path.dirname(path))):
                if st.st_uid != os.geteuid() or st.st_mode & 0o022:
                    return None
            data = f.read()
    except OSError:
        return None
    header, sep, program = data.partition(b"\n")
    if not sep or not header.startswith(CACHE_FORMAT.encode() + b" "):
        return None
    import json
    try:
        meta = json.loads(header[len(CACHE_FORMAT) + 1:])
    except ValueError:
        return None
    if meta.get("size") != len(program) or not program or len(program) % 8:
        return None
    return program, meta.get("skipped", []), meta.get("rules", 0)


def _cache_write(path, program, skipped, rules):
    import json

    meta = json.dumps({"size": len(program), "skipped": skipped, "rules": rules})
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, f"{CACHE_FORMAT} {meta}\n".encode() + program)
        finally:
            os.close(fd)
        os.rename(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs time


def prepare(seccomp, debug=None, cache_dir=None):
    """linux.seccomp -> PreparedFilter, or None when there is nothing to filter.

    debug(message) receives notes such as skipped syscall names. With cache_dir (a directory
    only root can write, e.g. under the runtime's --root), compiled programs are reused.
    """
    if seccomp is None:
        return None
    if isinstance(seccomp, dict) and not seccomp.get("defaultAction") and not seccomp.get("syscalls"):
        return None  # runc: no default action and no rules means seccomp is off
    default, entries, flags, notify = _check(seccomp)
    listener_path = seccomp.get("listenerPath") or ""
    metadata = seccomp.get("listenerMetadata") or ""

    path = _cache_path(cache_dir, seccomp) if cache_dir else None
    hit = _cache_read(path) if path else None
    if hit is not None:
        program, skipped, rules = hit
        if debug is not None:
            for name in skipped:
                debug(f'unknown seccomp syscall "{name}" ignored')
    else:
        program, skipped, rules = _compile(seccomp, default, entries, debug)
        if path:
            _cache_write(path, program, skipped, rules)
    return PreparedFilter(program, flags, notify, listener_path, metadata, skipped, rules,
                          cached=hit is not None)


def load(prepared):
    """Load the filter into the calling thread (as late as possible before execve).

    Returns the SCMP_ACT_NOTIFY listener fd (close-on-exec) when the filter has one, else None.
    """
    if prepared is None:
        return None
    try:
        ret = linux.seccomp_set_mode_filter(prepared.program, prepared.flags)
    except OSError as err:
        raise SetupError(f"error loading seccomp filter into kernel: {os.strerror(err.errno)}") from None
    if prepared.notify:
        return ret
    if ret > 0:  # TSYNC without a listener: the id of a thread that could not be synchronized
        raise SetupError(f"error loading seccomp filter into kernel: thread {ret} could not be synchronized")
    return None


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
