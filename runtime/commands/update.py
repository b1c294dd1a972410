"""pyrun update: change a running container's resource limits (runc's flags, or a LinuxResources
JSON document with --resources FILE or - for stdin)."""

from runtime.cli import Option

USAGE = "pyrun update [command options] <container-id>"
OPTIONS = [
    Option("--resources", "-r", kind="value", help="path to a file with the resources to update, or - for stdin"),
    Option("--blkio-weight", kind="int", help="specifies per cgroup weight, range is from 10 to 1000"),
    Option("--cpu-period", kind="value", help="CPU CFS period to be used for hardcapping (in usecs)"),
    Option("--cpu-quota", kind="value", help="CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period"),
    Option("--cpu-burst", kind="value", help="CPU CFS burst (in usecs)"),
    Option("--cpu-share", kind="value", help="CPU shares (relative weight vs. other containers)"),
    Option("--cpu-rt-period", kind="value", help="CPU realtime period to be used for hardcapping (in usecs)"),
    Option("--cpu-rt-runtime", kind="value", help="CPU realtime hardcap limit (in usecs)"),
    Option("--cpuset-cpus", kind="value", help="CPU(s) to use"),
    Option("--cpuset-mems", kind="value", help="Memory node(s) to use"),
    Option("--kernel-memory", kind="value", help="(obsoleted; do not use)"),
    Option("--kernel-memory-tcp", kind="value", help="(obsoleted; do not use)"),
    Option("--memory", "-m", kind="value", help="Memory limit (in bytes)"),
    Option("--memory-reservation", kind="value", help="Memory reservation or soft_limit (in bytes)"),
    Option("--memory-swap", kind="value", help="Total memory usage (memory + swap); set '-1' to enable unlimited swap"),
    Option("--pids-limit", kind="int", help="Maximum number of pids allowed in the container"),
    Option("--l3-cache-schema", kind="value", help="The string of Intel RDT/CAT L3 cache schema"),
    Option("--mem-bw-schema", kind="value", help="The string of Intel RDT/MBA memory bandwidth schema"),
]
# Also accepted in runc's spelling.
OPTIONS.append(Option("--cpu-shares", kind="value", help="CPU shares (alias of --cpu-share)"))

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
          "g": 1 << 30, "gb": 1 << 30, "t": 1 << 40, "tb": 1 << 40}


def parse_bytes(text, flag):
    """runc's RAMInBytes: a number with an optional binary unit (512m, 1g); -1 means unlimited."""
    from runtime.errors import UsageError
    value = text.strip().lower()
    if value == "-1":
        return -1
    number = value.rstrip("bkmgti ")
    unit = value[len(number):].replace(" ", "").replace("i", "", 1)   # "100m", "100 MiB", as Go's units
    try:
        if number.startswith(("-", "+")):
            raise ValueError   # runc: a negative size other than -1 is invalid
        return int(float(number) * _UNITS[unit])
    except (ValueError, KeyError):
        raise UsageError(f"invalid value for {flag}: {text}") from None


def _int(text, flag, unsigned=False):
    from runtime.errors import UsageError
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"invalid value for {flag}: {text}") from None
    if unsigned and value < 0:
        raise UsageError(f"invalid value for {flag}: {text}")   # runc parses these as unsigned
    return value


def resources_from_flags(opts):
    from runtime.errors import Unsupported
    res = {}
    if opts.l3_cache_schema or opts.mem_bw_schema:
        raise Unsupported("Intel RDT is not supported or enabled on this host")
    memory = {}
    for flag, key in (("memory", "limit"), ("memory_reservation", "reservation"), ("memory_swap", "swap")):
        value = getattr(opts, flag)
        if value is not None:
            memory[key] = parse_bytes(value, "--" + flag.replace("_", "-"))
    if memory:
        res["memory"] = memory
    cpu = {}
    shares = opts.cpu_share if opts.cpu_share is not None else opts.cpu_shares
    for value, key, flag, unsigned in (
            (shares, "shares", "--cpu-share", True), (opts.cpu_quota, "quota", "--cpu-quota", False),
            (opts.cpu_period, "period", "--cpu-period", True), (opts.cpu_burst, "burst", "--cpu-burst", True),
            (opts.cpu_rt_period, "realtimePeriod", "--cpu-rt-period", True),
            (opts.cpu_rt_runtime, "realtimeRuntime", "--cpu-rt-runtime", False)):
        if value is not None:
            cpu[key] = _int(value, flag, unsigned)
    if opts.cpuset_cpus is not None:
        cpu["cpus"] = opts.cpuset_cpus
    if opts.cpuset_mems is not None:
        cpu["mems"] = opts.cpuset_mems
    if cpu:
        res["cpu"] = cpu
    if opts.pids_limit is not None:
        res["pids"] = {"limit": _int(opts.pids_limit, "--pids-limit")}
    if opts.blkio_weight is not None:
        res["blockIO"] = {"weight": _int(opts.blkio_weight, "--blkio-weight")}
    return res


def main(g, opts, args):
    import json
    import sys
    from runtime import container, state
    from runtime.cli import one_id
    from runtime.errors import NotRunning, PyrunError
    # runc's order: the container first, then what to change in it
    lock, record = state.locked(g.root, one_id(args, "update"))
    try:
        if opts.resources:
            try:
                text = sys.stdin.read() if opts.resources == "-" else open(opts.resources).read()
                resources = json.loads(text)
            except (OSError, ValueError) as err:
                raise PyrunError(f"update: reading resources from {opts.resources}: {err}") from None
            if not isinstance(resources, dict):
                raise PyrunError("update: resources must be a JSON object (LinuxResources)")
        else:
            resources = resources_from_flags(opts)
            if opts.kernel_memory is not None or opts.kernel_memory_tcp is not None:
                from runtime.log import warning
                warning(g, "Kernel memory settings are ignored and will be removed")   # runc's words
        manager = container.manager_of(record)
        if state.status(record, manager) == "stopped":
            raise NotRunning()
        if manager is None:
            raise PyrunError("cannot update a container without a cgroup")
        manager.update(resources)
        record.cgroup = manager.saved()
        state.save(record)
    finally:
        lock.__exit__()
    return 0
