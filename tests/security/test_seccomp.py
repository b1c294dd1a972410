"""Seccomp: filters built from linux.seccomp, loaded in a forked child, observed through what
the child (or busybox exec'd after the load) gets from the kernel."""

import array
import errno
import json
import os
import select
import signal
import socket
import struct

import pytest

from runtime import linux, seccomp
from runtime.errors import ConfigError, SetupError
from seclib import exec_busybox, proc_status, report, run_child


def deny(names, action="SCMP_ACT_ERRNO", **extra):
    rule = {"names": names, "action": action}
    rule.update(extra)
    return {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [rule]}


def load_then(config, then, no_new_privs=True):
    """A child function: prepare (as the init does, before pivot_root), set NNP, load, then()."""
    def child():
        prepared = seccomp.prepare(config)
        if no_new_privs:
            linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
        seccomp.load(prepared)
        return then()
    return child


def attempt(fn):
    """Run fn in the child; report the errno it failed with, or 0."""
    def run():
        try:
            fn()
            code = 0
        except OSError as err:
            code = err.errno
        report({"errno": code})
    return run


@pytest.fixture
def scratch(tmp_path):
    return str(tmp_path)


# --- actions ---

def test_errno_ret_reaches_busybox(root, scratch):
    target = os.path.join(scratch, "made")
    config = deny(["mkdir", "mkdirat"], errnoRet=errno.EACCES)
    child = run_child(load_then(config, lambda: exec_busybox("mkdir", target)))
    assert child.exit_code == 1
    assert "Permission denied" in child.output
    assert not os.path.exists(target)


def test_errno_defaults_to_eperm(root, scratch):
    target = os.path.join(scratch, "made")
    child = run_child(load_then(deny(["mkdir", "mkdirat"]), lambda: exec_busybox("mkdir", target)))
    assert child.exit_code == 1 and "Operation not permitted" in child.output
    assert not os.path.exists(target)


def _every_syscall_but(*excluded):
    import pyseccomp
    names = []
    for number in range(0, 512):
        try:
            name = pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, number).decode()
        except ValueError:
            continue
        if name not in excluded:
            names.append(name)
    return names


def test_default_errno_38_with_an_allow_list(root, scratch):
    # podman's style: everything not allowed fails with ENOSYS.
    config = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
              "syscalls": [{"names": _every_syscall_but("mkdir", "mkdirat"), "action": "SCMP_ACT_ALLOW"}]}
    target = os.path.join(scratch, "made")
    child = run_child(load_then(config, lambda: exec_busybox("mkdir", target)))
    assert child.exit_code == 1
    assert "Function not implemented" in child.output
    assert not os.path.exists(target)


@pytest.mark.parametrize("action", ["SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD",
                                    "SCMP_ACT_TRAP"])
def test_kill_and_trap_end_in_sigsys(root, action):
    child = run_child(load_then(deny(["getppid"], action), lambda: os.getppid() and 0))
    assert child.signal == signal.SIGSYS, child.output


def test_log_and_allow_let_the_call_through(root):
    config = {"defaultAction": "SCMP_ACT_ALLOW",
              "syscalls": [{"names": ["uname"], "action": "SCMP_ACT_LOG"},
                           {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]}
    child = run_child(load_then(config, attempt(os.uname)))
    assert child.json() == {"errno": 0}


def test_trace_without_tracer_fails_with_enosys(root):
    # No tracer attached: the kernel fails a SECCOMP_RET_TRACE syscall with ENOSYS.
    child = run_child(load_then(deny(["uname"], "SCMP_ACT_TRACE", errnoRet=5), attempt(os.uname)))
    assert child.json() == {"errno": errno.ENOSYS}


def test_status_shows_filter_and_no_new_privs(root):
    def then():
        status = proc_status()
        report({k: status[k] for k in ("Seccomp", "Seccomp_filters", "NoNewPrivs")})
    child = run_child(load_then(deny(["mkdir"]), then))
    assert child.json() == {"Seccomp": "2", "Seccomp_filters": "1", "NoNewPrivs": "1"}


def test_without_no_new_privs_loads_with_cap_sys_admin(root):
    # The filter must not set no_new_privs by itself: that is process.noNewPrivileges' call.
    def then():
        status = proc_status()
        report({k: status[k] for k in ("Seccomp", "NoNewPrivs")})
    child = run_child(load_then(deny(["mkdir"]), then, no_new_privs=False))
    assert child.json() == {"Seccomp": "2", "NoNewPrivs": "0"}


def test_without_no_new_privs_or_cap_sys_admin_load_fails(root):
    def child():
        prepared = seccomp.prepare(deny(["mkdir"]))
        eff, prm, inh = linux.capget()
        no_admin = ~(1 << 21)
        linux.capset(eff & no_admin, prm & no_admin, inh & no_admin)
        try:
            seccomp.load(prepared)
        except SetupError as err:
            report({"error": str(err)})
            return
        report({"error": None})
    assert run_child(child).json() == {"error": "error loading seccomp filter into kernel: Permission denied"}


# --- argument conditions ---

def test_arg_eq_denies_only_the_matching_value(root):
    # deny personality(0xffffffff) (the query) but not personality(PER_LINUX)
    config = deny(["personality"], args=[{"index": 0, "value": 0xFFFFFFFF, "op": "SCMP_CMP_EQ"}])

    def then():
        try:
            linux.personality(0xFFFFFFFF)
            query = 0
        except OSError as err:
            query = err.errno
        linux.personality(0)
        report({"query": query, "set": 0})
    assert run_child(load_then(config, then)).json() == {"query": errno.EPERM, "set": 0}


def _socket_errnos():
    out = {}
    for name, family, kind in (("inet", socket.AF_INET, socket.SOCK_STREAM),
                               ("inet_udp", socket.AF_INET, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC),
                               ("inet6", socket.AF_INET6, socket.SOCK_STREAM),
                               ("unix", socket.AF_UNIX, socket.SOCK_STREAM)):
        try:
            socket.socket(family, kind).close()
            out[name] = 0
        except OSError as err:
            out[name] = err.errno
    report(out)


def test_socket_denied_only_for_af_inet(root):
    config = deny(["socket"], errnoRet=errno.EAFNOSUPPORT,
                  args=[{"index": 0, "value": socket.AF_INET, "op": "SCMP_CMP_EQ"}])
    got = run_child(load_then(config, _socket_errnos)).json()
    assert got == {"inet": errno.EAFNOSUPPORT, "inet_udp": errno.EAFNOSUPPORT, "inet6": 0, "unix": 0}


def test_masked_eq_takes_mask_then_value(root):
    # type & 0xf == SOCK_DGRAM: UDP denied even with SOCK_CLOEXEC or'ed in; TCP allowed.
    config = deny(["socket"], args=[{"index": 1, "value": 0xF, "valueTwo": socket.SOCK_DGRAM,
                                     "op": "SCMP_CMP_MASKED_EQ"}])
    got = run_child(load_then(config, _socket_errnos)).json()
    assert got == {"inet": 0, "inet_udp": errno.EPERM, "inet6": 0, "unix": 0}


def test_two_conditions_on_one_arg_become_separate_rules(root):
    # runc: same-index conditions cannot be ANDed by libseccomp, so each is its own rule (OR).
    config = deny(["socket"], args=[{"index": 0, "value": socket.AF_INET, "op": "SCMP_CMP_EQ"},
                                    {"index": 0, "value": socket.AF_INET6, "op": "SCMP_CMP_EQ"}])
    got = run_child(load_then(config, _socket_errnos)).json()
    assert got == {"inet": errno.EPERM, "inet_udp": errno.EPERM, "inet6": errno.EPERM, "unix": 0}


def test_conditions_on_different_args_are_anded(root):
    config = deny(["socket"], args=[{"index": 0, "value": socket.AF_INET, "op": "SCMP_CMP_EQ"},
                                    # Python opens every socket with SOCK_CLOEXEC
                                    {"index": 1, "value": socket.SOCK_STREAM | socket.SOCK_CLOEXEC,
                                     "op": "SCMP_CMP_EQ"}])
    got = run_child(load_then(config, _socket_errnos)).json()
    assert got == {"inet": errno.EPERM, "inet_udp": 0, "inet6": 0, "unix": 0}


# --- names, architectures, flags ---

def test_unknown_syscall_name_is_skipped(root, scratch):
    notes = []
    prepared = seccomp.prepare(deny(["no_such_syscall", "mkdir", "mkdirat"]), debug=notes.append)
    assert prepared.skipped == ["no_such_syscall"]
    assert notes == ['unknown seccomp syscall "no_such_syscall" ignored']
    target = os.path.join(scratch, "made")
    child = run_child(load_then(deny(["no_such_syscall", "mkdir", "mkdirat"]),
                                lambda: exec_busybox("mkdir", target)))
    assert child.exit_code == 1 and "Operation not permitted" in child.output


def test_rule_equal_to_default_is_dropped():
    prepared = seccomp.prepare({"defaultAction": "SCMP_ACT_ALLOW",
                                "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"},
                                             {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]})
    assert prepared.rules == 1


# What each architecture leaves in the program: its AUDIT_ARCH_* value, or for x32 (which shares
# x86_64's) mkdir's x32 number, 83 | __X32_SYSCALL_BIT.
AUDIT_ARCH = {"SCMP_ARCH_X86_64": 0xC000003E, "SCMP_ARCH_X86": 0x40000003, "SCMP_ARCH_X32": 0x40000053,
              "SCMP_ARCH_AARCH64": 0xC00000B7}


def program_constants(program):
    """Every constant k of the BPF program (struct sock_filter: u16 code, u8 jt, u8 jf, u32 k)."""
    return {struct.unpack_from("<HBBI", program, i)[3] for i in range(0, len(program), 8)}


def test_architectures_are_compiled_in(root, scratch):
    config = deny(["mkdir", "mkdirat"])
    config["architectures"] = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
    constants = program_constants(seccomp.prepare(config).program)
    for arch in config["architectures"]:
        assert AUDIT_ARCH[arch] in constants, arch
    assert AUDIT_ARCH["SCMP_ARCH_AARCH64"] not in constants
    native_only = program_constants(seccomp.prepare(deny(["mkdir", "mkdirat"])).program)
    assert AUDIT_ARCH["SCMP_ARCH_X86"] not in native_only
    assert AUDIT_ARCH["SCMP_ARCH_X32"] not in native_only
    target = os.path.join(scratch, "made")
    child = run_child(load_then(config, lambda: exec_busybox("mkdir", target)))
    assert child.exit_code == 1 and not os.path.exists(target)


def test_flags_load(root):
    config = deny(["uname"])
    config["flags"] = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]
    prepared = seccomp.prepare(config)
    assert prepared.flags == (linux.SECCOMP_FILTER_FLAG_TSYNC | linux.SECCOMP_FILTER_FLAG_LOG
                              | linux.SECCOMP_FILTER_FLAG_SPEC_ALLOW)
    assert run_child(load_then(config, attempt(os.uname))).json() == {"errno": errno.EPERM}


def test_absent_flags_default_to_spec_allow():
    assert seccomp.prepare(deny(["getppid"])).flags == linux.SECCOMP_FILTER_FLAG_SPEC_ALLOW
    config = deny(["getppid"])
    config["flags"] = []
    assert seccomp.prepare(config).flags == 0


def test_notify_flags():
    config = deny(["mkdir"], "SCMP_ACT_NOTIFY")
    config.update(listenerPath="/x", flags=["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"])
    assert seccomp.prepare(config).flags == (
        linux.SECCOMP_FILTER_FLAG_TSYNC | linux.SECCOMP_FILTER_FLAG_TSYNC_ESRCH
        | linux.SECCOMP_FILTER_FLAG_NEW_LISTENER | linux.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    without_notify = dict(deny(["mkdir"]), flags=["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"])
    with pytest.raises(ConfigError, match="WAIT_KILLABLE_RECV needs an SCMP_ACT_NOTIFY rule"):
        seccomp.prepare(without_notify)


# --- the compiled-program cache ---

def test_cache_reuses_the_program(root, tmp_path, scratch):
    cache = str(tmp_path / "cache")
    config = deny(["mkdir", "mkdirat", "no_such_syscall"])
    first = seccomp.prepare(config, cache_dir=cache)
    notes = []
    second = seccomp.prepare(config, debug=notes.append, cache_dir=cache)
    assert (first.cached, second.cached) == (False, True)
    assert second.program == first.program == seccomp.prepare(config).program
    assert (second.skipped, second.rules, second.flags) == (first.skipped, first.rules, first.flags)
    assert notes == ['unknown seccomp syscall "no_such_syscall" ignored']
    assert len(os.listdir(cache)) == 1
    assert os.stat(cache).st_mode & 0o777 == 0o700
    # a different profile is a different entry
    assert seccomp.prepare(deny(["rmdir"]), cache_dir=cache).cached is False
    assert len(os.listdir(cache)) == 2

    # a program from the cache filters just the same
    def child():
        prepared = seccomp.prepare(config, cache_dir=cache)
        linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
        seccomp.load(prepared)
        assert prepared.cached
        exec_busybox("mkdir", os.path.join(scratch, "made"))
    got = run_child(child)
    assert got.exit_code == 1 and "Operation not permitted" in got.output


def test_damaged_cache_entry_is_rebuilt(tmp_path):
    cache = str(tmp_path / "cache")
    config = deny(["mkdir"])
    good = seccomp.prepare(config, cache_dir=cache).program
    (entry,) = os.listdir(cache)
    path = os.path.join(cache, entry)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:-3])   # truncated
    again = seccomp.prepare(config, cache_dir=cache)
    assert again.cached is False and again.program == good
    assert seccomp.prepare(config, cache_dir=cache).cached is True


def test_cache_entry_others_could_write_is_ignored(tmp_path):
    cache = str(tmp_path / "cache")
    config = deny(["mkdir"])
    seccomp.prepare(config, cache_dir=cache)
    (entry,) = os.listdir(cache)
    os.chmod(os.path.join(cache, entry), 0o666)
    assert seccomp.prepare(config, cache_dir=cache).cached is False   # rewritten with 0600
    assert seccomp.prepare(config, cache_dir=cache).cached is True
    os.chmod(cache, 0o777)
    assert seccomp.prepare(config, cache_dir=cache).cached is False


def test_unwritable_cache_only_costs_time(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    prepared = seccomp.prepare(deny(["mkdir"]), cache_dir=str(blocker / "cache"))
    assert prepared.cached is False and prepared.program


def test_bad_config_is_refused_before_the_cache(tmp_path):
    with pytest.raises(ConfigError):
        seccomp.prepare({"defaultAction": "SCMP_ACT_NOPE"}, cache_dir=str(tmp_path / "cache"))
    assert not (tmp_path / "cache").exists()


# --- notify ---

def test_notify_sends_state_and_fd_to_listener(root, tmp_path):
    path = str(tmp_path / "agent.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    config = deny(["mkdir", "mkdirat"], "SCMP_ACT_NOTIFY")
    config["listenerPath"] = path
    config["listenerMetadata"] = "MKNOD=/dev/null"
    target = str(tmp_path / "made")
    state = {"ociVersion": "1.2.0", "id": "c1", "status": "creating", "pid": 0,
             "bundle": "/b", "annotations": {"k": "v"}}

    def child():
        prepared = seccomp.prepare(config)
        linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
        fd = seccomp.load(prepared)
        seccomp.send_to_listener(prepared.listener_path, fd, dict(state, pid=os.getpid()),
                                 prepared.listener_metadata)
        os.mkdir(target)  # blocks until the agent answers (it never does)

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            child()
        finally:
            os._exit(0)
    os.close(w)
    try:
        listener.settimeout(10)
        conn, _ = listener.accept()
        fds = array.array("i")
        msg, ancdata, _, _ = conn.recvmsg(65536, socket.CMSG_LEN(4 * fds.itemsize))
        rest = conn.recv(65536)  # the agent's side: the runtime closes after one state
        for level, kind, data in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
        conn.close()
        doc = json.loads(msg + rest)
        assert doc == {"ociVersion": "1.2.0", "fds": ["seccompFd"], "pid": pid,
                       "metadata": "MKNOD=/dev/null", "state": dict(state, pid=pid)}
        assert len(fds) == 1
        assert os.readlink(f"/proc/self/fd/{fds[0]}") == "anon_inode:seccomp notify"
        # The child's mkdir is now waiting on this fd.
        poller = select.poll()
        poller.register(fds[0], select.POLLIN)
        assert poller.poll(10000), "no seccomp notification arrived"
        assert not os.path.exists(target)
        os.close(fds[0])
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(r)
        listener.close()


def test_send_to_missing_listener_fails(root, tmp_path):
    r, w = os.pipe()
    try:
        with pytest.raises(SetupError, match="cannot send seccomp fd to .*agent.sock"):
            seccomp.send_to_listener(str(tmp_path / "agent.sock"), r, {"pid": 1})
    finally:
        os.close(r)
        os.close(w)


# --- bad configs ---

@pytest.mark.parametrize("config, message", [
    ({"defaultAction": "SCMP_ACT_NOPE"}, 'linux.seccomp.defaultAction: unknown action "SCMP_ACT_NOPE"'),
    ({"defaultAction": "SCMP_ACT_KILL", "defaultErrnoRet": 1},
     "linux.seccomp.defaultErrnoRet: SCMP_ACT_KILL does not take an errno"),
    ({"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/x"},
     "SCMP_ACT_NOTIFY cannot be used as default action"),
    (deny(["write"], "SCMP_ACT_NOTIFY", ), "SCMP_ACT_NOTIFY cannot be used for the write syscall"),
    (deny(["mkdir"], "SCMP_ACT_NOTIFY"), "linux.seccomp.listenerPath: must be set when SCMP_ACT_NOTIFY"),
    (dict(deny(["mkdir"]), listenerMetadata="m"), "listenerMetadata: must not be set without listenerPath"),
    (deny(["mkdir"], "SCMP_ACT_ALLOW_ALL"), r'linux.seccomp.syscalls\[0\].action: unknown action "SCMP_ACT_ALLOW_ALL"'),
    (deny(["mkdir"], "SCMP_ACT_LOG", errnoRet=1), r"syscalls\[0\].errnoRet: SCMP_ACT_LOG does not take an errno"),
    (deny(["mkdir"], errnoRet=70000), r"syscalls\[0\].errnoRet: must be an integer from 0 to 65535"),
    (deny([]), r"syscalls\[0\].names: must be a non-empty list"),
    (deny(["socket"], args=[{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]), r"args\[0\].index: must be"),
    (deny(["socket"], args=[{"index": 0, "value": 1, "op": "SCMP_CMP_SIMILAR"}]),
     r'args\[0\].op: unknown operator "SCMP_CMP_SIMILAR"'),
    (deny(["socket"], args=[{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]), r"args\[0\].value: must be"),
    (dict(deny(["mkdir"]), architectures=["SCMP_ARCH_Z80"]), 'unknown architecture "SCMP_ARCH_Z80"'),
    (dict(deny(["mkdir"]), flags=["SECCOMP_FILTER_FLAG_FAST"]), 'unknown flag "SECCOMP_FILTER_FLAG_FAST"'),
])
def test_bad_config_names_the_field(config, message):
    with pytest.raises(ConfigError, match=message):
        seccomp.prepare(config)


def test_nothing_to_filter():
    assert seccomp.prepare(None) is None
    assert seccomp.prepare({}) is None
    assert seccomp.load(None) is None
