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

from testlib import IS_ROOT, PYRUN, process_creating_syscalls

pytestmark = pytest.mark.skipif(not IS_ROOT, reason="needs root: containers with namespaces and cgroups")

from runtime.linux import (CLONE_INTO_CGROUP, CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS,
                           CLONE_NEWPID, CLONE_NEWUSER, CLONE_NEWUTS)

NAMESPACE_FLAGS = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET


def has_cgroup2_dir():
    return os.path.isdir("/sys/fs/cgroup/unified") or os.path.exists("/sys/fs/cgroup/cgroup.controllers")


def test_the_init_is_cloned_into_its_namespaces_and_cgroup(pyrun, make_bundle):
    bundle = make_bundle(args=["true"])
    cid = pyrun.new_id()
    made = process_creating_syscalls(pyrun.cmd("create", "-b", bundle.path, cid))
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
    made = process_creating_syscalls(pyrun.cmd("create", "-b", bundle.path, cid))
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
