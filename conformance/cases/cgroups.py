"""Control groups (config-linux.md#control-groups): the cgroupsPath placement and each resource,
read back from the cgroup files on the host (the container process's own cgroup, found through
/proc/PID/cgroup) and, where it matters, from inside through a cgroup mount. v1 cases run on v1
and hybrid hosts, v2 cases on unified hosts; the others skip with the reason."""

import os

from conformance import host
from conformance.registry import area, case

area("cgroups", "cgroup v1 and v2 resources")

MiB = 1024 * 1024


def _running(t, b, script="echo up; exec sleep 30"):
    b.sh(script)
    c = t.create(b)
    c.start()
    c.wait_output("up")
    return c


def _v1(t, c, controller, name):
    d = host.cgroup_dir(c.pid, controller)
    t.check(d, f"the container process is in no {controller} cgroup")
    return host.read(os.path.join(d, name)).strip()


def _v2(t, c, name):
    d = host.cgroup_dir(c.pid, "")
    t.check(d, "the container process is in no cgroup v2 cgroup")
    return host.read(os.path.join(d, name)).strip()


# ------------------------------------------------------------------ placement
@case("cgroups.path_v1", "config-linux.md#cgroups-path", "MUST",
      "an absolute cgroupsPath is taken relative to each v1 hierarchy's mount point")
def path_v1(t):
    t.need_v1_host()
    b = t.bundle()
    c = _running(t, b)
    want = b.linux["cgroupsPath"]
    got = host.proc_cgroups(c.pid)
    for ctrl in ("memory", "pids", "cpu", "devices", "freezer"):
        if host.cgroup_mounts().get(ctrl):
            t.eq(got.get(ctrl), want, f"{ctrl} cgroup of the container process")


@case("cgroups.path_v2", "config-linux.md#cgroups-path", "MUST",
      "an absolute cgroupsPath is taken relative to the cgroup2 mount point")
def path_v2(t):
    t.need_v2()
    b = t.bundle()
    c = _running(t, b)
    t.eq(host.proc_cgroups(c.pid).get(""), b.linux["cgroupsPath"], "v2 cgroup of the container process")


@case("cgroups.inside_view", "config-linux.md#control-groups", "MUST",
      "inside (cgroup namespace + cgroup mount), the container reads its own limits")
def inside_view(t):
    b = t.bundle()
    b.namespace("cgroup")
    b.mount("/sys/fs/cgroup", "cgroup", "cgroup", ["nosuid", "noexec", "nodev", "relatime", "ro"])
    b.resources["pids"] = {"limit": 77}
    if host.cgroup_version() == "v2":
        t.need_v2("pids")
        b.sh("cat /sys/fs/cgroup/pids.max")
    else:
        t.need_v1("pids")
        b.sh("cat /sys/fs/cgroup/pids/pids.max")
    t.eq(t.run(b).output().strip(), "77", "pids.max read inside the container")


# ------------------------------------------------------------------ v1
@case("cgroups.v1_memory", "config-linux.md#memory", "MUST",
      "memory limit and reservation land in memory.limit_in_bytes and memory.soft_limit_in_bytes")
def v1_memory(t):
    t.need_v1("memory")
    b = t.bundle()
    b.resources["memory"] = {"limit": 64 * MiB, "reservation": 32 * MiB}
    c = _running(t, b)
    t.eq(_v1(t, c, "memory", "memory.limit_in_bytes"), str(64 * MiB), "memory.limit_in_bytes")
    t.eq(_v1(t, c, "memory", "memory.soft_limit_in_bytes"), str(32 * MiB), "memory.soft_limit_in_bytes")


@case("cgroups.v1_memory_swap", "config-linux.md#memory", "MUST",
      "memory swap lands in memory.memsw.limit_in_bytes")
def v1_memory_swap(t):
    t.need_v1("memory", "memory.memsw.limit_in_bytes")
    b = t.bundle()
    b.resources["memory"] = {"limit": 64 * MiB, "swap": 96 * MiB}
    c = _running(t, b)
    t.eq(_v1(t, c, "memory", "memory.memsw.limit_in_bytes"), str(96 * MiB), "memory.memsw.limit_in_bytes")


@case("cgroups.v1_memory_swappiness", "config-linux.md#memory", "MUST",
      "memory swappiness lands in memory.swappiness")
def v1_memory_swappiness(t):
    t.need_v1("memory", "memory.swappiness")
    b = t.bundle()
    b.resources["memory"] = {"swappiness": 17}
    t.eq(_v1(t, _running(t, b), "memory", "memory.swappiness"), "17", "memory.swappiness")


@case("cgroups.v1_memory_disable_oom_killer", "config-linux.md#memory", "MUST",
      "disableOOMKiller true sets oom_kill_disable in memory.oom_control")
def v1_memory_disable_oom_killer(t):
    t.need_v1("memory", "memory.oom_control")
    b = t.bundle()
    b.resources["memory"] = {"limit": 64 * MiB, "disableOOMKiller": True}
    control = _v1(t, _running(t, b), "memory", "memory.oom_control").splitlines()
    t.check("oom_kill_disable 1" in control, f"memory.oom_control: {control}")


@case("cgroups.v1_pids_unlimited", "config-linux.md#pids", "MUST",
      "pids limit -1 (unlimited) leaves pids.max at 'max'")
def v1_pids_unlimited(t):
    t.need_v1("pids")
    b = t.bundle()
    b.resources["pids"] = {"limit": -1}
    t.eq(_v1(t, _running(t, b), "pids", "pids.max"), "max", "pids.max")


@case("cgroups.v1_memory_enforced", "config-linux.md#memory", "MUST",
      "a process going over the memory limit is OOM-killed")
def v1_memory_enforced(t):
    t.need_v1("memory")
    b = t.bundle(args=["sh", "-c", 'x="$(head -c 96m /dev/zero | tr "\\0" a)"; echo survived'])
    b.resources["memory"] = {"limit": 16 * MiB}
    c = t.create(b)
    d = host.cgroup_dir(c.pid, "memory")
    c.start()
    c.wait(20)
    t.check("survived" not in c.output(), "96 MiB were held under a 16 MiB limit")
    oom = dict(line.split() for line in host.read(os.path.join(d, "memory.oom_control")).splitlines())
    t.check(oom.get("oom_kill", "1") != "0", "the process died but no OOM kill was counted")


@case("cgroups.v1_cpu", "config-linux.md#cpu", "MUST",
      "cpu shares, quota and period land in cpu.shares, cpu.cfs_quota_us and cpu.cfs_period_us")
def v1_cpu(t):
    t.need_v1("cpu", "cpu.cfs_quota_us")
    b = t.bundle()
    b.resources["cpu"] = {"shares": 512, "quota": 50000, "period": 100000}
    c = _running(t, b)
    got = [_v1(t, c, "cpu", f) for f in ("cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us")]
    t.eq(got, ["512", "50000", "100000"], "cpu.shares, cpu.cfs_quota_us, cpu.cfs_period_us")


@case("cgroups.v1_cpuset", "config-linux.md#cpu", "MUST",
      "cpus and mems land in cpuset.cpus / cpuset.mems and bind the process")
def v1_cpuset(t):
    t.need_v1("cpuset")
    b = t.bundle()
    b.resources["cpu"] = {"cpus": "0", "mems": "0"}
    c = _running(t, b, "grep Cpus_allowed_list /proc/self/status; echo up; exec sleep 30")
    t.eq((_v1(t, c, "cpuset", "cpuset.cpus"), _v1(t, c, "cpuset", "cpuset.mems")), ("0", "0"), "cpuset.cpus, cpuset.mems")
    t.check("Cpus_allowed_list:\t0\n" in c.output(), f"the process's allowed cpus: {c.output()!r}")


@case("cgroups.v1_pids", "config-linux.md#pids", "MUST",
      "pids limit lands in pids.max and stops forks beyond it")
def v1_pids(t):
    t.need_v1("pids")
    b = t.bundle()
    b.resources["pids"] = {"limit": 10}
    c = _running(t, b, "(for i in $(seq 20); do sleep 30 & done) 2>/dev/null; echo up; exec sleep 30")
    t.eq(_v1(t, c, "pids", "pids.max"), "10", "pids.max")
    current = int(_v1(t, c, "pids", "pids.current"))
    t.check(current <= 10, f"pids.current {current} in a container limited to 10")
    t.check(_v1(t, c, "pids", "pids.events") != "max 0", "no fork was refused (pids.events max 0)")


@case("cgroups.v1_blkio_weight", "config-linux.md#block-io", "MUST",
      "blockIO weight lands in blkio.weight (or blkio.bfq.weight)")
def v1_blkio_weight(t):
    point = t.need_v1("blkio")
    name = next((n for n in ("blkio.weight", "blkio.bfq.weight") if os.path.exists(os.path.join(point, n))), None)
    if not name:
        t.skip("cgroup v1 blkio has no weight file on this host (no BFQ/CFQ scheduler)")
    b = t.bundle()
    b.resources["blockIO"] = {"weight": 300}
    c = _running(t, b)
    t.eq(_v1(t, c, "blkio", name).split()[-1], "300", name)


@case("cgroups.v1_hugetlb", "config-linux.md#huge-page-limits", "MUST",
      "hugepageLimits land in hugetlb.<size>.limit_in_bytes")
def v1_hugetlb(t):
    t.need_v1("hugetlb", "hugetlb.2MB.limit_in_bytes")
    b = t.bundle()
    b.resources["hugepageLimits"] = [{"pageSize": "2MB", "limit": 4 * MiB}]
    c = _running(t, b)
    t.eq(_v1(t, c, "hugetlb", "hugetlb.2MB.limit_in_bytes"), str(4 * MiB), "hugetlb.2MB.limit_in_bytes")


@case("cgroups.v1_network_classid", "config-linux.md#network", "MUST",
      "network classID lands in net_cls.classid")
def v1_network_classid(t):
    t.need_v1("net_cls")
    b = t.bundle()
    b.resources["network"] = {"classID": 1048577}
    c = _running(t, b)
    t.eq(_v1(t, c, "net_cls", "net_cls.classid"), "1048577", "net_cls.classid")


# ------------------------------------------------------------------ v2
@case("cgroups.v2_memory", "config-linux.md#memory", "MUST",
      "memory limit, reservation and swap land in memory.max, memory.low and memory.swap.max")
def v2_memory(t):
    t.need_v2("memory")
    b = t.bundle()
    b.resources["memory"] = {"limit": 64 * MiB, "reservation": 32 * MiB, "swap": 96 * MiB}
    c = _running(t, b)
    t.eq(_v2(t, c, "memory.max"), str(64 * MiB), "memory.max")
    t.eq(_v2(t, c, "memory.low"), str(32 * MiB), "memory.low")
    t.eq(_v2(t, c, "memory.swap.max"), str(32 * MiB), "memory.swap.max (swap minus limit)")


@case("cgroups.v2_cpu", "config-linux.md#cpu", "MUST",
      "cpu quota/period and shares land in cpu.max and cpu.weight")
def v2_cpu(t):
    t.need_v2("cpu")
    b = t.bundle()
    b.resources["cpu"] = {"shares": 1024, "quota": 50000, "period": 100000}
    c = _running(t, b)
    t.eq(_v2(t, c, "cpu.max"), "50000 100000", "cpu.max")
    t.eq(_v2(t, c, "cpu.weight"), "39", "cpu.weight (shares 1024 converted)")


@case("cgroups.v2_pids", "config-linux.md#pids", "MUST",
      "pids limit lands in pids.max")
def v2_pids(t):
    t.need_v2("pids")
    b = t.bundle()
    b.resources["pids"] = {"limit": 10}
    t.eq(_v2(t, _running(t, b), "pids.max"), "10", "pids.max")


@case("cgroups.v2_cpuset", "config-linux.md#cpu", "MUST",
      "cpus and mems land in cpuset.cpus and cpuset.mems")
def v2_cpuset(t):
    t.need_v2("cpuset")
    b = t.bundle()
    b.resources["cpu"] = {"cpus": "0", "mems": "0"}
    c = _running(t, b)
    t.eq((_v2(t, c, "cpuset.cpus"), _v2(t, c, "cpuset.mems")), ("0", "0"), "cpuset.cpus, cpuset.mems")


@case("cgroups.v2_io_weight", "config-linux.md#block-io", "MUST",
      "blockIO weight lands in io.weight (or io.bfq.weight)")
def v2_io_weight(t):
    t.need_v2("io")
    b = t.bundle()
    b.resources["blockIO"] = {"weight": 300}
    c = _running(t, b)
    d = host.cgroup_dir(c.pid, "")
    name = "io.bfq.weight" if os.path.exists(os.path.join(d, "io.bfq.weight")) else "io.weight"
    t.check(_v2(t, c, name).split()[-1] in ("300", str(1 + (300 - 10) * 9999 // 990)), f"{name} value")


@case("cgroups.v2_hugetlb", "config-linux.md#huge-page-limits", "MUST",
      "hugepageLimits land in hugetlb.<size>.max")
def v2_hugetlb(t):
    t.need_v2("hugetlb")
    b = t.bundle()
    b.resources["hugepageLimits"] = [{"pageSize": "2MB", "limit": 4 * MiB}]
    t.eq(_v2(t, _running(t, b), "hugetlb.2MB.max"), str(4 * MiB), "hugetlb.2MB.max")


@case("cgroups.v2_unified", "config-linux.md#unified", "MUST",
      "unified key/values are written to the named cgroup v2 files")
def v2_unified(t):
    t.need_v2("pids")
    b = t.bundle()
    b.resources["unified"] = {"pids.max": "12"}
    t.eq(_v2(t, _running(t, b), "pids.max"), "12", "pids.max from unified")


@case("cgroups.v2_memory_enforced", "config-linux.md#memory", "MUST",
      "a process going over memory.max is OOM-killed")
def v2_memory_enforced(t):
    t.need_v2("memory")
    b = t.bundle(args=["sh", "-c", 'x="$(head -c 96m /dev/zero | tr "\\0" a)"; echo survived'])
    b.resources["memory"] = {"limit": 16 * MiB, "swap": 16 * MiB}
    c = t.create(b)
    events = os.path.join(host.cgroup_dir(c.pid, ""), "memory.events")
    c.start()
    c.wait(20)
    kills = dict(line.split() for line in host.read(events).splitlines()).get("oom_kill", "0")
    t.check(kills != "0", f"no OOM kill under memory.max (output {c.output()!r})")
