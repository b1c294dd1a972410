"""What the v1 and v2 managers share: cgroupsPath resolution, runc's value conversions, and file I/O
that turns every failure into a CgroupError naming the config field.

Pure functions here are unit-tested without a cgroup (tests/cgroups/test_logic.py).
"""

import errno
import os
import posixpath
import time

from runtime.errors import CgroupError, ConfigError

CGROUP_ROOT = "/sys/fs/cgroup"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


# --- linux.cgroupsPath --------------------------------------------------------------------------

def clean_path(path):
    """runc's utils.CleanPath: lexically clean; a relative path can never climb above its base."""
    if not path:
        return ""
    path = posixpath.normpath(path)
    if not path.startswith("/"):
        path = posixpath.relpath(posixpath.normpath("/" + path), "/")
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    return path


def is_systemd_form(path):
    """slice:prefix:name, the form runc accepts only with --systemd-cgroup."""
    return path.count(":") == 2 and "/" not in path


def inner_path(cgroups_path, container_id):
    """The cgroup path to use: absolute (from the hierarchy root) or relative (to the runtime's own cgroup).

    Empty means runc's default: the container id, relative."""
    if cgroups_path is not None and not isinstance(cgroups_path, str):
        raise ConfigError("linux.cgroupsPath: must be a string")
    if cgroups_path and is_systemd_form(cgroups_path):
        raise ConfigError(f"linux.cgroupsPath {cgroups_path!r} is in systemd's slice:prefix:name form; "
                          "pyrun manages cgroups directly (no systemd runs here): give a path such as "
                          "/mygroup/<id> instead")
    inner = clean_path(cgroups_path or "") or container_id
    if inner in ("/", "."):
        raise ConfigError(f"linux.cgroupsPath {cgroups_path!r} names the root cgroup; a container needs its own")
    return inner


def own_cgroups(pid="self"):
    """/proc/PID/cgroup as {controllers: path}; "" is the cgroup v2 (unified) entry."""
    result = {}
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            result[controllers] = path
    return result


# --- conversions, as runc does them (libcontainer/cgroups/utils.go) ----------------------------

def shares_to_weight(shares):
    """cpu.shares [2..262144] -> cpu.weight [1..10000]; 0 means unset."""
    if not shares:
        return 0
    return 1 + ((shares - 2) * 9999) // 262142


def blkio_weight_to_io_weight(weight):
    """blkio.weight [10..1000] -> io.weight [1..10000]; 0 means unset."""
    if not weight:
        return 0
    return 1 + ((weight - 10) * 9999) // 990


def swap_to_v2(swap, memory):
    """OCI memory.swap (memory+swap, v1 semantics) -> memory.swap.max; None when unset.

    -1 is unlimited. Raises ConfigError for combinations runc rejects."""
    swap = swap or 0
    memory = memory or 0
    if memory == -1 and swap == 0:
        return -1      # unlimited memory and no swap limit: unlimited swap, as on v1
    if swap in (-1, 0):
        return swap if swap else None
    if memory in (0, -1):
        raise ConfigError("linux.resources.memory.swap: cannot limit swap without a memory limit")
    if memory < 0:
        raise ConfigError(f"linux.resources.memory.limit: invalid value {memory}")
    if swap < memory:
        raise ConfigError(f"linux.resources.memory.swap: {swap} is below memory.limit {memory}; "
                          "swap is memory+swap and must be >= the memory limit")
    return swap - memory


def num_or_max(value):
    """-1 (or any negative) -> "max", else the number."""
    return "max" if value < 0 else str(value)


def page_round(value):
    """What a page_counter reads back after a byte limit is written (rounded down to a page)."""
    return value // PAGE_SIZE * PAGE_SIZE


def parse_cpu_list(text):
    """"0-2,5" -> {0, 1, 2, 5}; raises ValueError on garbage."""
    result = set()
    for part in text.replace("\n", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            lo, hi = part.split("-", 1)
            result.update(range(int(lo), int(hi) + 1))
        else:
            result.add(int(part))
    return result


def hugepage_bytes(size):
    """"2MB" / "1GB" / "64KB" -> bytes; ConfigError otherwise."""
    units = {"KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}
    for unit, mult in units.items():
        if size.endswith(unit) and size[:-2].isascii() and size[:-2].isdigit():
            return int(size[:-2]) * mult
    raise ConfigError(f"linux.resources.hugepageLimits: pageSize {size!r} is not like 2MB or 1GB")


def device_key(entry, field):
    """A blockIO device entry -> "major:minor"."""
    try:
        major, minor = entry["major"], entry["minor"]
    except (KeyError, TypeError):
        raise ConfigError(f"{field}: needs major and minor")
    if not all(isinstance(n, int) and n >= 0 for n in (major, minor)):
        raise ConfigError(f"{field}: major and minor must be non-negative integers")
    return f"{major}:{minor}"


_INTS = {"memory": ("limit", "reservation", "swap", "kernel", "kernelTCP", "swappiness"),
         "cpu": ("shares", "quota", "period", "burst", "realtimeRuntime", "realtimePeriod", "idle"),
         "pids": ("limit",), "blockIO": ("weight", "leafWeight")}
_BOOLS = {"memory": ("disableOOMKiller", "useHierarchy", "checkBeforeUpdate")}
_STRS = {"cpu": ("cpus", "mems")}
_DEVICE_LISTS = ("weightDevice", "throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice",
                 "throttleWriteIOPSDevice")


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_types(res):
    """The shape of a LinuxResources dict (an update's comes unvalidated); a ConfigError names the field."""
    def fail(field, what):
        raise ConfigError(f"linux.resources.{field}: must be {what}")
    if not isinstance(res, dict):
        raise ConfigError("linux.resources: must be an object")
    for section in ("memory", "cpu", "pids", "blockIO", "network"):
        if res.get(section) is not None and not isinstance(res[section], dict):
            fail(section, "an object")
    for kinds, test, what in ((_INTS, _is_int, "an integer"), (_BOOLS, lambda v: isinstance(v, bool), "true or false"),
                              (_STRS, lambda v: isinstance(v, str), "a string")):
        for section, keys in kinds.items():
            for key in keys:
                value = (res.get(section) or {}).get(key)
                if value is not None and not test(value):
                    fail(f"{section}.{key}", what)
    bio = res.get("blockIO") or {}
    for name in _DEVICE_LISTS:
        entries = bio.get(name)
        if entries is None:
            continue
        if not isinstance(entries, list):
            fail(f"blockIO.{name}", "a list")
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                fail(f"blockIO.{name}[{i}]", "an object")
            for key in ("major", "minor", "weight", "leafWeight", "rate"):
                if entry.get(key) is not None and not _is_int(entry[key]):
                    fail(f"blockIO.{name}[{i}].{key}", "an integer")
    pages = res.get("hugepageLimits")
    if pages is not None:
        if not isinstance(pages, list):
            fail("hugepageLimits", "a list")
        for i, entry in enumerate(pages):
            if not isinstance(entry, dict) or not isinstance(entry.get("pageSize"), str) \
                    or not _is_int(entry.get("limit")):
                fail(f"hugepageLimits[{i}]", "an object with pageSize (a string) and limit (an integer)")
    rdma = res.get("rdma")
    if rdma is not None:
        if not isinstance(rdma, dict):
            fail("rdma", "an object")
        for dev, limits in rdma.items():
            if not isinstance(limits, dict) or any(limits.get(k) is not None and not _is_int(limits[k])
                                                   for k in ("hcaHandles", "hcaObjects")):
                fail(f"rdma[{dev!r}]", "an object with integer hcaHandles/hcaObjects")
    unified = res.get("unified")
    if unified is not None and (not isinstance(unified, dict)
                                or not all(isinstance(k, str) and isinstance(v, str) for k, v in unified.items())):
        fail("unified", "an object of strings")
    devices = res.get("devices")
    if devices is not None and not isinstance(devices, list):
        fail("devices", "a list")


def merge_resources(old, new):
    """An update's LinuxResources over the saved ones: objects merge key by key, lists and values replace."""
    merged = dict(old or {})
    for key, value in (new or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_resources(merged[key], value)
        else:
            merged[key] = value
    return merged


def rules_json(rules):
    """Device rules (Rule objects, or the lists load() keeps) as JSON-able lists."""
    if rules is None:
        return None
    return [list(r) if isinstance(r, (list, tuple)) else [r.type, r.major, r.minor, r.access, r.allow]
            for r in rules]


# --- statistics, in runc's types/events.go shape ------------------------------------------------

def drop_empty(d, *keys):
    """Go's omitempty for the named keys: drop them when 0, empty or None."""
    for key in keys:
        if not d.get(key):
            d.pop(key, None)
    return d


def memory_entry(usage=0, limit=0, max_usage=0, failcnt=0):
    return drop_empty({"limit": limit, "usage": usage, "max": max_usage, "failcnt": failcnt}, "usage", "max")


def cpu_stats(total=0, percpu=(), percpu_kernel=(), percpu_user=(), kernel=0, user=0,
              periods=0, throttled_periods=0, throttled_time=0):
    usage = drop_empty({"total": total, "percpu": list(percpu), "percpu_kernel": list(percpu_kernel),
                        "percpu_user": list(percpu_user), "kernel": kernel, "user": user},
                       "total", "percpu", "percpu_kernel", "percpu_user")
    throttling = drop_empty({"periods": periods, "throttledPeriods": throttled_periods,
                             "throttledTime": throttled_time}, "periods", "throttledPeriods", "throttledTime")
    return {"usage": usage, "throttling": throttling}


def blkio_entries(text, keyed=False):
    """v1 "MAJ:MIN Op value" lines, or v2 io.stat "MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=.." (keyed)
    -> (service bytes, serviced) entry lists."""
    service_bytes, serviced = [], []
    for line in text.splitlines():
        parts = line.split()
        if not parts or ":" not in parts[0]:
            continue
        major, minor = (int(n) for n in parts[0].split(":"))
        if keyed:
            kv = dict(f.split("=", 1) for f in parts[1:] if "=" in f)
            for key, op, out in (("rbytes", "Read", service_bytes), ("wbytes", "Write", service_bytes),
                                 ("rios", "Read", serviced), ("wios", "Write", serviced)):
                if key in kv:
                    out.append(drop_empty({"major": major, "minor": minor, "op": op, "value": int(kv[key])},
                                          "major", "minor", "value"))
        elif len(parts) == 3:
            service_bytes.append(drop_empty({"major": major, "minor": minor, "op": parts[1],
                                             "value": int(parts[2])}, "major", "minor", "value"))
    return service_bytes, serviced


# --- unified (cgroup v2 key/values) ---------------------------------------------------------------

# core files a container's config has no business writing: they are the runtime's levers
_UNIFIED_FORBIDDEN = {"cgroup.procs", "cgroup.threads", "cgroup.subtree_control", "cgroup.kill",
                      "cgroup.freeze", "cgroup.type", "cgroup.events", "cgroup.controllers"}


def check_unified_key(key, enabled_controllers=None):
    """Refuse path tricks, malformed names and (given the enabled set) files of controllers not enabled."""
    field = f"linux.resources.unified[{key!r}]"
    if not isinstance(key, str) or not key or "/" in key or "\0" in key or key in (".", "..") \
            or key.startswith("."):
        raise ConfigError(f"{field}: must be a plain file name (no slashes or dots paths)")
    controller, dot, param = key.partition(".")
    if not dot or not controller or not param:
        raise ConfigError(f"{field}: must be of the form CONTROLLER.PARAMETER")
    if key in _UNIFIED_FORBIDDEN:
        raise ConfigError(f"{field}: {key} is managed by the runtime, not settable from config")
    if enabled_controllers is not None and controller != "cgroup" and controller not in enabled_controllers:
        raise ConfigError(f"{field}: controller {controller!r} is not available in this cgroup "
                          f"(available: {' '.join(sorted(enabled_controllers)) or 'none'})")


# --- files -----------------------------------------------------------------------------------------

def read(dirpath, name):
    with open(os.path.join(dirpath, name)) as f:
        return f.read()


def read_int(dirpath, name, default=0):
    try:
        text = read(dirpath, name).strip()
    except OSError:
        return default
    if text == "max":
        return default
    try:
        return int(text)
    except ValueError:
        return default


def read_keyed(dirpath, name):
    """A "key value" per line file (memory.stat, cpu.stat, memory.events) -> {key: int}."""
    result = {}
    try:
        for line in read(dirpath, name).splitlines():
            parts = line.split()
            if len(parts) == 2:
                try:
                    result[parts[0]] = int(parts[1])
                except ValueError:
                    pass
    except OSError:
        pass
    return result


def write(dirpath, name, value, field):
    """Write one value; any failure is a CgroupError naming the config field and the file."""
    path = os.path.join(dirpath, name)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise CgroupError(f"{field}: this host cannot enforce it ({name} does not exist in {dirpath})")
    except OSError as e:
        raise CgroupError(f"{field}: cannot open {path}: {e.strerror}")
    try:
        os.write(fd, str(value).encode())
    except OSError as e:
        raise CgroupError(f"{field}: the kernel refused {str(value)!r} in {path}: {e.strerror}")
    finally:
        os.close(fd)


def move(dirpath, pid, name="cgroup.procs"):
    """Write a pid (or "0": the caller) into a cgroup; an error says which process and which cgroup."""
    try:
        fd = os.open(os.path.join(dirpath, name), os.O_WRONLY | os.O_CLOEXEC)
        try:
            os.write(fd, str(pid).encode())
        finally:
            os.close(fd)
    except OSError as e:
        who = "this process" if str(pid) == "0" else f"process {pid}"
        raise CgroupError(f"cannot move {who} into cgroup {dirpath}: {e.strerror}")


def write_cpu_list(dirpath, key, value):
    """linux.resources.cpu.cpus or .mems (key) into cpuset.<key>, read back as the same set."""
    try:
        want = parse_cpu_list(value)
    except ValueError:
        raise ConfigError(f"linux.resources.cpu.{key}: {value!r} is not a list like 0-2,4") from None
    write_checked(dirpath, f"cpuset.{key}", value, f"linux.resources.cpu.{key}", expect=want,
                  normalize=parse_cpu_list)


def write_checked(dirpath, name, value, field, expect=None, normalize=str.strip):
    """Write, then read back; the normalized content must equal expect (default: the value written)."""
    write(dirpath, name, value, field)
    got = read(dirpath, name)
    want = str(value) if expect is None else expect
    if normalize(got) != (normalize(want) if isinstance(want, str) else want):
        raise CgroupError(f"{field}: wrote {str(value)!r} to {os.path.join(dirpath, name)} "
                          f"but the kernel holds {got.strip()!r}")


def procs(dirpath, recursive=True):
    """Pids in cgroup.procs of dirpath (and of every cgroup below it)."""
    pids = []
    for root, dirs, _ in (os.walk(dirpath) if recursive else [(dirpath, [], [])]):
        try:
            pids += [int(p) for p in read(root, "cgroup.procs").split()]
        except FileNotFoundError:
            continue
    return pids


def refuse_busy(existing):
    """A container's cgroup that was there before it (linux.cgroupsPath names one) must hold no
    process, below it neither: everything in it is the container's to limit, and to kill and
    remove on delete (which would otherwise take a host service along). runc 1.2's rule and words."""
    found = [pid for path in existing for pid in procs(path)]
    if found:
        raise CgroupError(f"container's cgroup is not empty: {len(set(found))} process(es) found "
                          f"(linux.cgroupsPath: {existing[0]})")


def kill_pids(pids, sig):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def remove_tree(dirpath, timeout=5.0):
    """rmdir dirpath and every cgroup below it, deepest first; a missing path is fine.

    rmdir of a cgroup whose last task just exited can briefly fail with EBUSY: retry until timeout."""
    if not os.path.isdir(dirpath):
        return
    dirs = [root for root, _, _ in os.walk(dirpath)]
    deadline = time.monotonic() + timeout
    for d in reversed(dirs):
        while True:
            try:
                os.rmdir(d)
                break
            except FileNotFoundError:
                break
            except OSError as e:
                if e.errno not in (errno.EBUSY, errno.ENOTEMPTY) or time.monotonic() > deadline:
                    raise CgroupError(f"cannot remove cgroup {d}: {e.strerror}")
                time.sleep(0.005)


def remove_made(dirs):
    """Undo a failed create: remove the directories it made (listed parent first), deepest first,
    as far as possible - the error being reported is the one that made the create fail."""
    for d in reversed(dirs):
        try:
            remove_tree(d, timeout=1.0)
        except CgroupError:
            pass


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    delay = 0.001
    while not predicate():
        if time.monotonic() > deadline:
            raise CgroupError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


SIGKILL = 9   # not imported from signal: that module costs an enum import
