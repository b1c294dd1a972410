"""The eBPF device filter, loaded and attached for real on this hybrid host: to a cgroup in the cgroup2
at /sys/fs/cgroup/unified, which accepts BPF_CGROUP_DEVICE programs like a pure v2 host does."""

import os
import subprocess
import uuid

import pytest

from runtime import linux
from runtime.cgroups import devices, v2

from .conftest import config_with, needs_root

UNIFIED = "/sys/fs/cgroup/unified"
has_unified = os.path.exists(os.path.join(UNIFIED, "cgroup.procs"))
pytestmark = [needs_root, pytest.mark.skipif(not has_unified, reason="no cgroup2 at /sys/fs/cgroup/unified")]


@pytest.fixture
def unified_cgroup():
    path = os.path.join(UNIFIED, "pyrun-test-" + uuid.uuid4().hex[:12])
    os.mkdir(path)
    yield path
    for pid in open(os.path.join(path, "cgroup.procs")).read().split():
        try:
            os.kill(int(pid), 9)
        except ProcessLookupError:
            pass
    for _ in range(200):
        try:
            os.rmdir(path)
            break
        except OSError:
            import time
            time.sleep(0.01)
    assert not os.path.exists(path)


def run_inside(cgroup, script, tmp_path):
    """Run a shell script in cgroup (joined before the script starts); its combined output."""
    proc = subprocess.Popen(["sh", "-c", "read go; " + script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
        f.write(str(proc.pid))
    out, _ = proc.communicate("go\n", timeout=10)
    return out


def attached(cgroup):
    fd = os.open(cgroup, os.O_RDONLY | os.O_DIRECTORY)
    try:
        return linux.bpf_prog_query(fd, linux.BPF_CGROUP_DEVICE)
    finally:
        os.close(fd)


def test_default_rules_allow_the_standard_devices_and_deny_others_even_with_mknod(unified_cgroup, tmp_path):
    # /dev/zero redefined in linux.devices: runc's default allow for it is dropped
    rules = devices.rules_from_config(config_with(devices=[{"path": "/dev/zero", "type": "c", "major": 1,
                                                            "minor": 5}]))
    v2.attach_device_filter(unified_cgroup, rules)
    assert len(attached(unified_cgroup)) == 1
    out = run_inside(unified_cgroup,
                     "(exec 3</dev/null) && echo null-ok; (exec 3</dev/zero) && echo zero-ok; "
                     "mknod mem c 1 1 && echo mknod-ok; (exec 3<mem) && echo mem-ok", tmp_path)
    # root with CAP_MKNOD: creating the node is allowed (c *:* m), opening it is not
    assert "null-ok" in out and "mknod-ok" in out
    assert "zero-ok" not in out and "mem-ok" not in out
    assert out.count("Operation not permitted") == 2, out


def test_update_replaces_the_program(unified_cgroup, tmp_path):
    v2.attach_device_filter(unified_cgroup, [devices.Rule("c", 1, 3, "rwm", True)])
    first = attached(unified_cgroup)
    assert "zero-ok" not in run_inside(unified_cgroup, "(exec 3</dev/zero) && echo zero-ok", tmp_path)
    v2.attach_device_filter(unified_cgroup, [devices.Rule("a", -1, -1, "rwm", True)])
    second = attached(unified_cgroup)
    assert len(second) == 1 and second != first
    assert "zero-ok" in run_inside(unified_cgroup, "(exec 3</dev/zero) && echo zero-ok", tmp_path)


def test_read_only_rule(unified_cgroup, tmp_path):
    v2.attach_device_filter(unified_cgroup, [devices.Rule("c", 1, 3, "r", True)])
    out = run_inside(unified_cgroup, "(exec 3</dev/null) && echo read-ok; (exec 3>/dev/null) && echo write-ok",
                     tmp_path)
    assert "read-ok" in out and "write-ok" not in out
