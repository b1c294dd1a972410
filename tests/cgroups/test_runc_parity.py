"""Side by side with runc on this host: the same config.json, created by Debian's runc and by pyrun's
v1 manager, must give the same cgroup paths (relative to the runtime's own cgroups) and the same values
in the v1 files that containerd and podman read."""

import json
import os

import pytest

from runtime import cgroups

from .conftest import needs_root, needs_v1, needs_v2, proc_cgroups, read, unique_id

pytestmark = [needs_root]

MiB = 1 << 20

FILES = [("memory", "memory.limit_in_bytes"), ("memory", "memory.memsw.limit_in_bytes"),
         ("memory", "memory.soft_limit_in_bytes"), ("memory", "memory.swappiness"),
         ("cpu", "cpu.shares"), ("cpu", "cpu.cfs_quota_us"), ("cpu", "cpu.cfs_period_us"),
         ("cpuset", "cpuset.cpus"), ("cpuset", "cpuset.mems"), ("pids", "pids.max"),
         ("blkio", "blkio.throttle.read_bps_device"), ("blkio", "blkio.throttle.write_iops_device"),
         ("devices", "devices.list")]


@needs_v1
def test_same_paths_and_v1_values_as_runc(make_bundle, runc, managers):
    major, minor = next(tuple(int(n) for n in read(f"/sys/block/{d}/dev").split(":"))
                        for d in sorted(os.listdir("/sys/block")) if not d.startswith(("loop", "ram", "zram")))
    bundle = make_bundle(args=("sleep", "30"))
    bundle.config["linux"].pop("cgroupsPath", None)      # runc's default: <own cgroup>/<id>
    bundle.config["linux"]["resources"].update({
        "memory": {"limit": 48 * MiB + 1000, "swap": 80 * MiB, "reservation": 24 * MiB, "swappiness": 30},
        "cpu": {"shares": 300, "quota": 30000, "period": 60000, "cpus": "0", "mems": "0"},
        "pids": {"limit": 33},
        "blockIO": {"throttleReadBpsDevice": [{"major": major, "minor": minor, "rate": 2 * MiB}],
                    "throttleWriteIOPSDevice": [{"major": major, "minor": minor, "rate": 55}]},
    })
    bundle.config["linux"]["resources"]["devices"].append(
        {"allow": True, "type": "b", "major": 7, "minor": 0, "access": "rw"})
    bundle.save()
    runc_id = runc.new_id("cgparity")
    runc("create", "--bundle", bundle.path, runc_id)
    runc_pid = json.loads(runc("state", runc_id).stdout)["pid"]
    runc_paths = proc_cgroups(runc_pid)

    ours_id = unique_id()
    m = managers(json.loads(json.dumps(bundle.config)), ours_id)
    m.create()
    own = cgroups.common.own_cgroups()
    # the same hierarchies, each at <own>/<id>
    assert set(m.paths) == set(runc_paths)
    for key, path in runc_paths.items():
        assert path == os.path.join(own[key], runc_id)
        assert m.paths[key].endswith(os.path.join(own[key], ours_id))
    base = {key: p[: -len(ours_id)] for key, p in m.paths.items()}
    for controller, name in FILES:
        key = next(k for k in m.paths if controller in k.split(","))
        theirs = read(os.path.join(base[key] + runc_id, name))
        ours = read(os.path.join(m.paths[key], name))
        assert sorted(ours.splitlines()) == sorted(theirs.splitlines()), f"{name}: runc {theirs!r}, pyrun {ours!r}"


V2_FILES = ["memory.max", "memory.swap.max", "memory.low", "cpu.weight", "cpu.max", "cpuset.cpus", "pids.max",
            "cgroup.procs"]


@pytest.mark.cgroupv2
@needs_v2
def test_same_path_and_v2_values_as_runc(make_bundle, runc, managers):
    bundle = make_bundle(args=("sleep", "30"))
    bundle.config["linux"].pop("cgroupsPath", None)      # runc's default: <parent of own cgroup>/<id>
    bundle.config["linux"]["resources"].update({
        "memory": {"limit": 48 * MiB + 1000, "swap": 80 * MiB, "reservation": 24 * MiB},
        "cpu": {"shares": 300, "quota": 30000, "period": 60000, "cpus": "0"},
        "pids": {"limit": 33},
    })
    bundle.save()
    runc_id = runc.new_id("cgparity")
    runc("create", "--bundle", bundle.path, runc_id)
    runc_path = proc_cgroups(json.loads(runc("state", runc_id).stdout)["pid"])[""]
    ours_id = unique_id()
    m = managers(json.loads(json.dumps(bundle.config)), ours_id)
    m.create()
    assert m.path == "/sys/fs/cgroup" + runc_path[: -len(runc_id)] + ours_id
    for name in V2_FILES:
        theirs_path = "/sys/fs/cgroup" + runc_path + "/" + name
        if not os.path.exists(theirs_path):
            continue
        theirs = read(theirs_path)
        ours = read(os.path.join(m.path, name))
        if name == "cgroup.procs":     # runc's holds its init; ours is empty until apply
            assert theirs.strip() and not ours.strip()
            continue
        assert ours == theirs, f"{name}: runc {theirs!r}, pyrun {ours!r}"


def device_program_tags(cgroup_dir):
    from runtime import linux
    fd = os.open(cgroup_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        tags = []
        for prog_id in linux.bpf_prog_query(fd, linux.BPF_CGROUP_DEVICE):
            prog = linux.bpf_prog_get_fd_by_id(prog_id)
            try:
                tags.append(linux.bpf_prog_tag(prog))
            finally:
                os.close(prog)
        return tags
    finally:
        os.close(fd)


@pytest.mark.cgroupv2
@needs_v2
@pytest.mark.parametrize("rules", [
    [],
    [{"allow": True, "type": "b", "major": 7, "access": "r"}, {"allow": True, "type": "c", "major": 1, "minor": 1,
                                                                "access": "rw"},
     {"allow": False, "type": "c", "major": 1, "minor": 9, "access": "rwm"}],
    [{"allow": True, "access": "rwm"}, {"allow": False, "type": "b", "major": 8, "minor": 0, "access": "rwm"}],
], ids=["defaults", "mixed", "privileged-but-one"])
def test_same_device_program_as_runc(make_bundle, runc, managers, rules):
    """The kernel's tag hashes a program's instructions: equal tags, the same program as runc's."""
    bundle = make_bundle(args=("sleep", "30"))
    bundle.config["linux"].pop("cgroupsPath", None)
    bundle.config["linux"]["resources"]["devices"] += rules
    bundle.save()
    runc_id = runc.new_id("cgbpf")
    runc("create", "--bundle", bundle.path, runc_id)
    runc_path = "/sys/fs/cgroup" + proc_cgroups(json.loads(runc("state", runc_id).stdout)["pid"])[""]
    m = managers(json.loads(json.dumps(bundle.config)))
    m.create()
    theirs, ours = device_program_tags(runc_path), device_program_tags(m.path)
    assert len(theirs) == 1 and ours == theirs
