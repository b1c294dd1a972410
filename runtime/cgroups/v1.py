"""The cgroup v1 manager, for v1-only and hybrid hosts: one directory per mounted hierarchy.

Like runc's fs driver, the container's init joins every mounted hierarchy at the container's path,
named ones (name=systemd) and, on a hybrid host, the cgroup2 at /sys/fs/cgroup/unified too. The
directory chains are made with plain mkdir. linux.resources onto v1 files:
  memory: limit -> memory.limit_in_bytes, swap -> memory.memsw.limit_in_bytes (written in the order the
    kernel accepts), reservation -> memory.soft_limit_in_bytes, kernel/kernelTCP -> memory.kmem[.tcp]
    .limit_in_bytes, swappiness, disableOOMKiller -> memory.oom_control, useHierarchy;
  cpu: shares, quota/period -> cpu.cfs_quota_us/cfs_period_us, burst -> cpu.cfs_burst_us, idle,
    realtimeRuntime/Period -> cpu.rt_*; cpus/mems -> cpuset.cpus/mems;
  pids.limit -> pids.max; blockIO -> blkio.weight (or blkio.bfq.weight), weight_device, throttle.*;
  hugepageLimits -> hugetlb.<size>.limit_in_bytes (or hugetlb.<size>.max when hugetlb lives in the
    hybrid's cgroup2); rdma -> rdma.max; network -> net_cls.classid / net_prio.ifpriomap;
  devices -> devices.deny / devices.allow (the minimal transition runc computes); freezer for pause.
A field whose controller is not mounted is an error naming it; unified key/values need cgroup v2.
"""

import os

from runtime import cgroups, mountinfo
from runtime.errors import CgroupError, ConfigError
from runtime.cgroups import common
from runtime.cgroups.common import read, write, write_checked

KNOWN_CONTROLLERS = {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "net_cls",
                     "net_prio", "perf_event", "hugetlb", "rdma", "misc"}
UNIFIED = ""   # the key of the hybrid's cgroup2 hierarchy, as in /proc/self/cgroup
UNLIMITED = 2 ** 62   # a v1 page counter reads 9223372036854771712 for "no limit"


def hierarchies():
    """{key: mount point} of every mounted cgroup hierarchy; key as in /proc/self/cgroup ("cpu,cpuacct",
    "name=systemd", "" for cgroup2)."""
    own = common.own_cgroups()
    by_set = {frozenset(k.split(",")): k for k in own if k}
    found = {}
    for mount in mountinfo.mounts():
        if mount.root != "/":
            continue   # a bind mount of a sub-cgroup, not a hierarchy root
        if mount.fstype == "cgroup2":
            found.setdefault(UNIFIED, mount.point)
        elif mount.fstype == "cgroup":
            names = frozenset(o for o in mount.super_options.split(",")
                              if o in KNOWN_CONTROLLERS or o.startswith("name="))
            key = by_set.get(names)
            if key is not None:
                found.setdefault(key, mount.point)
    return found


def resolve_paths(cgroups_path, container_id, mounts=None, own=None):
    """{key: directory} per hierarchy, as runc's fs driver: absolute from each hierarchy's root,
    relative under the runtime's own cgroup in that hierarchy."""
    inner = common.inner_path(cgroups_path, container_id)
    mounts = hierarchies() if mounts is None else mounts
    own = common.own_cgroups() if own is None else own
    paths = {}
    for key, mount in mounts.items():
        base = "" if inner.startswith("/") else own.get(key, "/")
        paths[key] = os.path.normpath(mount + "/" + base + "/" + inner)
    return paths


def controller_path(paths, controller):
    for key, path in paths.items():
        if controller in key.split(","):
            return path
    return None


def _memory_value(text):
    value = int(text.strip())
    return -1 if value >= UNLIMITED else value


class V1Manager:
    version = 1

    def __init__(self, paths, resources, device_rules, redefined=()):
        self.paths = dict(paths)
        self.resources = resources or {}
        self.device_rules = device_rules
        self.redefined = tuple(redefined)   # default device paths linux.devices redefines (for update)
        self.created = []

    def _path(self, controller):
        return controller_path(self.paths, controller)

    def _need(self, controller, field):
        path = self._path(controller)
        if path is None:
            raise CgroupError(f"{field}: this host cannot enforce it (no cgroup v1 {controller} hierarchy is mounted)")
        return path

    # --- lifecycle ---

    def create(self):
        if self._path("devices") is None and self.device_rules is not None:
            # runc: running without the devices controller is fatal, for security
            raise CgroupError("linux.resources.devices: this host cannot enforce it "
                              "(no cgroup v1 devices hierarchy is mounted)")
        try:
            self._make_paths()
            common.refuse_busy([p for p in self.paths.values() if p not in self.created])
            self.write_resources(self.resources)
            if self.device_rules is not None:
                self._write_devices(self.device_rules)
        except BaseException:
            self._remove_created()
            raise

    def _make_paths(self):
        # Plain mkdir, one level at a time (each new level is recorded for undo). cgroupspy's Node
        # tree did this before, but importing it brings in logging: ~10 ms on every create.
        mounts = hierarchies()
        for key, path in self.paths.items():
            mount = mounts.get(key)
            if mount is None:
                raise CgroupError(f"the cgroup hierarchy {key or 'cgroup2'} is no longer mounted")
            current = mount
            for part in os.path.relpath(path, mount).split("/"):
                if part == ".":
                    continue
                current = os.path.join(current, part)
                try:
                    os.mkdir(current, 0o755)
                except FileExistsError:
                    continue
                except OSError as e:
                    raise CgroupError(f"linux.cgroupsPath: cannot create {current}: {e.strerror}")
                self.created.append(current)
                if "cpuset" in key.split(","):
                    self._inherit_cpuset(current)

    @staticmethod
    def _inherit_cpuset(path):
        # a new v1 cpuset is empty and takes no task until it has cpus and mems
        parent = os.path.dirname(path)
        for name in ("cpuset.cpus", "cpuset.mems"):
            if not read(path, name).strip():
                write(path, name, read(parent, name).strip(), f"cpuset ({name} from {parent})")

    def _remove_created(self):
        common.remove_made(self.created)
        self.created = []

    def apply(self, pid):
        """Put pid into the cgroup of every hierarchy, from the outside.

        One cgroup.procs write per hierarchy, in series: the first waits for an RCU grace period
        and the rest, coming right after, do not; one thread per hierarchy measured no faster."""
        for path in self.paths.values():
            common.move(path, pid)

    def join_self(self):
        """Move the calling process - single-threaded, e.g. a freshly forked child - into the cgroup
        of every hierarchy, without the wait apply() pays.

        Writing "0" to a v1 `tasks` file moves just the calling thread and skips the global
        cgroup_threadgroup_rwsem, and with it the RCU grace period (5-12 ms here) that any
        cgroup.procs write waits for while holding the global cgroup_mutex. The hybrid's cgroup2
        has no such path: a child started with clone3(CLONE_INTO_CGROUP) on clone_into_path()
        is already there, otherwise it is joined through cgroup.procs (one grace period)."""
        for key, path in self.paths.items():
            if key != UNIFIED:
                common.move(path, 0, "tasks")
            elif os.getpid() not in common.procs(path, recursive=False):
                common.move(path, 0)

    def clone_into_path(self):
        """The cgroup2 directory a child can be created in with clone3(CLONE_INTO_CGROUP), or None."""
        return self.paths.get(UNIFIED)

    def destroy(self):
        if not any(os.path.isdir(p) for p in self.paths.values()):
            return
        if self.pids():
            self.signal_all(common.SIGKILL)
            common.wait_until(lambda: not self.pids(), 10, f"the processes of {self.paths} to exit")
        for path in self.paths.values():
            common.remove_tree(path)

    # --- queries and signals ---

    def pids(self):
        found = set()
        for path in self.paths.values():
            if os.path.isdir(path):
                found.update(common.procs(path))
        return sorted(found)

    def signal_all(self, sig):
        # frozen, the set of processes cannot change under us (no fork escapes the signal)
        can_freeze = self._freezer_file() is not None
        was_frozen = self.is_frozen()
        if can_freeze:
            self.freeze()
        try:
            common.kill_pids(self.pids(), sig)
        finally:
            # a frozen v1 task does not act on SIGKILL until thawed
            if can_freeze and (not was_frozen or sig == common.SIGKILL):
                self.thaw()

    def _freezer_file(self):
        return cgroups.freezer_file({"version": self.version, "paths": self.paths})

    def freeze(self):
        self._set_frozen(True)

    def thaw(self):
        self._set_frozen(False)

    def _set_frozen(self, frozen):
        found = self._freezer_file()
        if found is None:
            raise CgroupError("pause: this host has no freezer (no v1 freezer hierarchy, no cgroup.freeze)")
        path, name = found
        if not os.path.isdir(path):
            raise CgroupError(f"cgroup {path} does not exist")
        if name == "cgroup.freeze":
            write(path, name, "1" if frozen else "0", name)
            common.wait_until(lambda: common.read_keyed(path, "cgroup.events").get("frozen") == int(frozen),
                              10, f"{path} to {'freeze' if frozen else 'thaw'}")
            return
        want = "FROZEN" if frozen else "THAWED"

        def settled():
            # FREEZING can stall on a task in an uninterruptible sleep: ask again until it settles
            if read(path, name).strip() == want:
                return True
            write(path, name, want, name)
            return False
        write(path, name, want, name)
        common.wait_until(settled, 10, f"{path} to become {want}")

    def is_frozen(self):
        return cgroups.is_frozen({"version": self.version, "paths": self.paths})

    def update(self, resources):
        common.check_types(resources)
        merged = common.merge_resources(self.resources, resources)
        touched = {key: merged[key] for key in resources if key != "devices"}
        if isinstance(resources.get("memory"), dict):
            # Only the memory values given, as runc: a saved swap limit written again next to
            # "limit": -1 would make the kernel refuse the unlimited memory (memsw < memory).
            memory = resources["memory"]
            touched["memory"] = memory
            if memory.get("limit") == -1 and not memory.get("swap") and self._path("memory") \
                    and os.path.exists(os.path.join(self._path("memory"), "memory.memsw.limit_in_bytes")):
                merged["memory"]["swap"] = -1   # what _write_memory sets with it
        self.write_resources(touched, updating=True)
        if resources.get("devices") is not None:
            from runtime.cgroups.devices import effective_rules
            self.device_rules = effective_rules(resources["devices"], self.redefined)
            self._write_devices(self.device_rules)
        self.resources = merged

    def saved(self):
        return {"version": 1, "paths": self.paths, "resources": self.resources,
                "devices": common.rules_json(self.device_rules), "redefinedDevices": list(self.redefined)}

    # --- writing linux.resources ---

    def write_resources(self, res, updating=False):
        common.check_types(res)
        if res.get("unified"):
            raise CgroupError("linux.resources.unified: this host cannot enforce it (it needs cgroup v2; "
                              "this host runs cgroup v1 controllers)")
        if res.get("memory"):
            self._write_memory(res["memory"], updating)
        if res.get("cpu"):
            self._write_cpu(res["cpu"])
        limit = (res.get("pids") or {}).get("limit")
        if limit:
            path = self._need("pids", "linux.resources.pids.limit")
            write_checked(path, "pids.max", common.num_or_max(limit), "linux.resources.pids.limit")
        if res.get("blockIO"):
            self._write_blkio(res["blockIO"])
        if res.get("hugepageLimits"):
            self._write_hugetlb(res["hugepageLimits"])
        if res.get("rdma"):
            self._write_rdma(res["rdma"])
        if res.get("network"):
            self._write_network(res["network"])

    def _write_memory(self, mem, updating):
        fields = ("limit", "swap", "reservation", "kernel", "kernelTCP", "swappiness", "disableOOMKiller",
                  "useHierarchy")
        if not any(mem.get(k) is not None for k in fields):
            return
        path = self._need("memory", "linux.resources.memory")
        limit, swap = mem.get("limit") or 0, mem.get("swap") or 0
        if updating and mem.get("checkBeforeUpdate"):
            usage = common.read_int(path, "memory.usage_in_bytes")
            if 0 < limit < usage:
                raise CgroupError(f"linux.resources.memory.limit: rejecting {limit}, below the current usage "
                                  f"{usage} (checkBeforeUpdate)")
        has_swap = os.path.exists(os.path.join(path, "memory.memsw.limit_in_bytes"))
        if limit == -1 and swap == 0 and has_swap:
            swap = -1   # unlimited memory with no swap limit: unlimited memory+swap too

        def set_limit():
            try:
                write_checked(path, "memory.limit_in_bytes", limit, "linux.resources.memory.limit",
                              expect=-1 if limit < 0 else common.page_round(limit), normalize=_memory_value)
            except CgroupError:
                # the kernel says only EBUSY: name the usage that is in the way, as runc does
                usage = common.read_int(path, "memory.usage_in_bytes")
                if 0 < limit < usage:
                    peak = common.read_int(path, "memory.max_usage_in_bytes")
                    raise CgroupError(f"linux.resources.memory.limit: unable to set memory limit to {limit} "
                                      f"(current usage: {usage}, peak usage: {peak})") from None
                raise

        def set_swap():
            write_checked(path, "memory.memsw.limit_in_bytes", swap, "linux.resources.memory.swap",
                          expect=-1 if swap < 0 else common.page_round(swap), normalize=_memory_value)

        if limit and swap:
            # memsw must stay >= limit at every step: raise swap first when it grows
            current = _memory_value(read(path, "memory.limit_in_bytes"))
            if swap == -1 or (current != -1 and current < swap):
                set_swap()
                set_limit()
            else:
                set_limit()
                set_swap()
        elif limit:
            set_limit()
        elif swap:
            set_swap()
        if mem.get("reservation"):
            r = mem["reservation"]
            write_checked(path, "memory.soft_limit_in_bytes", r, "linux.resources.memory.reservation",
                          expect=-1 if r < 0 else common.page_round(r), normalize=_memory_value)
        if mem.get("kernel"):
            k = mem["kernel"]
            write_checked(path, "memory.kmem.limit_in_bytes", k, "linux.resources.memory.kernel",
                          expect=-1 if k < 0 else common.page_round(k), normalize=_memory_value)
        if mem.get("kernelTCP"):
            k = mem["kernelTCP"]
            write_checked(path, "memory.kmem.tcp.limit_in_bytes", k, "linux.resources.memory.kernelTCP",
                          expect=-1 if k < 0 else common.page_round(k), normalize=_memory_value)
        swappiness = mem.get("swappiness")
        if swappiness is not None and swappiness not in (-1, 2 ** 64 - 1):
            if not 0 <= swappiness <= 100:
                raise ConfigError(f"linux.resources.memory.swappiness: {swappiness} is outside 0-100")
            write_checked(path, "memory.swappiness", swappiness, "linux.resources.memory.swappiness")
        if mem.get("disableOOMKiller"):
            write(path, "memory.oom_control", "1", "linux.resources.memory.disableOOMKiller")
            if common.read_keyed(path, "memory.oom_control").get("oom_kill_disable") != 1:
                raise CgroupError("linux.resources.memory.disableOOMKiller: the kernel did not disable the OOM killer")
        if mem.get("useHierarchy") is not None:
            write_checked(path, "memory.use_hierarchy", int(bool(mem["useHierarchy"])),
                          "linux.resources.memory.useHierarchy")

    def _write_cpu(self, cpu):
        if any(cpu.get(k) for k in ("shares", "quota", "period", "burst", "realtimeRuntime", "realtimePeriod")) \
                or cpu.get("idle") is not None:
            path = self._need("cpu", "linux.resources.cpu")
            shares = cpu.get("shares")
            if shares:
                write(path, "cpu.shares", shares, "linux.resources.cpu.shares")
                got = common.read_int(path, "cpu.shares")
                if got != shares:   # the kernel clamps to [2, 262144]; runc reports it
                    bound = "maximum" if shares > got else "minimum"
                    raise CgroupError(f"linux.resources.cpu.shares: {shares} is out of range: the {bound} "
                                      f"allowed cpu-shares is {got}")
            quota, period = cpu.get("quota") or 0, cpu.get("period") or 0
            pending_period = None
            if period:
                try:
                    write_checked(path, "cpu.cfs_period_us", period, "linux.resources.cpu.period")
                except CgroupError:
                    # a shorter period can be refused against the old quota: retry after the quota
                    if not quota:
                        raise
                    pending_period = period
            if quota:
                write_checked(path, "cpu.cfs_quota_us", quota, "linux.resources.cpu.quota",
                              expect=str(-1 if quota < 0 else quota))
                if pending_period:
                    write_checked(path, "cpu.cfs_period_us", period, "linux.resources.cpu.period")
            if cpu.get("burst") is not None:
                write_checked(path, "cpu.cfs_burst_us", cpu["burst"], "linux.resources.cpu.burst")
            if cpu.get("realtimePeriod"):
                write_checked(path, "cpu.rt_period_us", cpu["realtimePeriod"], "linux.resources.cpu.realtimePeriod")
            if cpu.get("realtimeRuntime"):
                write_checked(path, "cpu.rt_runtime_us", cpu["realtimeRuntime"],
                              "linux.resources.cpu.realtimeRuntime")
            if cpu.get("idle") is not None:
                write_checked(path, "cpu.idle", int(cpu["idle"]), "linux.resources.cpu.idle")
        for key in ("cpus", "mems"):
            if cpu.get(key):
                common.write_cpu_list(self._need("cpuset", f"linux.resources.cpu.{key}"), key, cpu[key])

    def _write_blkio(self, bio):
        wanted = [k for k in ("weight", "leafWeight", "weightDevice", "throttleReadBpsDevice",
                              "throttleWriteBpsDevice", "throttleReadIOPSDevice", "throttleWriteIOPSDevice")
                  if bio.get(k)]
        if not wanted:
            return
        path = self._need("blkio", "linux.resources.blockIO")
        if os.path.exists(os.path.join(path, "blkio.weight")):
            weight, weight_device = "blkio.weight", "blkio.weight_device"
        else:
            weight, weight_device = "blkio.bfq.weight", "blkio.bfq.weight_device"
        if bio.get("weight"):
            write(path, weight, bio["weight"], "linux.resources.blockIO.weight")
            got = _first_number(read(path, weight))
            if got != bio["weight"]:
                raise CgroupError(f"linux.resources.blockIO.weight: wrote {bio['weight']} to {weight} "
                                  f"but the kernel holds {got}")
        if bio.get("leafWeight"):
            write_checked(path, "blkio.leaf_weight", bio["leafWeight"], "linux.resources.blockIO.leafWeight")
        for i, d in enumerate(bio.get("weightDevice") or ()):
            field = f"linux.resources.blockIO.weightDevice[{i}]"
            dev = common.device_key(d, field)
            if d.get("weight"):
                self._write_device_line(path, weight_device, dev, d["weight"], field)
            if d.get("leafWeight"):
                self._write_device_line(path, "blkio.leaf_weight_device", dev, d["leafWeight"], field)
        for key, name in (("throttleReadBpsDevice", "read_bps_device"), ("throttleWriteBpsDevice", "write_bps_device"),
                          ("throttleReadIOPSDevice", "read_iops_device"),
                          ("throttleWriteIOPSDevice", "write_iops_device")):
            for i, d in enumerate(bio.get(key) or ()):
                field = f"linux.resources.blockIO.{key}[{i}]"
                rate = d.get("rate")
                if not isinstance(rate, int) or rate < 0:
                    raise ConfigError(f"{field}.rate: must be a non-negative integer")
                self._write_device_line(path, f"blkio.throttle.{name}", common.device_key(d, field), rate, field)

    @staticmethod
    def _write_device_line(path, name, dev, value, field):
        write(path, name, f"{dev} {value}", field)
        lines = {}
        for line in read(path, name).splitlines():
            parts = line.split()
            if len(parts) == 2:
                lines[parts[0]] = parts[1]
        got = lines.get(dev)
        # a zero throttle removes the device's line
        if (got is None and value != 0) or (got is not None and got != str(value)):
            raise CgroupError(f"{field}: wrote '{dev} {value}' to {name} but the kernel holds {got!r}")

    def _write_hugetlb(self, limits):
        path = self._path("hugetlb")
        v2 = False
        if path is None:
            unified = self.paths.get(UNIFIED)
            if unified and "hugetlb" in read(unified, "cgroup.controllers").split():
                path, v2 = unified, True
            else:
                raise CgroupError("linux.resources.hugepageLimits: this host cannot enforce it (no cgroup v1 "
                                  "hugetlb hierarchy is mounted, and hugetlb is not enabled for this cgroup "
                                  "in the cgroup2 hierarchy)")
        for i, h in enumerate(limits):
            field = f"linux.resources.hugepageLimits[{i}]"
            size = h.get("pageSize", "")
            page = common.hugepage_bytes(size)
            name = f"hugetlb.{size}.max" if v2 else f"hugetlb.{size}.limit_in_bytes"
            if not os.path.exists(os.path.join(path, name)):
                raise CgroupError(f"{field}: this host cannot enforce it (no {name}: page size {size} unsupported)")
            limit = h.get("limit")
            write_checked(path, name, limit, field, expect=str(limit // page * page))

    def _write_rdma(self, rdma):
        path = self._need("rdma", "linux.resources.rdma")
        for dev, lim in rdma.items():
            parts = [f"hca_handle={lim['hcaHandles']}"] if lim.get("hcaHandles") is not None else []
            if lim.get("hcaObjects") is not None:
                parts.append(f"hca_object={lim['hcaObjects']}")
            if parts:
                write(path, "rdma.max", f"{dev} {' '.join(parts)}", f"linux.resources.rdma[{dev!r}]")

    def _write_network(self, net):
        if net.get("classID") is not None:
            path = self._need("net_cls", "linux.resources.network.classID")
            write_checked(path, "net_cls.classid", net["classID"], "linux.resources.network.classID")
        for i, prio in enumerate(net.get("priorities") or ()):
            path = self._need("net_prio", "linux.resources.network.priorities")
            write(path, "net_prio.ifpriomap", f"{prio['name']} {prio['priority']}",
                  f"linux.resources.network.priorities[{i}]")

    def _write_devices(self, rules):
        from runtime.cgroups.devices import Emulator, v1_transition
        path = self._need("devices", "linux.resources.devices")
        target = Emulator.from_rules(rules)
        current = Emulator.from_v1_list(read(path, "devices.list"))
        for rule in v1_transition(current, target):
            write(path, "devices.allow" if rule.allow else "devices.deny", rule.v1_string(),
                  f"linux.resources.devices ({rule.v1_string()!r})")
        got = Emulator.from_v1_list(read(path, "devices.list"))
        if got.default_allow != target.default_allow or (not got.default_allow and got != target):
            raise CgroupError(f"linux.resources.devices: {path}/devices.list does not hold the rules written")

    # --- statistics (runc's events --stats shape) ---

    def oom_kills(self):
        path = self._path("memory")
        return common.read_keyed(path, "memory.oom_control").get("oom_kill", 0) if path else 0

    def stats(self):
        """runc's `events --stats` data for v1 (types/events.go, zero fields left out as Go does)."""
        stats = {"cpu": common.cpu_stats(), "cpuset": {}, "memory": {}, "pids": {}, "blkio": {}, "hugetlb": {}}
        acct, cpu = self._path("cpuacct"), self._path("cpu")
        if acct or cpu:
            usage, throttling = {}, {}
            if acct:
                tree = _tree_node(acct, "cpuacct")   # cgroupspy reads the cpuacct files it knows
                ticks = tree.acct_stat
                hz = os.sysconf("SC_CLK_TCK")
                numbers = lambda name: [int(n) for n in _read_or_empty(acct, name).split()]  # noqa: E731
                usage = dict(total=tree.usage, percpu=tree.usage_percpu,
                             percpu_kernel=numbers("cpuacct.usage_percpu_sys"),
                             percpu_user=numbers("cpuacct.usage_percpu_user"),
                             kernel=ticks.get("system", 0) * 10 ** 9 // hz, user=ticks.get("user", 0) * 10 ** 9 // hz)
            if cpu:
                st = common.read_keyed(cpu, "cpu.stat")
                throttling = dict(periods=st.get("nr_periods", 0), throttled_periods=st.get("nr_throttled", 0),
                                  throttled_time=st.get("throttled_time", 0))
            stats["cpu"] = common.cpu_stats(**usage, **throttling)
        cpuset = self._path("cpuset")
        if cpuset:
            flag = lambda name: common.read_int(cpuset, f"cpuset.{name}")  # noqa: E731
            stats["cpuset"] = {
                "cpus": sorted(common.parse_cpu_list(_read_or_empty(cpuset, "cpuset.cpus"))),
                "cpu_exclusive": flag("cpu_exclusive"),
                "mems": sorted(common.parse_cpu_list(_read_or_empty(cpuset, "cpuset.mems"))),
                "mem_hardwall": flag("mem_hardwall"), "mem_exclusive": flag("mem_exclusive"),
                "memory_migrate": flag("memory_migrate"), "memory_spread_page": flag("memory_spread_page"),
                "memory_spread_slab": flag("memory_spread_slab"), "memory_pressure": flag("memory_pressure"),
                "sched_load_balance": flag("sched_load_balance"),
                "sched_relax_domain_level": flag("sched_relax_domain_level")}
        mem = self._path("memory")
        if mem:
            tree = _tree_node(mem, "memory")   # cgroupspy's memory controller for usage and memsw
            raw = tree.stat

            def entry(prefix):
                return common.memory_entry(common.read_int(mem, f"{prefix}.usage_in_bytes"),
                                           common.read_int(mem, f"{prefix}.limit_in_bytes"),
                                           common.read_int(mem, f"{prefix}.max_usage_in_bytes"),
                                           common.read_int(mem, f"{prefix}.failcnt"))

            def from_tree(prefix):
                try:
                    return common.memory_entry(getattr(tree, f"{prefix}usage_in_bytes") or 0,
                                               getattr(tree, f"{prefix}limit_in_bytes") or 0,
                                               getattr(tree, f"{prefix}max_usage_in_bytes") or 0,
                                               getattr(tree, f"{prefix}failcnt") or 0)
                except OSError:     # memsw files exist only with swap accounting
                    return common.memory_entry()
            stats["memory"] = common.drop_empty(
                {"cache": raw.get("total_cache", raw.get("cache", 0)), "usage": from_tree(""),
                 "swap": from_tree("memsw_"), "kernel": entry("memory.kmem"),
                 "kernelTCP": entry("memory.kmem.tcp"), "raw": dict(sorted(raw.items()))}, "cache", "raw")
        pids = self._path("pids")
        if pids:
            stats["pids"] = common.drop_empty({"current": common.read_int(pids, "pids.current"),
                                               "limit": common.read_int(pids, "pids.max")}, "current", "limit")
        blkio = self._path("blkio")
        if blkio:
            service_bytes = common.blkio_entries(_read_or_empty(blkio, "blkio.throttle.io_service_bytes_recursive"))[0]
            serviced = common.blkio_entries(_read_or_empty(blkio, "blkio.throttle.io_serviced_recursive"))[0]
            stats["blkio"] = common.drop_empty({"ioServiceBytesRecursive": service_bytes,
                                                "ioServicedRecursive": serviced},
                                               "ioServiceBytesRecursive", "ioServicedRecursive")
        hugetlb = self._path("hugetlb")
        if hugetlb:
            for name in os.listdir(hugetlb):
                if name.startswith("hugetlb.") and name.endswith(".usage_in_bytes"):
                    size = name[len("hugetlb."):-len(".usage_in_bytes")]
                    stats["hugetlb"][size] = common.drop_empty({
                        "usage": common.read_int(hugetlb, name),
                        "max": common.read_int(hugetlb, f"hugetlb.{size}.max_usage_in_bytes"),
                        "failcnt": common.read_int(hugetlb, f"hugetlb.{size}.failcnt")}, "usage", "max")
        return stats


def _tree_node(path, controller):
    """cgroupspy's controller object for one v1 cgroup directory (it reads that controller's files).
    Used by stats() only: importing cgroupspy costs ~10 ms (logging), which create cannot afford."""
    from cgroupspy.nodes import Node
    return Node.CONTROLLERS[controller.encode()](Node(path.encode()))


def _read_or_empty(path, name):
    try:
        return read(path, name)
    except OSError:
        return ""


def _first_number(text):
    for word in text.split():
        if word.isdigit():
            return int(word)
    return None
