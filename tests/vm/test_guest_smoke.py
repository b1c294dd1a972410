"""Smoke tests of a pure cgroup v2 machine (the test VM, or a real v2 host): the unified hierarchy
with its controllers, memory.max OOM kills, pids.max stopping forks, io.max on a loop device,
overlay scratch space in TMPDIR, and the checkout and venv at work. They skip elsewhere; on a
hybrid or v1 host tests/test_cgroupv2_vm.py runs them inside the VM.
"""

import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tests.vm.host import is_pure_cgroup_v2

CGROUP_ROOT = "/sys/fs/cgroup"
CHECKOUT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = [
    pytest.mark.cgroupv2,
    pytest.mark.skipif(not is_pure_cgroup_v2(),
                       reason="needs a pure cgroup v2 host (tests/test_cgroupv2_vm.py runs this inside the VM)"),
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (creates cgroups)"),
]


def read(path):
    with open(path) as f:
        return f.read()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def keyed(path):
    """A flat-keyed cgroup file (memory.events, pids.events, ...) as a dict of ints."""
    return {k: int(v) for k, v in (line.split() for line in read(path).splitlines())}


@pytest.fixture
def cgroup():
    """A fresh child of the root cgroup (which delegates every controller); killed and removed after."""
    path = os.path.join(CGROUP_ROOT, f"pyrun-smoke-{uuid.uuid4().hex[:8]}")
    os.mkdir(path)
    yield path
    write(os.path.join(path, "cgroup.kill"), "1")
    deadline = time.monotonic() + 10
    while "populated 1" in read(os.path.join(path, "cgroup.events")) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.rmdir(path)
    assert not os.path.exists(path)


def run_in_cgroup(path, script, **kwargs):
    """sh -c script, moved into the cgroup before it runs anything else."""
    return subprocess.run(["/bin/sh", "-c", f'echo $$ > "{path}/cgroup.procs" && {script}'],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, **kwargs)


def test_unified_hierarchy_with_all_controllers_delegated():
    mounts = [line.split() for line in read("/proc/self/mountinfo").splitlines()]
    fstype = [f[f.index("-") + 1] for f in mounts if f[4] == CGROUP_ROOT]
    assert fstype[-1] == "cgroup2"
    enabled = read(os.path.join(CGROUP_ROOT, "cgroup.subtree_control")).split()
    for controller in ("memory", "pids", "cpu", "io"):
        assert controller in enabled, f"{controller} not in the root's subtree_control: {enabled}"
    # We run in a child cgroup, never in the root itself.
    own = read("/proc/self/cgroup").strip()
    assert own.startswith("0::/") and own != "0::/", own


def test_memory_max_oom_kills_an_allocation(cgroup):
    write(os.path.join(cgroup, "memory.max"), str(32 * 2**20))
    if os.path.exists(os.path.join(cgroup, "memory.swap.max")):
        write(os.path.join(cgroup, "memory.swap.max"), "0")
    before = keyed(os.path.join(cgroup, "memory.events"))["oom_kill"]
    # dd fills a 128 MiB buffer from /dev/zero: every page gets touched.
    proc = run_in_cgroup(cgroup, "exec dd if=/dev/zero of=/dev/null bs=128M count=1")
    assert proc.returncode in (-9, 137), (proc.returncode, proc.stderr)
    assert keyed(os.path.join(cgroup, "memory.events"))["oom_kill"] > before
    # The limit held: the cgroup never went far beyond 32 MiB.
    if os.path.exists(os.path.join(cgroup, "memory.peak")):
        assert int(read(os.path.join(cgroup, "memory.peak"))) <= 33 * 2**20


def test_pids_max_stops_forks(cgroup):
    write(os.path.join(cgroup, "pids.max"), "4")
    # The sleeps keep no pipe open, so run() returns as soon as the shell is done.
    proc = run_in_cgroup(cgroup, "for i in 1 2 3 4 5 6 7 8; do sleep 30 >/dev/null 2>&1 & done; "
                                 f'cat "{cgroup}/pids.current"')
    # The shell plus 3 sleeps fit under pids.max=4; the other forks failed.
    assert "fork" in proc.stderr.lower(), proc.stderr
    assert keyed(os.path.join(cgroup, "pids.events"))["max"] >= 1
    assert int(read(os.path.join(cgroup, "pids.current"))) <= 4


def test_io_max_on_a_loop_device(cgroup, tmp_path):
    if shutil.which("losetup") is None or not os.path.exists("/dev/loop-control"):
        pytest.skip("no losetup or loop devices")
    backing = tmp_path / "disk.img"
    with open(backing, "wb") as f:
        f.truncate(16 * 2**20)
    device = subprocess.run(["losetup", "--find", "--show", str(backing)], capture_output=True, text=True,
                            check=True).stdout.strip()
    try:
        rdev = os.stat(device).st_rdev
        major_minor = f"{os.major(rdev)}:{os.minor(rdev)}"
        write(os.path.join(cgroup, "io.max"), f"{major_minor} wbps=1048576 riops=100")
        limits = read(os.path.join(cgroup, "io.max"))
        assert f"{major_minor} rbps=max wbps=1048576 riops=100 wiops=max" in limits, limits
    finally:
        subprocess.run(["losetup", "-d", device], check=True)


def test_tmpdir_can_hold_an_overlay_upperdir(tmp_path):
    """Container scratch space: TMPDIR must accept an overlayfs upperdir (the VM's overlay root cannot)."""
    for d in ("lower", "upper", "work", "merged"):
        (tmp_path / d).mkdir()
    (tmp_path / "lower" / "file").write_text("lower")
    script = (f"mount -t overlay overlay -o lowerdir={tmp_path}/lower,upperdir={tmp_path}/upper,"
              f"workdir={tmp_path}/work {tmp_path}/merged && echo upper > {tmp_path}/merged/new && "
              f"cat {tmp_path}/merged/file")
    proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "lower"
    assert (tmp_path / "upper" / "new").read_text() == "upper\n"


def test_checkout_and_venv_are_usable():
    venv_python = os.path.join(CHECKOUT, ".venv", "bin", "python3")
    assert os.access(venv_python, os.X_OK)
    # Not pytest: it is running already, and importing it again costs seconds in the VM.
    proc = subprocess.run([venv_python, "-c", "import runtime.linux, spec.defaults; print('ok')"],
                          cwd=CHECKOUT, capture_output=True, text=True, timeout=120)
    assert proc.stdout == "ok\n", proc.stderr
    assert os.path.exists(os.path.join(CHECKOUT, "pyproject.toml"))
    # pytest itself runs from the venv, in the checkout.
    assert sys.prefix == os.path.join(CHECKOUT, ".venv")
