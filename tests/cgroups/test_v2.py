"""The v2 manager on a pure cgroup v2 host (the test VM of tests/vm): resources written and read back,
and each limit seen to bite: OOM kill, fork limit, CPU throttling, io.max, freezing, cgroup.kill and the
eBPF device filter. Skipped elsewhere; run them with
    .venv/bin/python3 -m tests.vm.run -- .venv/bin/python3 -m pytest -q -m cgroupv2 tests/cgroups
"""

import json
import os
import shutil
import signal
import subprocess

import pytest

from runtime import cgroups
from runtime.errors import CgroupError, ConfigError

from .conftest import (child_joining, config_with, needs_root, needs_v2, proc_cgroups, read, start_inside,
                       unique_id, wait_for)

pytestmark = [pytest.mark.cgroupv2, needs_root, needs_v2]

MiB = 1 << 20


def keyed(path):
    return {k: int(v) for k, v in (line.split() for line in read(path).splitlines() if len(line.split()) == 2)}


def test_resources_are_written_read_back_and_the_init_joins(managers, spawn):
    cid = unique_id()
    resources = {
        "memory": {"limit": 64 * MiB, "reservation": 16 * MiB + 123},
        "cpu": {"shares": 512, "quota": 50000, "period": 100000, "burst": 1000, "cpus": "0", "mems": "0"},
        "pids": {"limit": 42},
        "unified": {"memory.high": "50000000"},
    }
    m = managers(config_with(resources, cgroups_path="/" + cid))
    swap = os.path.exists("/sys/fs/cgroup/init/memory.swap.max") or \
        os.path.exists("/sys/fs/cgroup/memory.swap.max")
    if swap:
        m.resources["memory"]["swap"] = 96 * MiB
    hugetlb = os.path.exists("/sys/kernel/mm/hugepages/hugepages-2048kB")
    if hugetlb:
        m.resources["hugepageLimits"] = [{"pageSize": "2MB", "limit": 5 * MiB}]
    m.create()
    p = m.path
    assert p == f"/sys/fs/cgroup/{cid}"
    proc = start_inside(spawn, m)
    assert proc_cgroups(proc.pid) == {"": "/" + cid}
    assert read(f"{p}/memory.max").strip() == str(64 * MiB)
    assert read(f"{p}/memory.low").strip() == str(16 * MiB)
    assert read(f"{p}/memory.high").strip() == str(50000000 // 4096 * 4096)
    if swap:
        assert read(f"{p}/memory.swap.max").strip() == str(32 * MiB)     # swap is memory+swap in OCI
    assert read(f"{p}/cpu.weight").strip() == "20"                      # runc's shares -> weight
    assert read(f"{p}/cpu.max").strip() == "50000 100000"
    assert read(f"{p}/cpu.max.burst").strip() == "1000"
    assert read(f"{p}/cpuset.cpus").strip() == "0"
    assert read(f"{p}/pids.max").strip() == "42"
    if hugetlb:
        assert read(f"{p}/hugetlb.2MB.max").strip() == str(4 * MiB)    # rounded down to whole pages
    for controller in ("cpu", "memory", "pids", "cpuset"):
        assert controller in read("/sys/fs/cgroup/cgroup.subtree_control").split()
        assert controller in read(f"{p}/cgroup.controllers").split()
    stats = m.stats()
    assert stats["pids"]["current"] == 1 and stats["memory"]["usage"]["limit"] == 64 * MiB


def test_nested_path_enables_controllers_in_each_parent(managers, spawn):
    top = unique_id()
    m = managers(config_with({"pids": {"limit": 7}}, cgroups_path=f"/{top}/a/b"))
    m.create()
    for parent in (f"/sys/fs/cgroup/{top}", f"/sys/fs/cgroup/{top}/a"):
        assert {"pids", "memory", "cpu"} <= set(read(f"{parent}/cgroup.subtree_control").split())
    start_inside(spawn, m)
    assert read(f"{m.path}/pids.current").strip() == "1"
    m.destroy()
    assert not os.path.exists(m.path)
    os.rmdir(f"/sys/fs/cgroup/{top}/a")
    os.rmdir(f"/sys/fs/cgroup/{top}")


def test_memory_max_oom_kills_and_counts(managers, spawn):
    m = managers(config_with({"memory": {"limit": 16 * MiB, "swap": 16 * MiB}}, cgroups_path="/" + unique_id()))
    m.create()
    assert m.oom_kills() == 0
    proc = start_inside(spawn, m, "exec tail /dev/zero", stdout=subprocess.DEVNULL)
    assert proc.wait(timeout=120) == -signal.SIGKILL
    assert keyed(f"{m.path}/memory.events")["oom_kill"] >= 1 and m.oom_kills() >= 1


def test_pids_max_stops_a_fork_loop(managers, spawn):
    m = managers(config_with({"pids": {"limit": 5}}, cgroups_path="/" + unique_id()))
    m.create()
    proc = start_inside(spawn, m, "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 30 & done; echo forked; exec sleep 30",
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert wait_for(lambda: keyed(f"{m.path}/pids.events").get("max", 0) > 0, timeout=60)
    assert int(read(f"{m.path}/pids.current")) <= 5
    assert len(m.pids()) <= 5
    m.destroy()
    # the shell either gave up on a failed fork (dash exits 2) or was killed by destroy
    assert proc.wait(timeout=30) in (2, -signal.SIGKILL)


def test_cpu_max_throttles(managers, spawn):
    m = managers(config_with({"cpu": {"quota": 5000, "period": 100000}}, cgroups_path="/" + unique_id()))
    m.create()
    start_inside(spawn, m, "while :; do :; done")
    assert wait_for(lambda: keyed(f"{m.path}/cpu.stat").get("nr_throttled", 0) > 0, timeout=60)
    assert m.stats()["cpu"]["throttling"]["throttledPeriods"] > 0


@pytest.fixture
def loop_device(tmp_path):
    losetup = shutil.which("losetup")
    if losetup is None or not os.path.exists("/dev/loop-control"):
        pytest.skip("no losetup or no loop driver")
    image = tmp_path / "disk.img"
    with open(image, "wb") as f:
        f.truncate(8 * MiB)
    made = subprocess.run([losetup, "--find", "--show", str(image)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot make a loop device: {made.stderr.strip()}")
    dev = made.stdout.strip()
    yield dev, tuple(int(n) for n in read(f"/sys/block/{os.path.basename(dev)}/dev").split(":"))
    subprocess.run([losetup, "-d", dev])


def test_io_max_on_a_loop_device(managers, spawn, loop_device):
    dev, (major, minor) = loop_device
    # a per-device weight needs bfq or io.cost on the device; the VM's loop device has neither: refused
    bad = managers(config_with({"blockIO": {"weightDevice": [{"major": major, "minor": minor, "weight": 200}]}},
                               cgroups_path="/" + unique_id()))
    with pytest.raises(CgroupError, match=r"linux.resources.blockIO.weightDevice\[0\]"):
        bad.create()
    assert not os.path.exists(bad.path)
    m = managers(config_with({"blockIO": {"weight": 500,
                                          "throttleReadBpsDevice": [{"major": major, "minor": minor, "rate": MiB}],
                                          "throttleWriteIOPSDevice": [{"major": major, "minor": minor,
                                                                       "rate": 100}]},
                              # the device filter must let it be read at all
                              "devices": [{"allow": True, "type": "b", "major": major, "minor": minor,
                                           "access": "r"}]},
                             cgroups_path="/" + unique_id()))
    m.create()
    weights = read(f"{m.path}/io.weight").splitlines()        # no bfq in the VM: io.weight, converted
    assert "default 4950" in weights, weights
    line = [ln for ln in read(f"{m.path}/io.max").splitlines() if ln.startswith(f"{major}:{minor} ")]
    assert line and "rbps=1048576" in line[0] and "wiops=100" in line[0]
    # reading 3 MiB at 1 MiB/s takes time; only check it is throttled (>= 1 s), not how precisely
    proc = start_inside(spawn, m, f"exec dd if={dev} of=/dev/null bs=64k count=48",
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    import time
    start = time.monotonic()
    out = proc.stdout.read()
    assert proc.wait(timeout=120) == 0, out
    assert time.monotonic() - start >= 1.0


def test_freeze_and_thaw(managers, spawn):
    m = managers(config_with(cgroups_path="/" + unique_id()))
    m.create()
    proc = start_inside(spawn, m, "while :; do :; done")
    m.freeze()
    assert m.is_frozen() and keyed(f"{m.path}/cgroup.events")["frozen"] == 1
    before = m.stats()["cpu"]["usage"].get("total", 0)
    import time
    time.sleep(0.3)
    assert m.stats()["cpu"]["usage"].get("total", 0) == before        # no CPU while frozen
    m.thaw()
    assert not m.is_frozen() and keyed(f"{m.path}/cgroup.events")["frozen"] == 0
    assert wait_for(lambda: m.stats()["cpu"]["usage"].get("total", 0) > before, timeout=30)
    m.signal_all(signal.SIGTERM)
    assert proc.wait(timeout=30) == -signal.SIGTERM


def test_destroy_kills_with_cgroup_kill_and_removes_the_tree(managers, spawn):
    m = managers(config_with(cgroups_path="/" + unique_id()))
    m.create()
    procs = [start_inside(spawn, m), start_inside(spawn, m)]
    os.mkdir(f"{m.path}/sub")    # a cgroup the container made below its own
    again = cgroups.load(json.loads(json.dumps(m.saved())))
    again.destroy()
    assert [p.wait(timeout=30) for p in procs] == [-signal.SIGKILL, -signal.SIGKILL]
    assert not os.path.exists(m.path)
    again.destroy()


def test_device_filter_denies_an_open(managers, spawn, tmp_path):
    m = managers(config_with(cgroups_path="/" + unique_id(),
                             devices=[{"path": "/dev/zero", "type": "c", "major": 1, "minor": 5}]))
    m.create()
    proc = start_inside(spawn, m, "(exec 3</dev/null) && echo null-ok; (exec 3</dev/zero) && echo zero-ok; "
                        "mknod mem c 1 1 && echo mknod-ok; (exec 3<mem) && echo mem-ok",
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    out = proc.stdout.read()
    proc.wait(timeout=60)
    assert "null-ok" in out and "mknod-ok" in out and "zero-ok" not in out and "mem-ok" not in out, out
    # update: allow /dev/zero; the new program replaces the old one
    m.update({"devices": [{"allow": True, "type": "c", "major": 1, "minor": 5, "access": "r"}]})
    proc = start_inside(spawn, m, "(exec 3</dev/zero) && echo zero-ok; (exec 3>/dev/zero) && echo zero-w-ok",
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read()
    proc.wait(timeout=60)
    assert "zero-ok" in out and "zero-w-ok" not in out, out


@pytest.mark.parametrize("resources, field", [
    ({"memory": {"kernel": 64 * MiB}}, "linux.resources.memory.kernel"),
    ({"cpu": {"cpus": "0-999"}}, "linux.resources.cpu.cpus"),
    ({"cpu": {"shares": 1 << 20}}, "linux.resources.cpu.shares"),
    ({"unified": {"../cgroup.procs": "1"}}, "plain file name"),
    ({"unified": {"nosuch.max": "1"}}, "nosuch"),
    ({"memory": {"limit": 64 * MiB, "swap": 32 * MiB}}, "linux.resources.memory.swap"),
    ({"rdma": {"nosuchdev0": {"hcaHandles": 1}}}, "linux.resources.rdma"),
    ({"hugepageLimits": [{"pageSize": "3MB", "limit": 0}]}, "linux.resources.hugepageLimits"),
    ({"network": {"classID": 7}}, "linux.resources.network"),
])
def test_a_failed_create_names_the_field_and_leaves_nothing(managers, resources, field):
    top = unique_id()
    m = managers(config_with(resources, cgroups_path=f"/{top}/inner"))
    with pytest.raises((CgroupError, ConfigError), match=field):
        m.create()
    assert not os.path.exists(f"/sys/fs/cgroup/{top}")


def test_update_merges_and_checks_before_update(managers, spawn):
    m = managers(config_with({"memory": {"limit": 64 * MiB}, "pids": {"limit": 10}}, cgroups_path="/" + unique_id()))
    m.create()
    start_inside(spawn, m)
    assert wait_for(lambda: int(read(f"{m.path}/memory.current")) > 8192)
    m.update({"memory": {"limit": 128 * MiB}, "cpu": {"quota": 20000}})
    assert read(f"{m.path}/memory.max").strip() == str(128 * MiB)
    assert read(f"{m.path}/cpu.max").split()[0] == "20000"
    assert read(f"{m.path}/pids.max").strip() == "10"
    with pytest.raises(CgroupError, match="checkBeforeUpdate"):
        m.update({"memory": {"limit": 8192, "checkBeforeUpdate": True}})
    assert read(f"{m.path}/memory.max").strip() == str(128 * MiB)
    # swap alone: converted against the saved limit (memory.swap.max = swap - limit)
    if os.path.exists(f"{m.path}/memory.swap.max"):
        m.update({"memory": {"swap": 160 * MiB}})
        assert read(f"{m.path}/memory.swap.max").strip() == str(32 * MiB)


@pytest.mark.parametrize("clone_into", [False, True], ids=["fork", "clone3-into-cgroup"])
def test_a_child_joins_by_itself(managers, clone_into):
    cid = unique_id()
    m = managers(config_with(cgroups_path="/" + cid))
    m.create()
    pid, report = child_joining(m, clone_into)
    try:
        assert report == "joined" and proc_cgroups(pid) == {"": "/" + cid}
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def test_signals_to_a_paused_container(managers, spawn):
    m = managers(config_with(cgroups_path="/" + unique_id()))
    m.create()
    procs = [start_inside(spawn, m), start_inside(spawn, m)]
    m.freeze()
    # unlike v1, the v2 freezer lets a fatal signal through: they die, the cgroup stays frozen
    m.signal_all(signal.SIGTERM)
    assert [p.wait(timeout=30) for p in procs] == [-signal.SIGTERM, -signal.SIGTERM]
    assert m.is_frozen()
    m.thaw()
    proc = start_inside(spawn, m)
    m.freeze()
    m.signal_all(signal.SIGKILL)        # cgroup.kill: frozen tasks die too
    assert proc.wait(timeout=30) == -signal.SIGKILL


def test_an_existing_cgroup_with_processes_is_refused_and_left_alone(managers, spawn):
    """linux.cgroupsPath naming a cgroup that already holds processes (a host service's, or below
    it): create refuses it before writing a limit there (runc 1.2), so a delete can never kill
    and remove what is not the container's."""
    path = "/" + unique_id()
    service = managers(config_with({}, cgroups_path=path))
    service.create()
    proc = start_inside(spawn, service)
    before = read(os.path.join(service.path, "pids.max")) if os.path.exists(os.path.join(service.path, "pids.max")) else None
    container = managers(config_with({"pids": {"limit": 7}}, cgroups_path=path))
    with pytest.raises(CgroupError, match="container's cgroup is not empty: 1 process"):
        container.create()
    assert proc.poll() is None and os.path.isdir(service.path)
    if before is not None:
        assert read(os.path.join(service.path, "pids.max")) == before
