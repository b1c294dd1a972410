"""Runs cases against runtimes: one isolated worker process per case (see worker.py), results back.

The caller's side of isolation lives here too: after each case it checks that no mount appeared
in the caller's mount namespace, then removes the case's work dir.
"""

import concurrent.futures
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

from conformance import host
from conformance.cleanup import remove_cgroups, thaw_cgroups

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclasses.dataclass
class RuntimeSpec:
    label: str
    path: str


def parse_runtime(arg):
    """'PATH' or 'LABEL=PATH' -> RuntimeSpec (label defaults to the basename)."""
    label, sep, path = arg.partition("=")
    if not sep:
        label, path = os.path.basename(arg.rstrip("/")) or arg, arg
    return RuntimeSpec(label, path)


def run_all(cases, runtimes, timeout=10.0, jobs=1, progress=None, workroot=None, gate=None):
    """{label: {case name: result dict}} for every runtime and case (in order)."""
    results = {}
    base = tempfile.mkdtemp(prefix="conformance-", dir=workroot)
    os.chmod(base, 0o755)  # user-namespace cases: the mapped root must be able to reach the bundles
    cache = os.path.join(base, "cache")
    try:
        for rt in runtimes:
            results[rt.label] = run_runtime(cases, rt, timeout, jobs, progress, base, cache, gate)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return results


def run_runtime(cases, rt, timeout, jobs, progress, base, cache, gate):
    out = {}
    rundir = os.path.join(base, rt.label)
    os.makedirs(rundir, exist_ok=True)
    problem = _runtime_problem(rt)

    def one(index_case):
        index, case = index_case
        if gate and not gate(rt.label):
            return case, {"case": case.name, "status": "skip", "notes": [], "seconds": 0,
                          "reason": "not run: stopped at the first failure (use --keep-going)"}
        if problem:
            return case, {"case": case.name, "status": "fail", "reason": problem, "notes": [], "seconds": 0}
        if case.needs_root and os.geteuid() != 0:
            return case, {"case": case.name, "status": "skip", "reason": "needs root", "notes": [], "seconds": 0}
        return case, run_one(case, rt, timeout, os.path.join(rundir, f"{index:03d}"), cache)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for case, result in pool.map(one, enumerate(cases)):
            out[case.name] = result
            if progress:
                progress(rt.label, case, result)
    return out


def _runtime_problem(rt):
    if not os.path.exists(rt.path):
        return f"runtime binary {rt.path} does not exist"
    if not os.access(rt.path, os.X_OK):
        return f"runtime binary {rt.path} is not executable"
    return None


def run_one(case, rt, timeout, workdir, cache):
    """Run one case in a fresh worker (own pid + private mount namespace); returns its result dict."""
    os.makedirs(workdir)
    result_path = os.path.join(workdir, "result.json")
    request = {"case": case.name, "modules": [[case.module, case.file]], "runtime": os.path.abspath(rt.path),
               "workdir": os.path.join(workdir, "w"), "timeout": timeout, "cache_dir": cache,
               "token": uuid.uuid4().hex[:8], "result_path": result_path}
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([PACKAGE_PARENT] + [p for p in sys.path if p and os.path.isdir(p)])
    # uts, ipc and net too: a runtime that wrongly skips a namespace changes only the worker's, not the host's
    argv = ["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc",
            "--uts", "--ipc", "--net", "--kill-child=SIGKILL", sys.executable, "-m", "conformance.worker"]
    cap = max(timeout * 6 + 10, 15)   # a case makes a handful of runtime calls, each bounded by `timeout`
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=workdir, start_new_session=True)
    try:
        _, err = proc.communicate(json.dumps(request), timeout=cap)
    except subprocess.TimeoutExpired:
        proc.kill()   # --kill-child takes the namespace's pid 1, and with it every process inside
        _, err = proc.communicate()
        err = f"case did not finish within {cap:g} s; its namespace was killed. " + (err or "")
    try:
        with open(result_path) as f:
            result = json.load(f)
    except (OSError, ValueError):
        result = {"case": case.name, "status": "error", "notes": [], "token": request["token"],
                  "reason": "worker died: " + ((err or "").strip().splitlines() or ["no output"])[-1][:300]}
    result["seconds"] = round(time.monotonic() - start, 3)
    # Reasons name paths in the case's temporary dir: say $CASE, so reports stay stable run to run.
    result["reason"] = result.get("reason", "").replace(request["workdir"], "$CASE")
    result["notes"] = [n.replace(request["workdir"], "$CASE") for n in result.get("notes", [])]
    # The worker removes the case's cgroups; if it was killed, its processes are gone now: remove them here.
    thaw_cgroups(f"/conformance-{request['token']}")
    stuck = remove_cgroups(f"/conformance-{request['token']}")
    if stuck:
        result.setdefault("notes", []).append("cgroup(s) left behind: " + ", ".join(stuck[:3]))
    leaked = [m["point"] for m in host.mountinfo() if m["point"].startswith(workdir)]
    if leaked:
        result["status"] = "fail"
        result["reason"] = f"mounts leaked into the caller's mount namespace: {', '.join(leaked[:3])}"
        for point in reversed(leaked):
            subprocess.run(["umount", "-l", point], capture_output=True)
    if not [m for m in host.mountinfo() if m["point"].startswith(workdir)]:
        shutil.rmtree(workdir, ignore_errors=True)
    return result
