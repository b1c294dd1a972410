"""The cgroupv2-marked tests, on a host that is not pure cgroup v2: one boot of the test VM
(tests/vm, docs/testing-cgroupv2.md) runs them all inside, over this checkout and venv; with them
the vm-marked ones, which need what only the VM's root has here (CAP_SYS_RESOURCE).

On a pure v2 host this skips: `pytest` runs the v2 tests directly there. Set PYRUN_SKIP_VM=1 to
skip the VM on purpose (a quick local run).
"""

import os
import re
import shutil
import subprocess

import pytest

from tests.vm.host import is_pure_cgroup_v2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_PYTHON = os.path.join(ROOT, ".venv", "bin", "python3")
VM_TIMEOUT = 900          # the whole VM step, boot retries included: CI needs a fraction; busy dev machines more
PYTEST_ARGS = ["-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-m", "cgroupv2 or vm"]


def cgroupv2_tests_on_host():
    """Node ids of the cgroupv2-marked tests, collected here (fast) so the guest, where Python is
    ~20x slower, imports only the files that hold them."""
    proc = subprocess.run([VENV_PYTHON, *PYTEST_ARGS, "--collect-only", "--continue-on-collection-errors",
                           "tests"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)
    this_file = os.path.relpath(__file__, ROOT)
    ids = [line for line in proc.stdout.splitlines()
           if "::" in line and not line.startswith(" ") and not line.startswith(this_file + "::")]
    if proc.returncode not in (0, 1, 5) or (proc.returncode == 1 and not ids):
        pytest.fail(f"collecting the cgroupv2 tests on the host failed (exit {proc.returncode}):\n"
                    f"{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    return ids


def summary_counts(output):
    """{'passed': 5, 'skipped': 1, ..., 'seconds': 36.6} from pytest's last summary line."""
    lines = [line for line in output.splitlines() if re.search(r"\d+ (passed|failed|skipped|error|no tests)", line)]
    if not lines:
        return {}
    counts = {kind.rstrip("s") if kind == "errors" else kind: int(n)
              for n, kind in re.findall(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)", lines[-1])}
    took = re.search(r" in ([\d.]+)s", lines[-1])
    if took:
        counts["seconds"] = float(took.group(1))
    return counts


@pytest.mark.cgroupv2     # so `pytest -m cgroupv2` runs the v2 tests on any host: here, or through this
@pytest.mark.timeout(VM_TIMEOUT + 120)
def test_cgroupv2_tests_pass_inside_the_vm(record_property):
    if is_pure_cgroup_v2():
        pytest.skip("this host is pure cgroup v2: the v2 tests run directly here")
    if os.environ.get("PYRUN_SKIP_VM") == "1":
        pytest.skip("PYRUN_SKIP_VM=1")
    if os.geteuid() != 0:
        pytest.skip("needs root (the VM cache in /var/cache, the guest reading / as root)")
    if shutil.which("qemu-system-x86_64") is None:
        pytest.skip("qemu-system-x86_64 is missing (qemu-system-x86, installed by setup.sh)")
    from tests.vm.run import VMUnavailable, run_in_vm

    ids = cgroupv2_tests_on_host()
    if not ids:
        pytest.skip("no cgroupv2-marked tests were collected")
    files = list(dict.fromkeys(i.split("::")[0] for i in ids))
    try:
        result = run_in_vm([VENV_PYTHON, *PYTEST_ARGS, *files], VM_TIMEOUT, cwd=ROOT)
    except VMUnavailable as e:
        pytest.skip(str(e))
    output = result.stdout + result.stderr
    counts = summary_counts(result.stdout)
    report = (f"inside the VM: {counts or 'no summary'}; {len(ids)} collected on the host; "
              f"boot {result.boot_seconds:.1f} s, pytest in the guest {result.command_seconds:.1f} s, "
              f"total {result.total_seconds:.1f} s, {result.attempts} boot(s)")
    record_property("vm", report)
    print(report)
    if result.exit_code == 5:
        pytest.fail(f"pytest in the VM collected no tests, but the host collected {len(ids)}:\n{output[-6000:]}")
    assert result.exit_code == 0, f"pytest in the VM exited {result.exit_code}; {report}\n{output[-12000:]}"
    # Counts may differ from the host's when a test parametrizes over what the machine has; the
    # exit code already fails on errors, so a difference is only reported. Nothing passing is a
    # broken VM (the tests did not see a pure v2 host), never a success.
    assert counts.get("passed", 0) > 0, f"no cgroupv2 test passed inside the VM; {report}\n{output[-6000:]}"


def test_summary_counts_reads_pytest_summary_lines():
    assert summary_counts("..F\n==== 1 failed, 23 passed, 2 skipped, 1 deselected in 36.60s (0:00:36) ====\n") == \
        {"failed": 1, "passed": 23, "skipped": 2, "deselected": 1, "seconds": 36.6}
    assert summary_counts("SKIPPED [1] x.py:3: 5 passed elsewhere\n3 passed, 1 error in 2.00s\n") == \
        {"passed": 3, "error": 1, "seconds": 2.0}
    assert summary_counts("no tests ran in 0.50s\n") == {}
