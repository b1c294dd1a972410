"""Rootless cgroups on a pure cgroup v2 host (marked cgroupv2: elsewhere tests/test_cgroupv2_vm.py
runs them in the test VM). A cgroup delegated to the user the way systemd delegates one (the
directory, its cgroup.procs, cgroup.subtree_control and cgroup.threads chowned) is used, limits
included; without delegation the container runs without a cgroup and a limit is refused."""

import os
import subprocess
import tempfile
import uuid

import pytest

from testlib import PYRUN

pytestmark = pytest.mark.cgroupv2

CG = "/sys/fs/cgroup"


@pytest.fixture
def v2():
    if not os.path.exists(f"{CG}/cgroup.controllers"):
        pytest.skip("not a pure cgroup v2 host")
    if "pids" not in open(f"{CG}/cgroup.subtree_control").read().split():
        pytest.skip("the pids controller is not enabled for children of the root cgroup")


@pytest.fixture
def delegated(v2, user):
    """/sys/fs/cgroup/pyrl-<id> owned by the user, with pids enabled for its children and a
    'session' leaf the user's commands start in (a cgroup with controllers enabled for its
    children may hold no processes)."""
    top = f"{CG}/pyrl-{uuid.uuid4().hex[:8]}"
    os.mkdir(top)
    os.mkdir(f"{top}/session")
    with open(f"{top}/cgroup.subtree_control", "w") as f:
        f.write("+pids")
    for path in (top, f"{top}/session"):
        for name in ("", "cgroup.procs", "cgroup.subtree_control", "cgroup.threads"):
            os.chown(os.path.join(path, name) if name else path, user.uid, user.gid)
    yield top
    for sub in sorted((d for d, _, _ in os.walk(top)), key=len, reverse=True):
        try:
            os.rmdir(sub)
        except OSError:
            pass


def run_in(user, cgroup, argv):
    """argv as the user, started inside cgroup (root moves the shell there, then drops to the user).
    Output goes through files: a detached container keeps them open, a pipe would not see EOF."""
    shell = f'echo $$ > {cgroup}/cgroup.procs && exec "$@"'
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.run(["sh", "-c", shell, "sh", "runuser", "-u", user.name, "--", *user.env(), *argv],
                              stdin=subprocess.DEVNULL, stdout=out, stderr=err, timeout=120)
        out.seek(0)
        err.seek(0)
        proc.stdout, proc.stderr = out.read().decode(), err.read().decode()
    return proc


def test_a_delegated_cgroup_is_used_with_its_limits(user, user_bundle, delegated):
    b = user_bundle(user)
    b.linux["resources"] = {"pids": {"limit": 42}}
    b.args("sleep", "60")
    cid = f"v2-{uuid.uuid4().hex[:8]}"
    proc = run_in(user, f"{delegated}/session", [PYRUN, "run", "-d", "-b", b.path, cid])
    assert proc.returncode == 0, proc.stderr
    try:
        with open(f"{delegated}/{cid}/pids.max") as f:
            assert f.read().strip() == "42"
        proc = run_in(user, f"{delegated}/session", [PYRUN, "exec", cid, "cat", "/proc/self/cgroup"])
        assert proc.stdout.split() == ["0::/"], proc.stderr     # its own cgroup, the namespace's root
        with open(f"{delegated}/{cid}/cgroup.procs") as f:
            assert len(f.read().split()) == 1                   # the init (the exec has exited)
    finally:
        run_in(user, f"{delegated}/session", [PYRUN, "delete", "--force", cid])
    assert not os.path.exists(f"{delegated}/{cid}")  # removed with the container


def test_the_cgroup_mount_of_a_rootless_spec_shows_the_containers_cgroup(user, user_bundle, delegated):
    b = user_bundle(user)
    b.linux["resources"] = {"pids": {"limit": 42}}
    b.args("sh", "-c", "cat /sys/fs/cgroup/pids.max; grep ' /sys/fs/cgroup ' /proc/self/mountinfo")
    proc = run_in(user, f"{delegated}/session", [PYRUN, "run", "-b", b.path, f"v2-{uuid.uuid4().hex[:8]}"])
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert proc.stdout.splitlines()[0] == "42", proc.stdout


def test_without_delegation_no_cgroup_and_limits_refused(user, user_bundle, v2):
    leaf = f"{CG}/pyrl-root-{uuid.uuid4().hex[:8]}"    # root's: the user may not write its parent
    os.mkdir(leaf)
    try:
        b = user_bundle(user)
        b.linux["namespaces"] = [ns for ns in b.linux["namespaces"] if ns["type"] != "cgroup"]
        b.args("cat", "/proc/self/cgroup")
        log = os.path.join(b.path, "log")
        proc = run_in(user, leaf, [PYRUN, "--log", log, "run", "-b", b.path, f"v2-{uuid.uuid4().hex[:8]}"])
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == [f"0::{leaf[len(CG):]}"]   # left where it was started
        assert "no cgroup" in open(log).read()
        b.linux["resources"] = {"pids": {"limit": 42}}
        b.save()
        proc = run_in(user, leaf, [PYRUN, "run", "-b", b.path, f"v2-{uuid.uuid4().hex[:8]}"])
        assert proc.returncode == 1 and "linux.resources.pids" in proc.stderr, proc.stderr
    finally:
        os.rmdir(leaf)
