"""How create starts the container's init, watched from outside.

With nothing to join and no user or time namespace, pyrun clones the init straight into its new
namespaces and, on a cgroup2 hierarchy, into its cgroup (clone3 with CLONE_INTO_CGROUP); otherwise
a namespace child comes first. The syscalls the runtime process makes are read with python-ptrace
(the runtime alone is traced, not its children). When clone3 is refused - a seccomp profile that
answers ENOSYS, as container engines' default profiles long did - create falls back to fork and the
container is the same: checked from inside it and in the cgroup files.
"""

import errno
import os
import subprocess

import pytest

from testlib import IS_ROOT, PYRUN

pytestmark = pytest.mark.skipif(not IS_ROOT, reason="needs root: containers with namespaces and cgroups")

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_INTO_CGROUP = 0x200000000
NAMESPACE_FLAGS = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET


def has_cgroup2_dir():
    return os.path.isdir("/sys/fs/cgroup/unified") or os.path.exists("/sys/fs/cgroup/cgroup.controllers")


def traced_create(pyrun, bundle_path, cid):
    """Run `pyrun create` under ptrace; return [(syscall name, clone3 flags or None, clone3 cgroup fd)]
    for every process-creating syscall the runtime process made."""
    from ptrace.debugger import PtraceDebugger, ProcessExit, ProcessSignal, NewProcessEvent
    from ptrace.debugger.child import createChild
    from ptrace.func_call import FunctionCallOptions
    argv = pyrun.cmd("create", "-b", bundle_path, cid)
    pid = createChild(argv, no_stdout=False, env=None)
    debugger = PtraceDebugger()
    made = []
    try:
        process = debugger.addProcess(pid, is_attached=True)
        process.syscall()
        while True:
            try:
                event_process = debugger.waitSyscall().process
            except ProcessExit as exit_:
                assert exit_.exitcode == 0, f"pyrun create exited with {exit_.exitcode}"
                break
            except ProcessSignal as sig:
                sig.process.syscall(sig.signum)
                continue
            except NewProcessEvent as event:
                event.process.detach()
                event.process.parent.syscall()
                continue
            call = event_process.syscall_state.event(FunctionCallOptions())
            if call.result is None and call.name in ("clone", "clone3", "fork", "vfork"):
                flags = cgroup = None
                if call.name == "clone3":
                    args = event_process.readBytes(call.arguments[0].value, 88)
                    flags = int.from_bytes(args[0:8], "little")
                    cgroup = int.from_bytes(args[80:88], "little")
                made.append((call.name, flags, cgroup))
            event_process.syscall()
    finally:
        debugger.quit()
    return made


def test_the_init_is_cloned_into_its_namespaces_and_cgroup(pyrun, make_bundle):
    bundle = make_bundle(args=["true"])
    cid = pyrun.new_id()
    made = traced_create(pyrun, bundle.path, cid)
    pid = pyrun.state(cid)["pid"]
    # One process made: the init itself, in a new pid namespace (its own pid 1 there).
    assert [name for name, _, _ in made] == ["clone3"], made
    _, flags, _ = made[0]
    expected = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET
    assert flags & NAMESPACE_FLAGS == expected
    assert bool(flags & CLONE_INTO_CGROUP) == has_cgroup2_dir()
    with open(f"/proc/{pid}/status") as f:
        assert next(line for line in f if line.startswith("NSpid:")).split()[-1] == "1"


def test_a_time_namespace_gets_a_namespace_child_first(pyrun, make_bundle):
    """A time namespace's offsets (like a user namespace's id maps) must be set before the init
    enters it: a namespace child (still started in the cgroup) unshares, then forks the init."""
    bundle = make_bundle(args=["true"])
    bundle.config["linux"]["namespaces"].append({"type": "time"})
    bundle.config["linux"]["timeOffsets"] = {"monotonic": {"secs": 86400, "nanosecs": 0}}
    bundle.save()
    cid = pyrun.new_id()
    made = traced_create(pyrun, bundle.path, cid)
    assert len(made) == 1, made
    name, flags, _ = made[0]
    if name == "clone3":   # into the cgroup2 directory, no namespace flags
        assert flags & NAMESPACE_FLAGS == 0 and flags & CLONE_INTO_CGROUP
    else:
        assert not has_cgroup2_dir()
    with open(f"/proc/{pyrun.state(cid)['pid']}/timens_offsets") as f:
        assert f.read().split()[:3] == ["monotonic", "86400", "0"]


def _deny_clone3():
    # What a container engine's older default seccomp profile does to clone3 (ENOSYS: "use clone").
    import pyseccomp
    rules = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
    rules.add_rule(pyseccomp.ERRNO(errno.ENOSYS), "clone3")
    rules.load()


def test_without_clone3_create_forks_and_the_container_is_the_same(pyrun, make_bundle, tmp_path):
    bundle = make_bundle(args=["true"])
    cid = pyrun.new_id()
    with open(tmp_path / "out", "w") as out:
        proc = subprocess.run(pyrun.cmd("create", "-b", bundle.path, cid), preexec_fn=_deny_clone3,
                              stdin=subprocess.DEVNULL, stdout=out, stderr=out, timeout=60)
    assert proc.returncode == 0, (tmp_path / "out").read_text()
    pid = pyrun.state(cid)["pid"]
    with open(f"/proc/{pid}/status") as f:
        assert next(line for line in f if line.startswith("NSpid:")).split()[-1] == "1"
    # In the container's cgroup in every hierarchy, the cgroup2 one too (joined by a write, not at birth).
    with open(f"/proc/{pid}/cgroup") as f:
        paths = {line.rstrip("\n").split(":", 2)[2] for line in f}
    assert all(path.endswith("/" + cid) for path in paths), paths
    pyrun("start", cid)
    pyrun("delete", "--force", cid)


def test_clone3_fork_starts_a_child_in_new_namespaces():
    """runtime.linux.clone3_fork by itself: the child is pid 1 of a new pid namespace, Python works
    in it (it forks and waits), and the parent reaps it."""
    script = (
        "import os, sys\n"
        f"sys.path.insert(0, {os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))!r})\n"
        "from runtime import linux\n"
        "pid = linux.clone3_fork(linux.CLONE_NEWPID | linux.CLONE_NEWNS)\n"
        "if pid == 0:\n"
        "    child = os.fork()\n"
        "    if child == 0:\n"
        "        os._exit(7)\n"
        "    _, status = os.waitpid(child, 0)\n"
        "    os._exit(os.getpid() * 10 + os.waitstatus_to_exitcode(status))\n"
        "_, status = os.waitpid(pid, 0)\n"
        "print(os.waitstatus_to_exitcode(status))\n")
    out = subprocess.run([os.path.join(os.path.dirname(PYRUN), "python3"), "-IS", "-c", script],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "17"   # pid 1 in its namespace, its own child exited 7
