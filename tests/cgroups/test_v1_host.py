"""The v1 manager on this hybrid host, for real: forked processes in real cgroups, checked through
/proc/PID/cgroup and the v1 files. Every test's cgroups are destroyed and checked to be gone."""

import json
import os
import signal
import subprocess

import pytest

from runtime import cgroups
from runtime.errors import CgroupError, ConfigError

from .conftest import (child_joining, config_with, needs_root, needs_v1, proc_cgroups, proc_state, read, start_inside,
                       unique_id, wait_for)

pytestmark = [needs_root, needs_v1]

MiB = 1 << 20


def block_device():
    """major, minor of a real block device of this host (for blkio throttles)."""
    for name in sorted(os.listdir("/sys/block")):
        if not name.startswith(("loop", "ram", "zram")):
            return tuple(int(n) for n in read(f"/sys/block/{name}/dev").split(":"))
    pytest.skip("no block device")


def test_apply_puts_the_init_in_every_hierarchy_and_writes_the_resources(managers, spawn):
    # an absolute path: the same path from the root of every hierarchy (the other tests use relative
    # ones, which keep the memory cgroup under the machine supervisor's)
    major, minor = block_device()
    cid = unique_id()
    m = managers(config_with({
        "memory": {"limit": 64 * MiB, "swap": 96 * MiB, "reservation": 32 * MiB + 100},
        "cpu": {"shares": 512, "quota": 50000, "period": 100000, "burst": 1000, "cpus": "0", "mems": "0"},
        "pids": {"limit": 42},
        "blockIO": {"weight": 300, "weightDevice": [],
                    "throttleReadBpsDevice": [{"major": major, "minor": minor, "rate": MiB}],
                    "throttleWriteIOPSDevice": [{"major": major, "minor": minor, "rate": 77}]},
    }, cgroups_path="/" + cid))
    m.create()
    proc = start_inside(spawn, m)
    joined = proc_cgroups(proc.pid)
    # every hierarchy this host mounts, named ones and the hybrid's cgroup2 included
    assert set(joined) == set(m.paths)
    assert all(path == "/" + cid for path in joined.values()), joined
    mem, cpu = m.paths["memory"], m._path("cpu")
    assert int(read(f"{mem}/memory.limit_in_bytes")) == 64 * MiB
    assert int(read(f"{mem}/memory.memsw.limit_in_bytes")) == 96 * MiB
    assert int(read(f"{mem}/memory.soft_limit_in_bytes")) == 32 * MiB   # rounded down to a page
    assert read(f"{cpu}/cpu.shares").strip() == "512"
    assert read(f"{cpu}/cpu.cfs_quota_us").strip() == "50000"
    assert read(f"{cpu}/cpu.cfs_period_us").strip() == "100000"
    assert read(f"{cpu}/cpu.cfs_burst_us").strip() == "1000"
    assert read(f"{m._path('cpuset')}/cpuset.cpus").strip() == "0"
    assert read(f"{m._path('pids')}/pids.max").strip() == "42"
    blkio = m._path("blkio")
    weight_file = "blkio.weight" if os.path.exists(f"{blkio}/blkio.weight") else "blkio.bfq.weight"
    assert "300" in read(f"{blkio}/{weight_file}").split()
    assert f"{major}:{minor} {MiB}" in read(f"{blkio}/blkio.throttle.read_bps_device")
    assert f"{major}:{minor} 77" in read(f"{blkio}/blkio.throttle.write_iops_device")
    devices_list = read(f"{m._path('devices')}/devices.list").split("\n")
    assert "a *:* rwm" not in devices_list and "c 1:3 rwm" in devices_list and "c 136:* rwm" in devices_list
    assert m.pids() == [proc.pid]
    assert wait_for(lambda: m.stats()["memory"]["usage"].get("usage", 0) > 0)
    stats = m.stats()
    # runc's events --stats shape (types/events.go)
    assert set(stats) == {"cpu", "cpuset", "memory", "pids", "blkio", "hugetlb"}
    assert {"kernel", "user"} <= set(stats["cpu"]["usage"]) and "throttling" in stats["cpu"]
    assert stats["cpuset"]["cpus"] == [0] and stats["cpuset"]["mems"] == [0]
    assert {"usage", "swap", "kernel", "kernelTCP"} <= set(stats["memory"])
    assert stats["memory"]["swap"]["limit"] == 96 * MiB
    assert stats["pids"] == {"current": 1, "limit": 42}
    assert stats["memory"]["usage"]["limit"] == 64 * MiB and stats["memory"]["usage"]["usage"] > 0


def test_default_and_relative_paths_sit_under_our_own_cgroups(managers, spawn):
    cid = unique_id()
    m = managers(config_with(cgroups_path=None), cid)
    own = cgroups.common.own_cgroups()
    m.create()
    proc = spawn()
    m.apply(proc.pid)
    joined = proc_cgroups(proc.pid)
    for key in m.paths:
        assert joined[key] == os.path.join(own[key], cid)
    # the memory hierarchy here is the supervisor's: our own memory cgroup is not the root
    assert own["memory"] != "/" and joined["memory"].startswith(own["memory"] + "/")


def test_systemd_cgroups_path_is_refused():
    with pytest.raises(ConfigError, match="slice:prefix:name"):
        cgroups.new_manager(config_with(cgroups_path="system.slice:pyrun:x1"), "x1")


def test_device_rules_are_enforced(managers, spawn):
    # linux.devices redefines /dev/zero, so runc's default allow for it is dropped: no rule allows it
    m = managers(config_with(cgroups_path=unique_id(),
                             devices=[{"path": "/dev/zero", "type": "c", "major": 1, "minor": 5}]))
    m.create()
    assert "c 1:5 rwm" not in read(f"{m._path('devices')}/devices.list")
    proc = spawn("sh", "-c", "read go; (exec 3</dev/null) && echo null-ok; (exec 3</dev/zero) && echo zero-ok",
                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    m.apply(proc.pid)
    out, _ = proc.communicate("go\n", timeout=10)
    assert "null-ok" in out and "zero-ok" not in out and "Operation not permitted" in out
    # update: read access to /dev/zero only; linux.devices still redefines it, so no default comes back
    m.update({"devices": [{"allow": True, "type": "c", "major": 1, "minor": 5, "access": "r"}]})
    assert "c 1:5 r" in read(f"{m._path('devices')}/devices.list").splitlines()
    proc = start_inside(spawn, m, "(exec 3</dev/zero) && echo zero-ok; (exec 3>/dev/zero) && echo zero-w-ok",
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read()
    proc.wait(timeout=10)
    assert "zero-ok" in out and "zero-w-ok" not in out, out


def test_freeze_thaw_and_signal_all(managers, spawn):
    m = managers(config_with(cgroups_path=unique_id()))
    m.create()
    procs = [spawn(), spawn()]
    for p in procs:
        m.apply(p.pid)
    m.freeze()
    assert m.is_frozen() and read(f"{m._path('freezer')}/freezer.state").strip() == "FROZEN"
    assert all(proc_state(p.pid) == "D" for p in procs)       # v1 frozen tasks sleep uninterruptibly
    m.thaw()
    assert not m.is_frozen() and read(f"{m._path('freezer')}/freezer.state").strip() == "THAWED"
    assert wait_for(lambda: all(proc_state(p.pid) == "S" for p in procs))
    m.signal_all(signal.SIGTERM)
    assert [p.wait(timeout=5) for p in procs] == [-signal.SIGTERM, -signal.SIGTERM]
    assert not m.is_frozen()


def test_destroy_kills_what_is_left_and_removes_every_directory(managers, spawn):
    m = managers(config_with(cgroups_path=f"{unique_id()}/nested"))
    m.create()
    proc = spawn()
    m.apply(proc.pid)
    # a cgroup the container made for itself below its own
    os.mkdir(os.path.join(m._path("pids"), "child"))
    m.destroy()
    assert proc.wait(timeout=5) == -signal.SIGKILL
    assert not any(os.path.exists(p) for p in m.paths.values())
    m.destroy()   # twice is fine
    for path in m.paths.values():   # the parent it made stays, as with runc; remove it here
        os.rmdir(os.path.dirname(path))


@pytest.mark.parametrize("resources, field", [
    ({"cpu": {"shares": 1}}, "minimum allowed cpu-shares is 2"),            # kernel clamps: read back differs
    ({"cpu": {"cpus": "0-999"}}, "linux.resources.cpu.cpus"),               # kernel refuses
    ({"memory": {"limit": 64 * MiB, "swap": 32 * MiB}}, "linux.resources.memory.swap"),
    ({"hugepageLimits": [{"pageSize": "2MB", "limit": 4 * MiB}]}, "linux.resources.hugepageLimits"),
    ({"rdma": {"mlx5_0": {"hcaHandles": 1}}}, "linux.resources.rdma"),      # no rdma hierarchy here
    ({"unified": {"memory.high": "1000000"}}, "linux.resources.unified"),
    ({"devices": [{"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
                  {"allow": True, "type": "c", "access": "rwm"},
                  {"allow": False, "type": "c", "major": 1, "minor": 3, "access": "r"}]}, "punch a hole"),
])
def test_a_failed_create_names_the_field_and_leaves_nothing(managers, resources, field):
    top = unique_id()
    m = managers(config_with(resources, cgroups_path=f"{top}/inner"))
    with pytest.raises((CgroupError, ConfigError), match=field):
        m.create()
    for path in m.paths.values():
        assert not os.path.exists(path) and not os.path.exists(os.path.dirname(path)), path


def test_update_and_check_before_update(managers, spawn):
    m = managers(config_with({"memory": {"limit": 64 * MiB}, "pids": {"limit": 10}},
                             cgroups_path=unique_id()))
    m.create()
    # v1 charges only what is allocated after the move: exec sleep once inside
    start_inside(spawn, m)
    assert wait_for(lambda: m.stats()["memory"]["usage"].get("usage", 0) > 8192)
    m.update({"memory": {"limit": 128 * MiB}, "cpu": {"quota": 20000, "period": 50000}})
    assert int(read(f"{m.paths['memory']}/memory.limit_in_bytes")) == 128 * MiB
    assert read(f"{m._path('cpu')}/cpu.cfs_quota_us").strip() == "20000"
    assert read(f"{m._path('pids')}/pids.max").strip() == "10"        # untouched
    assert m.saved()["resources"]["memory"]["limit"] == 128 * MiB
    # below what the process already uses: refused when asked to check
    with pytest.raises(CgroupError, match="checkBeforeUpdate"):
        m.update({"memory": {"limit": 8192, "checkBeforeUpdate": True}})
    assert int(read(f"{m.paths['memory']}/memory.limit_in_bytes")) == 128 * MiB
    with pytest.raises(ConfigError, match="pids.limit: must be an integer"):
        m.update({"pids": {"limit": "12"}})
    assert read(f"{m._path('pids')}/pids.max").strip() == "10"
    # swap alone, then a limit above the old memory+swap: written in the order the kernel accepts
    m.update({"memory": {"swap": 160 * MiB}})
    assert int(read(f"{m.paths['memory']}/memory.memsw.limit_in_bytes")) == 160 * MiB
    m.update({"memory": {"limit": 200 * MiB, "swap": 256 * MiB}})
    assert int(read(f"{m.paths['memory']}/memory.limit_in_bytes")) == 200 * MiB
    assert int(read(f"{m.paths['memory']}/memory.memsw.limit_in_bytes")) == 256 * MiB
    # devices: a rule added on update shows up, through the minimal transition
    m.update({"devices": [{"allow": True, "type": "b", "major": 7, "minor": 0, "access": "r"}]})
    assert "b 7:0 r" in read(f"{m._path('devices')}/devices.list")


def test_saved_state_rebuilds_the_manager(managers, spawn):
    m = managers(config_with({"pids": {"limit": 5}}, cgroups_path=unique_id()))
    m.create()
    proc = spawn()
    m.apply(proc.pid)
    again = cgroups.load(json.loads(json.dumps(m.saved())))
    assert again.saved() == json.loads(json.dumps(m.saved()))
    assert again.pids() == [proc.pid]
    again.freeze()
    assert m.is_frozen()
    again.thaw()
    again.destroy()
    assert proc.wait(timeout=5) == -signal.SIGKILL
    assert not any(os.path.exists(p) for p in m.paths.values())


def test_memory_limit_oom_kills_and_is_counted(managers, spawn):
    m = managers(config_with({"memory": {"limit": 16 * MiB, "swap": 16 * MiB}}, cgroups_path=unique_id()))
    m.create()
    assert m.oom_kills() == 0
    # tail keeps everything after the last newline: /dev/zero has none, so it grows until killed
    proc = start_inside(spawn, m, "exec tail /dev/zero", stdout=subprocess.DEVNULL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    assert m.oom_kills() >= 1


@pytest.mark.parametrize("clone_into", [False, True], ids=["fork", "clone3-into-cgroup"])
def test_a_child_joins_by_itself(managers, clone_into):
    cid = unique_id()
    m = managers(config_with({"pids": {"limit": 9}}, cgroups_path=cid))
    m.create()
    if clone_into and m.clone_into_path() is None:
        pytest.skip("no cgroup2 hierarchy on this host")
    own = cgroups.common.own_cgroups()
    pid, report = child_joining(m, clone_into)
    try:
        assert report == "joined"
        joined = proc_cgroups(pid)
        assert joined == {key: os.path.join(own[key], cid) for key in m.paths}, joined
        assert m.pids() == [pid]
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def test_signals_to_a_paused_container(managers, spawn):
    m = managers(config_with(cgroups_path=unique_id()))
    m.create()
    procs = [start_inside(spawn, m), start_inside(spawn, m)]
    m.freeze()
    # SIGTERM while paused: delivered, acted on at resume; the container stays paused meanwhile
    m.signal_all(signal.SIGTERM)
    assert m.is_frozen() and all(p.poll() is None for p in procs)
    m.thaw()
    assert [p.wait(timeout=5) for p in procs] == [-signal.SIGTERM, -signal.SIGTERM]


def test_sigkill_to_a_paused_container_thaws_it_so_it_dies(managers, spawn):
    m = managers(config_with(cgroups_path=unique_id()))
    m.create()
    proc = start_inside(spawn, m)
    m.freeze()
    m.signal_all(signal.SIGKILL)
    assert proc.wait(timeout=5) == -signal.SIGKILL
    assert not m.is_frozen()


def test_rootless_gets_no_cgroup_on_v1():
    assert cgroups.new_manager(config_with(cgroups_path=unique_id()), "x", rootless=True) is None
