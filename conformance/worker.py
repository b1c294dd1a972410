"""Runs ONE case in isolation and cleans up after it; started by runner.py as

    unshare --mount --propagation private --pid --fork --mount-proc --uts --ipc --net --kill-child=SIGKILL \
        python -m conformance.worker  < request.json

so this process is pid 1 of a fresh pid namespace in a private mount namespace: every process the
runtime leaves behind is visible here (and dies with us), orphaned container processes are
re-parented to us (we reap them for their exit codes), and no mount can reach the caller.
"""

import importlib
import importlib.util
import json
import subprocess
import os
import sys
import time
import traceback

from conformance.cleanup import kill_all_but_me, remove_cgroups, thaw_cgroups
from conformance.registry import CASES, Fail, Skip
from conformance.trial import Trial


def load_module(module, path):
    """Import the module that defines a case: by name, or from its file (a user's script)."""
    if module != "__main__":
        try:
            return importlib.import_module(module)
        except ImportError:
            if not path:
                raise
    name = "conformance_user_" + str(abs(hash(path)))
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def run_case(case, trial):
    """(status, reason) of one case function."""
    try:
        case.fn(trial)
        return "pass", ""
    except Skip as e:
        return "skip", str(e) or "skipped"
    except Fail as e:
        return "fail", str(e) or "failed"
    except AssertionError as e:
        return "fail", str(e) or "assertion failed"
    except Exception as e:
        tb = traceback.extract_tb(e.__traceback__)[-1]
        return "error", f"harness error {type(e).__name__}: {e} ({os.path.basename(tb.filename)}:{tb.lineno})"


def cleanup(trial):
    """Force-delete every container, kill whatever is left, remove the case's cgroups.

    Returns notes on what had to be cleaned that the runtime should have cleaned itself."""
    notes = []
    short = min(trial.timeout, 5.0)
    for cid in trial.containers:
        if cid in trial.deleted:
            continue
        try:
            trial.rt("delete", "--force", cid, timeout=short)
        except Fail as e:
            notes.append(f"cleanup: delete --force {cid}: {e}")
    thaw_cgroups(trial.cgroup_parent)
    leftovers = kill_all_but_me()
    if leftovers:
        notes.append(f"cleanup killed {len(leftovers)} leftover process(es): " + "; ".join(leftovers[:4]))
    stuck = remove_cgroups(trial.cgroup_parent)
    if stuck:
        notes.append("cleanup could not remove cgroup(s): " + ", ".join(stuck[:4]))
    return notes


def main():
    request = json.load(sys.stdin)
    for module, path in request["modules"]:
        load_module(module, path)
    case = CASES[request["case"]]
    os.makedirs(request["workdir"], exist_ok=True)
    # The case's files live on a tmpfs of this private mount namespace: fast to build (hundreds
    # of busybox links per bundle) and gone with the namespace, whatever the runtime left in it.
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755,size=1g", "conformance", request["workdir"]],
                   check=True)
    trial = Trial(request["runtime"], request["workdir"], request["timeout"], request["cache_dir"],
                  request["token"])
    start = time.monotonic()
    if os.getpid() != 1:
        status, reason = "error", "worker is not pid 1 of its own pid namespace (run through the runner)"
    else:
        trial.start_reaper()
        status, reason = run_case(case, trial)
    notes = list(trial.notes)
    try:
        notes += cleanup(trial)
    except Exception as e:
        notes.append(f"cleanup error: {type(e).__name__}: {e}")
    result = {"case": case.name, "status": status, "reason": reason, "notes": notes, "token": trial.token,
              "seconds": round(time.monotonic() - start, 3)}
    tmp = request["result_path"] + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f)
    os.replace(tmp, request["result_path"])


if __name__ == "__main__":
    main()
