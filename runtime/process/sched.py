"""How the container process is scheduled and what it looks like to itself: linux.personality,
process.ioPriority, process.scheduler and process.execCPUAffinity (runtime-spec 1.2), applied to
the calling process; and linux.intelRdt, refused where the host has no resctrl.

check(config) validates all of them before anything is created; each apply_*() validates its
own part again (so it can be called alone) and raises SetupError when the kernel refuses.
Validation rules and messages follow runc's.
"""

import os

from runtime import linux
from runtime.errors import ConfigError, SetupError, Unsupported

PERSONALITY_DOMAINS = {"LINUX": 0x0000, "LINUX32": 0x0008}

IOPRIO_CLASSES = {"IOPRIO_CLASS_RT": 1, "IOPRIO_CLASS_BE": 2, "IOPRIO_CLASS_IDLE": 3}
IOPRIO_CLASS_SHIFT = 13
IOPRIO_WHO_PROCESS = 1

SCHED_POLICIES = {"SCHED_OTHER": 0, "SCHED_FIFO": 1, "SCHED_RR": 2, "SCHED_BATCH": 3,
                  "SCHED_ISO": 4, "SCHED_IDLE": 5, "SCHED_DEADLINE": 6}
SCHED_FLAGS = {"SCHED_FLAG_RESET_ON_FORK": 0x01, "SCHED_FLAG_RECLAIM": 0x02,
               "SCHED_FLAG_DL_OVERRUN": 0x04, "SCHED_FLAG_KEEP_POLICY": 0x08,
               "SCHED_FLAG_KEEP_PARAMS": 0x10, "SCHED_FLAG_UTIL_CLAMP_MIN": 0x20,
               "SCHED_FLAG_UTIL_CLAMP_MAX": 0x40}

RESCTRL = "/sys/fs/resctrl"


def _reason(err):
    return os.strerror(err.errno) if err.errno else str(err)


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


# --- personality ---

def personality_value(personality, warn=None):
    """linux.personality -> the persona for personality(2); flags are ignored with a warning
    (runtime-spec: "Currently no flag values are supported"; runc warns the same way)."""
    if not isinstance(personality, dict):
        raise ConfigError("linux.personality: must be an object")
    domain = personality.get("domain")
    if domain not in PERSONALITY_DOMAINS:
        raise ConfigError(f'linux.personality.domain: invalid personality domain "{domain}"')
    flags = personality.get("flags") or []
    if not isinstance(flags, list):
        raise ConfigError("linux.personality.flags: must be a list")
    if flags and warn is not None:
        warn(f"ignoring unsupported personality flags: {flags} because personality flag has not "
             "supported at this time")
    return PERSONALITY_DOMAINS[domain]


def apply_personality(personality, warn=None):
    if personality is None:
        return
    persona = personality_value(personality, warn)
    try:
        linux.personality(persona)
    except OSError as err:
        raise SetupError(f"unable to set personality: {_reason(err)}") from None


# --- I/O priority ---

def io_priority_value(io_priority):
    """process.ioPriority -> the ioprio value for ioprio_set(2)."""
    if not isinstance(io_priority, dict):
        raise ConfigError("process.ioPriority: must be an object")
    cls = io_priority.get("class")
    if cls not in IOPRIO_CLASSES:
        raise ConfigError(f'process.ioPriority.class: invalid io priority class "{cls}"')
    priority = io_priority.get("priority", 0)
    if not _is_int(priority) or not 0 <= priority <= 7:
        raise ConfigError(f"process.ioPriority.priority: invalid ioPriority.Priority: {priority} (0 to 7)")
    return IOPRIO_CLASSES[cls] << IOPRIO_CLASS_SHIFT | priority


def apply_io_priority(io_priority):
    if io_priority is None:
        return
    value = io_priority_value(io_priority)
    try:
        linux.ioprio_set(IOPRIO_WHO_PROCESS, 0, value)
    except OSError as err:
        raise SetupError(f"setting I/O priority {io_priority.get('class')}: {_reason(err)}") from None


# --- scheduler ---

def scheduler_attr(scheduler):
    """process.scheduler -> keyword arguments for linux.sched_setattr (runc's validation)."""
    if not isinstance(scheduler, dict):
        raise ConfigError("process.scheduler: must be an object")
    policy = scheduler.get("policy")
    if not policy:
        raise ConfigError("process.scheduler.policy: scheduler policy is required")
    if policy not in SCHED_POLICIES:
        raise ConfigError(f'process.scheduler.policy: invalid scheduler policy "{policy}"')
    attr = {"policy": SCHED_POLICIES[policy]}
    for key in ("nice", "priority", "runtime", "deadline", "period"):
        value = scheduler.get(key, 0)
        if not _is_int(value) or (key != "nice" and value < 0):
            raise ConfigError(f"process.scheduler.{key}: must be {'an' if key == 'nice' else 'a non-negative'} integer")
        attr[key] = value
    if not -20 <= attr["nice"] <= 19:
        raise ConfigError(f"process.scheduler.nice: invalid scheduler.nice: {attr['nice']}")
    if attr["priority"] and policy not in ("SCHED_FIFO", "SCHED_RR"):
        raise ConfigError("process.scheduler.priority: scheduler.priority can only be specified "
                          "for SchedFIFO or SchedRR policy")
    if policy != "SCHED_DEADLINE" and (attr["runtime"] or attr["deadline"] or attr["period"]):
        raise ConfigError("process.scheduler: scheduler runtime/deadline/period can only be "
                          "specified for SchedDeadline policy")
    flags = 0
    for flag in scheduler.get("flags") or []:
        if flag not in SCHED_FLAGS:
            raise ConfigError(f'process.scheduler.flags: unknown flag "{flag}"')
        flags |= SCHED_FLAGS[flag]
    attr["flags"] = flags
    return attr


def apply_scheduler(scheduler):
    if scheduler is None:
        return
    attr = scheduler_attr(scheduler)
    try:
        linux.sched_setattr(0, **attr)
    except OSError as err:
        raise SetupError(f"error setting scheduler {scheduler.get('policy')}: {_reason(err)}") from None


# --- CPU affinity of exec'd processes ---

def parse_cpu_list(text, where="process.execCPUAffinity"):
    """ "0-3,7" -> {0, 1, 2, 3, 7}; an empty string -> empty set."""
    if not isinstance(text, str):
        raise ConfigError(f"{where}: must be a string like \"0-3,7\"")
    cpus = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        low, dash, high = part.partition("-")
        try:
            first = int(low)
            last = int(high) if dash else first
        except ValueError:
            raise ConfigError(f'{where}: invalid CPU list "{text}"') from None
        if first < 0 or last < first:
            raise ConfigError(f'{where}: invalid CPU range "{part}" in "{text}"')
        cpus.update(range(first, last + 1))
    return cpus


def _affinity(affinity, stage):
    if affinity is None:
        return None
    if not isinstance(affinity, dict):
        raise ConfigError("process.execCPUAffinity: must be an object")
    cpus = parse_cpu_list(affinity.get(stage) or "", f"process.execCPUAffinity.{stage}")
    return cpus or None


def apply_initial_affinity(affinity, pid=0):
    """execCPUAffinity.initial: where the process runs before it joins the container's cgroup."""
    _set_affinity(_affinity(affinity, "initial"), pid, "initial")


def apply_final_affinity(affinity, pid=0):
    """execCPUAffinity.final: where it runs once in the cgroup; unset leaves the kernel's choice."""
    _set_affinity(_affinity(affinity, "final"), pid, "final")


def _set_affinity(cpus, pid, stage):
    if not cpus:
        return
    try:
        os.sched_setaffinity(pid, cpus)
    except OSError as err:
        raise SetupError(f"error setting {stage} CPU affinity to {sorted(cpus)}: "
                         f"{_reason(err)}") from None


# --- Intel RDT ---

def check_intel_rdt(intel_rdt):
    """linux.intelRdt: refused with Unsupported unless the host has a mounted resctrl."""
    if intel_rdt is None:
        return
    if not isinstance(intel_rdt, dict):
        raise ConfigError("linux.intelRdt: must be an object")
    clos = intel_rdt.get("closID", "")
    if clos in (".", "..") or "/" in str(clos):
        raise ConfigError(f'linux.intelRdt.closID: invalid intelRdt.ClosID "{clos}"')
    if not os.path.exists(os.path.join(RESCTRL, "info")):
        raise Unsupported("intelRdt is specified in config, but Intel RDT is not supported or "
                          f"enabled on this host (no resctrl filesystem at {RESCTRL})")
    raise Unsupported("intelRdt is specified in config, but pyrun does not implement Intel RDT")


def check(config, warn=None):
    """Validate every setting of this module in config; raise ConfigError/Unsupported."""
    process = config.get("process") or {}
    linux_cfg = config.get("linux") or {}
    if linux_cfg.get("personality") is not None:
        personality_value(linux_cfg["personality"], warn)
    if process.get("ioPriority") is not None:
        io_priority_value(process["ioPriority"])
    if process.get("scheduler") is not None:
        scheduler_attr(process["scheduler"])
    if process.get("execCPUAffinity") is not None:
        _affinity(process["execCPUAffinity"], "initial")
        _affinity(process["execCPUAffinity"], "final")
    check_intel_rdt(linux_cfg.get("intelRdt"))
