"""The conformance gate for the cgroup v2 cases, which skip on this hybrid host: marked cgroupv2,
so tests/test_cgroupv2_vm.py runs it inside the pure cgroup v2 test VM (or it runs directly on a
v2 host). Same rule as test_conformance.py: pyrun may fail only what runc fails or known gaps."""

import os

import pytest

from conformance import report
from conformance_testlib import PYRUN, ROOT, RUNC, run_harness

# Python runs ~16x slower in the VM (a case takes 10-30 s there), and every cgroupv2 test shares one
# boot's time budget: the cases below are the v2 ones with the most to lose. All of them, and the
# rest of the v2 area, passed for runc 1.1.5 and pyrun in the VM (docs/conformance.md has the command).
V2_CASES = ("cgroups.path_v2,cgroups.v2_memory,cgroups.v2_cpu,cgroups.v2_pids,cgroups.v2_unified,"
            "cgroups.v2_memory_enforced,devices.cgroup_deny_all,cli.pause_resume")


def _pure_v2():
    with open("/proc/self/mountinfo") as f:
        mounts = [(ln.split()[4], ln.split(" - ")[1].split()[0]) for ln in f]
    return ("/sys/fs/cgroup", "cgroup2") in mounts and not any(t == "cgroup" for _, t in mounts)


@pytest.mark.cgroupv2
@pytest.mark.timeout(900)
@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces, mounts, cgroups)")
@pytest.mark.skipif(not _pure_v2(), reason="not a pure cgroup v2 host: runs inside the test VM (tests/test_cgroupv2_vm.py)")
def test_v2_cases_pyrun_fails_none_runc_passes(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    code, data, _ = run_harness("--runtime", f"runc={RUNC}", "--runtime", f"pyrun={PYRUN}", "--only", V2_CASES,
                                "-j", "2", "--timeout", "60", workdir=work, timeout=850)
    results = data["results"]
    not_run = [n for n, r in results["runc"].items() if r["status"] == "skip" and "v2" in n]
    assert not not_run, f"v2 cases skipped on a v2 host: {not_run}"
    with open(os.path.join(ROOT, "conformance", "known_gaps.txt")) as f:
        gaps = report.parse_known_gaps(f.read())
    bad = report.regressions(results, "pyrun", "runc", gaps)
    assert not bad, "pyrun fails cgroup v2 cases runc passes:\n" + "\n".join(f"  {n}: {w}" for n, w in bad)
    assert os.listdir(work) == []
