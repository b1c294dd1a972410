"""Personality, I/O priority, scheduler and CPU affinity applied in a forked child and read back
from the kernel (after execve where it matters); intelRdt refused on a host without resctrl."""

import os

import pytest

from runtime.errors import ConfigError, SetupError, Unsupported
from runtime.process import sched
from seclib import exec_busybox, parse_status, report, run_child

SCHED_RESET_ON_FORK = 0x40000000


def _read_back_sched():
    report({"policy": os.sched_getscheduler(0), "nice": os.getpriority(os.PRIO_PROCESS, 0),
            "priority": os.sched_getparam(0).sched_priority})


def _run_or_skip_rt(child):
    """RT and deadline policies can be refused by the cgroup's RT budget; that is not our bug."""
    if "Operation not permitted" in child.output or "Device or resource busy" in child.output:
        pytest.skip("this cgroup gives no real-time budget: " + child.output.strip().splitlines()[-1])
    assert child.exit_code == 0, child.output
    return child


# --- personality ---

def test_linux32_personality_survives_execve(root):
    def child():
        sched.apply_personality({"domain": "LINUX32"})
        exec_busybox("uname", "-m")
    got = run_child(child)
    assert got.exit_code == 0, got.output
    assert got.output.strip() in ("i686", "i386")


def test_personality_reads_back(root):
    def child():
        sched.apply_personality({"domain": "LINUX32"})
        with open("/proc/self/personality") as f:
            report({"personality": f.read().strip()})
    assert run_child(child).json() == {"personality": "00000008"}


def test_personality_flags_are_ignored_with_a_warning():
    warnings = []
    assert sched.personality_value({"domain": "LINUX", "flags": ["ADDR_NO_RANDOMIZE"]}, warnings.append) == 0
    assert warnings and "ignoring unsupported personality flags" in warnings[0]
    with pytest.raises(ConfigError, match='linux.personality.domain: invalid personality domain "LINUX64"'):
        sched.personality_value({"domain": "LINUX64"})


# --- I/O priority ---

@pytest.mark.parametrize("cls, prio, shown", [
    ("IOPRIO_CLASS_BE", 6, "best-effort: prio 6"),
    ("IOPRIO_CLASS_IDLE", 0, "idle"),
    ("IOPRIO_CLASS_RT", 3, "realtime: prio 3"),
])
def test_io_priority_seen_by_ionice(root, cls, prio, shown):
    def child():
        sched.apply_io_priority({"class": cls, "priority": prio})
        os.execv("/usr/bin/ionice", ["ionice"])
    if not os.path.exists("/usr/bin/ionice"):
        pytest.skip("ionice (util-linux) missing")
    got = run_child(child)
    assert got.exit_code == 0, got.output
    assert got.output.strip() == shown


def test_io_priority_validation():
    assert sched.io_priority_value({"class": "IOPRIO_CLASS_BE", "priority": 4}) == (2 << 13) | 4
    with pytest.raises(ConfigError, match='process.ioPriority.class: invalid io priority class "IOPRIO_CLASS_FAST"'):
        sched.io_priority_value({"class": "IOPRIO_CLASS_FAST", "priority": 1})
    with pytest.raises(ConfigError, match="process.ioPriority.priority: invalid ioPriority.Priority: 8"):
        sched.io_priority_value({"class": "IOPRIO_CLASS_BE", "priority": 8})


# --- scheduler ---

def test_batch_with_nice_reads_back_after_execve(root):
    def child():
        sched.apply_scheduler({"policy": "SCHED_BATCH", "nice": 5})
        exec_busybox("cat", "/proc/self/sched")
    got = run_child(child)
    assert got.exit_code == 0, got.output
    status = parse_status(got.output)
    assert status["policy"] == "3"
    assert status["prio"] == "125"   # 120 + nice


def test_idle_policy(root):
    def child():
        sched.apply_scheduler({"policy": "SCHED_IDLE"})
        _read_back_sched()
    assert run_child(child).json()["policy"] == os.SCHED_IDLE


def test_round_robin_with_priority_and_reset_on_fork(root):
    def child():
        sched.apply_scheduler({"policy": "SCHED_RR", "priority": 7, "flags": ["SCHED_FLAG_RESET_ON_FORK"]})
        _read_back_sched()
    got = _run_or_skip_rt(run_child(child)).json()
    assert got["policy"] == os.SCHED_RR | SCHED_RESET_ON_FORK
    assert got["priority"] == 7


def test_deadline(root):
    def child():
        sched.apply_scheduler({"policy": "SCHED_DEADLINE", "runtime": 10_000_000,
                               "deadline": 50_000_000, "period": 100_000_000})
        with open("/proc/self/sched") as f:
            status = parse_status(f.read())
        report({"policy": status["policy"], "runtime": status.get("dl.runtime"),
                "deadline": status.get("dl.deadline")})
    got = _run_or_skip_rt(run_child(child)).json()
    assert got["policy"] == "6"
    if got["runtime"] is not None:   # older kernels do not print the dl.* lines
        # dl.runtime is the budget left in the current period: at most the configured 10 ms.
        assert 0 < int(got["runtime"]) <= 10_000_000


def test_kernel_refusal_is_a_setup_error(root):
    # SCHED_ISO is in the spec but not in mainline Linux.
    def child():
        try:
            sched.apply_scheduler({"policy": "SCHED_ISO"})
        except SetupError as err:
            report({"error": str(err)})
            return
        report({"error": None})
    assert run_child(child).json() == {"error": "error setting scheduler SCHED_ISO: Invalid argument"}


@pytest.mark.parametrize("scheduler, message", [
    ({"nice": 1}, "process.scheduler.policy: scheduler policy is required"),
    ({"policy": "SCHED_FAST"}, 'invalid scheduler policy "SCHED_FAST"'),
    ({"policy": "SCHED_OTHER", "nice": 20}, "invalid scheduler.nice: 20"),
    ({"policy": "SCHED_OTHER", "priority": 3}, "scheduler.priority can only be specified for SchedFIFO or SchedRR"),
    ({"policy": "SCHED_FIFO", "runtime": 5}, "runtime/deadline/period can only be specified for SchedDeadline"),
    ({"policy": "SCHED_OTHER", "flags": ["SCHED_FLAG_TURBO"]}, 'unknown flag "SCHED_FLAG_TURBO"'),
])
def test_scheduler_validation(scheduler, message):
    with pytest.raises(ConfigError, match=message):
        sched.scheduler_attr(scheduler)


# --- exec CPU affinity ---

def test_parse_cpu_list():
    assert sched.parse_cpu_list("0-1,3") == {0, 1, 3}
    assert sched.parse_cpu_list(" 2 , 4-5") == {2, 4, 5}
    assert sched.parse_cpu_list("") == set()
    for bad in ("3-1", "a", "1-", "-1"):
        with pytest.raises(ConfigError, match="process.execCPUAffinity"):
            sched.parse_cpu_list(bad)


def test_initial_then_final_affinity(root):
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        pytest.skip("needs two usable CPUs")
    first, second = allowed[0], allowed[1]
    affinity = {"initial": str(first), "final": f"{first}-{second}"}

    def child():
        sched.apply_initial_affinity(affinity)
        initial = sorted(os.sched_getaffinity(0))
        sched.apply_final_affinity(affinity)
        report({"initial": initial, "final": sorted(os.sched_getaffinity(0))})
    got = run_child(child).json()
    assert got == {"initial": [first], "final": list(range(first, second + 1))}


def test_affinity_on_missing_cpu_fails_and_unset_final_changes_nothing(root):
    def child():
        before = sorted(os.sched_getaffinity(0))
        sched.apply_final_affinity({"initial": "0"})   # no final: leave the kernel's choice
        unchanged = sorted(os.sched_getaffinity(0)) == before
        try:
            sched.apply_initial_affinity({"initial": "4000"})
            error = None
        except SetupError as err:
            error = str(err)
        report({"unchanged": unchanged, "error": error})
    got = run_child(child).json()
    assert got["unchanged"] is True
    assert got["error"].startswith("error setting initial CPU affinity to [4000]")


# --- Intel RDT and the whole check ---

def test_intel_rdt_refused_without_resctrl():
    if os.path.exists("/sys/fs/resctrl/info"):
        pytest.skip("this host has resctrl")
    with pytest.raises(Unsupported, match="intelRdt is specified in config, but Intel RDT is not supported "
                                          "or enabled on this host"):
        sched.check_intel_rdt({"closID": "guaranteed_group", "l3CacheSchema": "L3:0=7f0"})
    with pytest.raises(ConfigError, match='invalid intelRdt.ClosID "../x"'):
        sched.check_intel_rdt({"closID": "../x"})
    sched.check_intel_rdt(None)


def test_check_covers_every_setting():
    good = {"process": {"ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 1},
                        "scheduler": {"policy": "SCHED_BATCH", "nice": 3},
                        "execCPUAffinity": {"initial": "0", "final": "0-1"}},
            "linux": {"personality": {"domain": "LINUX"}}}
    sched.check(good)
    for path, value, message in (
            (("linux", "personality"), {"domain": "X"}, "linux.personality.domain"),
            (("process", "ioPriority"), {"class": "X"}, "process.ioPriority.class"),
            (("process", "scheduler"), {"policy": "X"}, "process.scheduler.policy"),
            (("process", "execCPUAffinity"), {"final": "1-0"}, "process.execCPUAffinity.final")):
        bad = {"process": dict(good["process"]), "linux": dict(good["linux"])}
        bad[path[0]][path[1]] = value
        with pytest.raises(ConfigError, match=message):
            sched.check(bad)


def test_apply_functions_do_nothing_without_config():
    sched.apply_personality(None)
    sched.apply_io_priority(None)
    sched.apply_scheduler(None)
    sched.apply_initial_affinity(None)
    sched.apply_final_affinity(None)
