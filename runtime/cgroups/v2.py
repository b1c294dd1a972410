"""The cgroup v2 manager: one directory under /sys/fs/cgroup holds the container.

linux.resources onto the unified hierarchy's files, as runc's fs2 driver does:
  memory.limit -> memory.max, reservation -> memory.low, swap -> memory.swap.max (swap minus limit);
  cpu.shares -> cpu.weight (converted), quota/period -> cpu.max, burst -> cpu.max.burst, idle -> cpu.idle,
  cpus/mems -> cpuset.cpus/mems; pids.limit -> pids.max; blockIO weight -> io.bfq.weight or io.weight
  (converted), per-device weights -> the same file (refused by the kernel, so an error, unless the
  device runs bfq or io.cost), throttles -> io.max; hugepageLimits ->
  hugetlb.<size>.max; rdma -> rdma.max; unified key/values written as given (after validation);
  devices -> an eBPF cgroup-device program attached with BPF_F_ALLOW_MULTI.
Fields v2 has no file for (kernel memory, swappiness, disableOOMKiller, realtime cpu, network, blkio leaf
weights) are an error naming the field: a limit the host cannot enforce must not be silently dropped.
Every value written is read back; a mismatch is an error.
"""

import os

from runtime.errors import CgroupError, ConfigError
from runtime.cgroups import common
from runtime.cgroups.common import CGROUP_ROOT, read, write, write_checked

# controllers a container is always accounted by when the host has them
ACCOUNTING = ("cpu", "memory", "pids", "io")


def resolve_path(cgroups_path, container_id, own=None):
    """runc's fs2 rule: absolute from the hierarchy root; relative under the parent of our own cgroup
    (our own cgroup holds processes, so it cannot have controllers enabled for children)."""
    inner = common.inner_path(cgroups_path, container_id)
    if inner.startswith("/"):
        return CGROUP_ROOT + inner
    if own is None:
        own = common.own_cgroups().get("", "/")
    return os.path.join(CGROUP_ROOT + os.path.dirname(own).rstrip("/"), inner)


def needed_controllers(res):
    """{controller: the config field that needs it}."""
    need = {}
    mem, cpu = res.get("memory") or {}, res.get("cpu") or {}
    if any(mem.get(k) not in (None, 0) for k in ("limit", "reservation", "swap")):
        need["memory"] = "linux.resources.memory"
    if any(cpu.get(k) not in (None, 0) for k in ("shares", "quota", "period", "burst")) \
            or cpu.get("idle") is not None:
        need["cpu"] = "linux.resources.cpu"
    if cpu.get("cpus") or cpu.get("mems"):
        need["cpuset"] = "linux.resources.cpu.cpus/mems"
    if (res.get("pids") or {}).get("limit"):
        need["pids"] = "linux.resources.pids.limit"
    bio = res.get("blockIO") or {}
    if any(bio.get(k) for k in ("weight", "weightDevice", "throttleReadBpsDevice", "throttleWriteBpsDevice",
                                "throttleReadIOPSDevice", "throttleWriteIOPSDevice")):
        need["io"] = "linux.resources.blockIO"
    if res.get("hugepageLimits"):
        need["hugetlb"] = "linux.resources.hugepageLimits"
    if res.get("rdma"):
        need["rdma"] = "linux.resources.rdma"
    for key in res.get("unified") or {}:
        common.check_unified_key(key)   # the name first: no path tricks reach the filesystem
        controller = key.partition(".")[0]
        if controller != "cgroup":
            need.setdefault(controller, f"linux.resources.unified[{key!r}]")
    return need


def check_supported(res):
    """Refuse what cgroup v2 has no file for."""
    mem, cpu = res.get("memory") or {}, res.get("cpu") or {}
    unsupported = [
        ("linux.resources.memory.kernel", mem.get("kernel") not in (None, 0)),
        ("linux.resources.memory.kernelTCP", mem.get("kernelTCP") not in (None, 0)),
        ("linux.resources.memory.swappiness", mem.get("swappiness") not in (None, -1)
         and mem.get("swappiness") != 2 ** 64 - 1),
        ("linux.resources.memory.disableOOMKiller", bool(mem.get("disableOOMKiller"))),
        ("linux.resources.memory.useHierarchy", mem.get("useHierarchy") is False),
        ("linux.resources.cpu.realtimeRuntime", bool(cpu.get("realtimeRuntime"))),
        ("linux.resources.cpu.realtimePeriod", bool(cpu.get("realtimePeriod"))),
        ("linux.resources.network", bool(res.get("network"))),
        ("linux.resources.blockIO.leafWeight", bool((res.get("blockIO") or {}).get("leafWeight"))),
        ("linux.resources.blockIO.weightDevice[].leafWeight",
         any(d.get("leafWeight") for d in (res.get("blockIO") or {}).get("weightDevice") or ())),
    ]
    for field, present in unsupported:
        if present:
            raise CgroupError(f"{field}: this host cannot enforce it (cgroup v2 has no such control)")


def _memory_value(v):
    return "max" if v == "max" else str(common.page_round(int(v)))


def _lines_dict(text):
    """"default 100\\n8:0 200" or io.max/rdma.max lines -> {first word: rest}."""
    out = {}
    for line in text.splitlines():
        key, _, rest = line.strip().partition(" ")
        if key:
            out[key] = rest.strip()
    return out


def write_memory(path, mem, updating):
    limit, swap = mem.get("limit"), mem.get("swap")
    if updating and mem.get("checkBeforeUpdate"):
        usage = common.read_int(path, "memory.current")
        if limit and 0 < limit < usage:
            raise CgroupError(f"linux.resources.memory.limit: rejecting {limit}, below the current usage {usage} "
                              "(checkBeforeUpdate)")
        swap_usage = common.read_int(path, "memory.swap.current")
        if swap and 0 < swap < usage + swap_usage:
            raise CgroupError(f"linux.resources.memory.swap: rejecting {swap}, below the current memory+swap "
                              f"usage {usage + swap_usage} (checkBeforeUpdate)")
    swap_max = common.swap_to_v2(swap, limit)
    if swap_max is not None:
        value = common.num_or_max(swap_max)
        if os.path.exists(os.path.join(path, "memory.swap.max")):
            write_checked(path, "memory.swap.max", value, "linux.resources.memory.swap",
                          normalize=lambda s: _memory_value(s.strip()))
        elif value not in ("max", "0"):
            # no swap accounting: "no swap" and "unlimited swap" need no file, a real limit does
            raise CgroupError("linux.resources.memory.swap: this host cannot enforce it "
                              "(memory.swap.max does not exist: no swap accounting)")
    if limit not in (None, 0):
        write_checked(path, "memory.max", common.num_or_max(limit), "linux.resources.memory.limit",
                      normalize=lambda s: _memory_value(s.strip()))
    if mem.get("reservation") not in (None, 0):
        write_checked(path, "memory.low", common.num_or_max(mem["reservation"]),
                      "linux.resources.memory.reservation", normalize=lambda s: _memory_value(s.strip()))


def write_cpu(path, cpu):
    if cpu.get("idle") is not None:
        write_checked(path, "cpu.idle", int(cpu["idle"]), "linux.resources.cpu.idle")
    if cpu.get("shares"):
        write_checked(path, "cpu.weight", common.shares_to_weight(cpu["shares"]), "linux.resources.cpu.shares")
    quota, period = cpu.get("quota") or 0, cpu.get("period") or 0
    if quota or period:
        value = common.num_or_max(quota) if quota else "max"
        if period:
            value += f" {period}"
        write(path, "cpu.max", value, "linux.resources.cpu.quota/period")
        got = read(path, "cpu.max").split()
        want = value.split()
        if got[0] != want[0] or (period and got[1] != want[1]):
            raise CgroupError(f"linux.resources.cpu.quota/period: wrote {value!r} to cpu.max but the kernel "
                              f"holds {' '.join(got)!r}")
    if cpu.get("burst") is not None:
        write_checked(path, "cpu.max.burst", cpu["burst"], "linux.resources.cpu.burst")
    for key in ("cpus", "mems"):
        if cpu.get(key):
            common.write_cpu_list(path, key, cpu[key])


def write_io(path, bio):
    bfq = os.path.exists(os.path.join(path, "io.bfq.weight"))
    weight_file = "io.bfq.weight" if bfq else "io.weight"
    convert = (lambda w: w) if bfq else common.blkio_weight_to_io_weight
    if bio.get("weight"):
        value = convert(bio["weight"])
        write(path, weight_file, value, "linux.resources.blockIO.weight")
        got = _lines_dict(read(path, weight_file)).get("default")
        if got != str(value):
            raise CgroupError(f"linux.resources.blockIO.weight: wrote {value} to {weight_file} "
                              f"but the kernel holds {got!r}")
    for i, d in enumerate(bio.get("weightDevice") or ()):
        field = f"linux.resources.blockIO.weightDevice[{i}]"
        if d.get("weight"):
            dev = common.device_key(d, field)
            value = convert(d["weight"])
            write(path, weight_file, f"{dev} {value}", field)
            got = _lines_dict(read(path, weight_file)).get(dev)
            if got != str(value):
                raise CgroupError(f"{field}: wrote '{dev} {value}' to {weight_file} but the kernel holds {got!r}")
    for key, name in (("throttleReadBpsDevice", "rbps"), ("throttleWriteBpsDevice", "wbps"),
                      ("throttleReadIOPSDevice", "riops"), ("throttleWriteIOPSDevice", "wiops")):
        for i, d in enumerate(bio.get(key) or ()):
            field = f"linux.resources.blockIO.{key}[{i}]"
            dev = common.device_key(d, field)
            rate = d.get("rate")
            if not isinstance(rate, int) or rate < 0:
                raise ConfigError(f"{field}.rate: must be a non-negative integer")
            value = str(rate) if rate else "max"   # 0 means no limit, as in v1
            write(path, "io.max", f"{dev} {name}={value}", field)
            fields = dict(kv.split("=", 1) for kv in _lines_dict(read(path, "io.max")).get(dev, "").split())
            if fields.get(name, "max") != value:
                raise CgroupError(f"{field}: wrote '{dev} {name}={value}' to io.max but the kernel holds "
                                  f"{name}={fields.get(name, 'max')}")


def write_hugetlb(path, limits):
    for i, h in enumerate(limits):
        field = f"linux.resources.hugepageLimits[{i}]"
        size = h.get("pageSize", "")
        page = common.hugepage_bytes(size)
        name = f"hugetlb.{size}.max"
        if not os.path.exists(os.path.join(path, name)):
            raise CgroupError(f"{field}: this host cannot enforce it (no {name}: page size {size} unsupported)")
        limit = h.get("limit")
        write_checked(path, name, limit, field, expect=str(limit // page * page))


def write_rdma(path, rdma):
    for dev, lim in rdma.items():
        field = f"linux.resources.rdma[{dev!r}]"
        parts = []
        if lim.get("hcaHandles") is not None:
            parts.append(f"hca_handle={lim['hcaHandles']}")
        if lim.get("hcaObjects") is not None:
            parts.append(f"hca_object={lim['hcaObjects']}")
        if not parts:
            continue
        write(path, "rdma.max", f"{dev} {' '.join(parts)}", field)
        got = _lines_dict(read(path, "rdma.max")).get(dev, "")
        if not set(parts) <= set(got.split()):
            raise CgroupError(f"{field}: wrote {' '.join(parts)!r} to rdma.max but the kernel holds {got!r}")


def write_unified(path, unified):
    enabled = set(read(path, "cgroup.controllers").split())
    for key, value in unified.items():
        common.check_unified_key(key, enabled)
        if not isinstance(value, str):
            raise ConfigError(f"linux.resources.unified[{key!r}]: the value must be a string")
        # multi-line values (io.max for several devices) go one line per write, as runc does
        for line in value.split("\n") or [""]:
            if line or value == "":
                write(path, key, line, f"linux.resources.unified[{key!r}]")


def write_resources(path, res, updating=False):
    common.check_types(res)
    check_supported(res)
    if res.get("memory"):
        write_memory(path, res["memory"], updating)
    if res.get("cpu"):
        write_cpu(path, res["cpu"])
    limit = (res.get("pids") or {}).get("limit")
    if limit:
        write_checked(path, "pids.max", common.num_or_max(limit), "linux.resources.pids.limit")
    if res.get("blockIO"):
        write_io(path, res["blockIO"])
    if res.get("hugepageLimits"):
        write_hugetlb(path, res["hugepageLimits"])
    if res.get("rdma"):
        write_rdma(path, res["rdma"])
    if res.get("unified"):
        write_unified(path, res["unified"])


def attach_device_filter(path, rules):
    """Load the program for rules and attach it to the cgroup; detach the programs it replaces."""
    from runtime import linux
    from runtime.cgroups import devices
    insns = devices.encode(devices.bpf_instructions(rules))
    dirfd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        old = linux.bpf_prog_query(dirfd, linux.BPF_CGROUP_DEVICE)
        try:
            prog = linux.bpf_prog_load(linux.BPF_PROG_TYPE_CGROUP_DEVICE, insns, devices.LICENSE)
        except OSError as e:
            raise CgroupError(f"linux.resources.devices: cannot load the eBPF device filter: {e}")
        try:
            linux.bpf_prog_attach(dirfd, prog, linux.BPF_CGROUP_DEVICE, linux.BPF_F_ALLOW_MULTI)
        except OSError as e:
            raise CgroupError(f"linux.resources.devices: cannot attach the eBPF device filter to {path}: {e}")
        finally:
            os.close(prog)
        for prog_id in old:
            try:
                old_fd = linux.bpf_prog_get_fd_by_id(prog_id)
            except OSError:
                continue
            try:
                linux.bpf_prog_detach(dirfd, old_fd, linux.BPF_CGROUP_DEVICE)
            except OSError:
                pass
            finally:
                os.close(old_fd)
    finally:
        os.close(dirfd)


class V2Manager:
    version = 2

    def __init__(self, path, resources, device_rules, redefined=()):
        self.path = path
        self.resources = resources or {}
        self.device_rules = device_rules    # the effective [Rule]; None: leave devices alone
        self.redefined = tuple(redefined)   # default device paths linux.devices redefines (for update)
        self.created = []

    # --- lifecycle ---

    def create(self):
        try:
            self._make_path(needed_controllers(self.resources))
            if self.path not in self.created:
                common.refuse_busy([self.path])
            write_resources(self.path, self.resources)
            if self.device_rules is not None:
                attach_device_filter(self.path, self.device_rules)
        except BaseException:
            self._remove_created()
            raise

    def _make_path(self, need):
        if not os.path.exists(os.path.join(CGROUP_ROOT, "cgroup.controllers")):
            raise CgroupError(f"{CGROUP_ROOT} is not a cgroup v2 hierarchy")
        rel = os.path.relpath(self.path, CGROUP_ROOT)
        parts = rel.split("/")
        current = CGROUP_ROOT
        for part in parts:
            self._enable(current, need)
            current = os.path.join(current, part)
            try:
                os.mkdir(current)
                self.created.append(current)
            except FileExistsError:
                pass
            except OSError as e:
                raise CgroupError(f"linux.cgroupsPath: cannot create {current}: {e.strerror}")

    def _enable(self, parent, need):
        available = set(read(parent, "cgroup.controllers").split())
        enabled = set(read(parent, "cgroup.subtree_control").split())
        for controller, field in need.items():
            if controller not in available:
                raise CgroupError(f"{field}: this host cannot enforce it (the {controller} controller is not "
                                  f"available in {parent})")
        wanted = (set(need) | (set(ACCOUNTING) & available)) - enabled
        for controller in sorted(wanted):
            try:
                with open(os.path.join(parent, "cgroup.subtree_control"), "w") as f:
                    f.write(f"+{controller}")
            except OSError as e:
                if controller not in need:
                    continue   # accounting only: do without rather than fail
                hint = " (it holds processes: cgroup v2 forbids controllers for children of such a cgroup)" \
                    if e.errno == 16 else ""
                raise CgroupError(f"{need[controller]}: cannot enable the {controller} controller in "
                                  f"{parent}/cgroup.subtree_control: {e.strerror}{hint}")

    def _remove_created(self):
        common.remove_made(self.created)
        self.created = []

    def apply(self, pid):
        common.move(self.path, pid)

    def join_self(self):
        """Move the calling process into the cgroup, unless clone3(CLONE_INTO_CGROUP) put it there."""
        if os.getpid() not in common.procs(self.path, recursive=False):
            common.move(self.path, 0)

    def clone_into_path(self):
        """The directory to open for clone3(CLONE_INTO_CGROUP): no attach wait at all."""
        return self.path

    def destroy(self):
        if not os.path.isdir(self.path):
            return
        if os.path.exists(os.path.join(self.path, "cgroup.kill")):
            try:
                write(self.path, "cgroup.kill", "1", "cgroup.kill")
            except CgroupError:
                common.kill_pids(self.pids(), common.SIGKILL)
        else:
            self.thaw()
            common.kill_pids(self.pids(), common.SIGKILL)
        common.wait_until(lambda: not self._populated(), 10, f"the processes of {self.path} to exit")
        common.remove_tree(self.path)

    def _populated(self):
        try:
            return common.read_keyed(self.path, "cgroup.events").get("populated", 0) == 1
        except OSError:
            return False

    # --- queries and signals ---

    def pids(self):
        return common.procs(self.path)

    def signal_all(self, sig):
        if sig == common.SIGKILL and os.path.exists(os.path.join(self.path, "cgroup.kill")):
            write(self.path, "cgroup.kill", "1", "cgroup.kill")
            return
        was_frozen = self.is_frozen()
        self.freeze()
        try:
            common.kill_pids(self.pids(), sig)
        finally:
            if not was_frozen:
                self.thaw()

    def freeze(self):
        self._set_frozen(1)

    def thaw(self):
        self._set_frozen(0)

    def _set_frozen(self, value):
        if not os.path.isdir(self.path):
            raise CgroupError(f"cgroup {self.path} does not exist")
        write(self.path, "cgroup.freeze", str(value), "cgroup.freeze")
        common.wait_until(lambda: common.read_keyed(self.path, "cgroup.events").get("frozen") == value,
                          10, f"cgroup.events of {self.path} to show frozen {value}")

    def is_frozen(self):
        try:
            return read(self.path, "cgroup.freeze").strip() == "1"
        except OSError:
            return False

    def update(self, resources):
        common.check_types(resources)
        merged = common.merge_resources(self.resources, resources)
        # whole sections, merged: swap is converted against the limit, which the update may not repeat
        touched = {key: merged[key] for key in resources if key != "devices"}
        need = needed_controllers(touched)
        if need:
            missing = set(need) - set(read(self.path, "cgroup.controllers").split())
            if missing:
                # enable newly needed controllers down the path (the parents hold no processes)
                current = CGROUP_ROOT
                for part in os.path.relpath(self.path, CGROUP_ROOT).split("/"):
                    self._enable(current, need)
                    current = os.path.join(current, part)
        write_resources(self.path, touched, updating=True)
        if resources.get("devices") is not None:
            from runtime.cgroups.devices import effective_rules
            self.device_rules = effective_rules(resources["devices"], self.redefined)
            attach_device_filter(self.path, self.device_rules)
        self.resources = merged

    def saved(self):
        return {"version": 2, "path": self.path, "resources": self.resources,
                "devices": common.rules_json(self.device_rules), "redefinedDevices": list(self.redefined)}

    # --- statistics (runc's events --stats shape) ---

    def oom_kills(self):
        return common.read_keyed(self.path, "memory.events").get("oom_kill", 0)

    def stats(self):
        """runc's `events --stats` data for v2 (types/events.go, zero fields left out as Go does).

        As runc: swap is reported as memory+swap, the way v1's memsw counts it."""
        p = self.path
        cpu = common.read_keyed(p, "cpu.stat")
        mem_stat = common.read_keyed(p, "memory.stat")
        unlimited = 2 ** 64 - 1
        usage = common.read_int(p, "memory.current")
        limit = common.read_int(p, "memory.max", unlimited)
        swap_limit = common.read_int(p, "memory.swap.max", unlimited)
        stats = {
            "cpu": common.cpu_stats(total=cpu.get("usage_usec", 0) * 1000, kernel=cpu.get("system_usec", 0) * 1000,
                                    user=cpu.get("user_usec", 0) * 1000, periods=cpu.get("nr_periods", 0),
                                    throttled_periods=cpu.get("nr_throttled", 0),
                                    throttled_time=cpu.get("throttled_usec", 0) * 1000),
            "cpuset": {},
            "memory": common.drop_empty({
                "cache": mem_stat.get("file", 0),
                "usage": common.memory_entry(usage, limit, common.read_int(p, "memory.peak"),
                                             common.read_keyed(p, "memory.events").get("max", 0)),
                "swap": common.memory_entry(usage + common.read_int(p, "memory.swap.current"),
                                            swap_limit if swap_limit == unlimited or limit == unlimited
                                            else swap_limit + limit),
                "raw": dict(sorted(mem_stat.items()))}, "cache", "raw"),
            "pids": common.drop_empty({"current": common.read_int(p, "pids.current"),
                                       "limit": common.read_int(p, "pids.max")}, "current", "limit"),
            "blkio": {},
            "hugetlb": {},
        }
        for name, key in (("cpuset.cpus.effective", "cpus"), ("cpuset.mems.effective", "mems")):
            try:
                stats["cpuset"][key] = sorted(common.parse_cpu_list(read(p, name)))
            except OSError:
                pass
        try:
            service_bytes, serviced = common.blkio_entries(read(p, "io.stat"), keyed=True)
            stats["blkio"] = common.drop_empty({"ioServiceBytesRecursive": service_bytes,
                                                "ioServicedRecursive": serviced},
                                               "ioServiceBytesRecursive", "ioServicedRecursive")
        except OSError:
            pass
        for name in os.listdir(p):
            if name.startswith("hugetlb.") and name.endswith(".current"):
                size = name[len("hugetlb."):-len(".current")]
                stats["hugetlb"][size] = common.drop_empty({   # v2 keeps no peak: no "max", as runc
                    "usage": common.read_int(p, name),
                    "failcnt": common.read_keyed(p, f"hugetlb.{size}.events").get("max", 0)}, "usage")
        return stats
