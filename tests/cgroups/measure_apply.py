"""Measure putting a new child into a V1Manager's cgroups on this host, from fork until the child is in
every hierarchy:
    serial    the parent's apply(pid): one cgroup.procs write per hierarchy, in series;
    parallel  the same writes from one thread per hierarchy;
    self      the child's join_self(): v1 `tasks` "0", the hybrid's cgroup2 through cgroup.procs;
    clone3    the child made by clone3(CLONE_INTO_CGROUP) in clone_into_path(), then join_self().
Not a test:

    .venv/bin/python3 -m tests.cgroups.measure_apply [rounds]

Each round waits 300 ms first so the kernel's rcu_sync is idle again (as for a fresh `pyrun create`);
the modes alternate within a round, so the medians compare under the same machine noise.
Set PYRUN_MEASURE_NO_UNIFIED=1 to leave the hybrid's cgroup2 out (what a v1-only host would cost).
"""

import os
import statistics
import sys
import threading
import time
import uuid

from runtime import cgroups, linux
from runtime.cgroups import common
from spec.defaults import default_config


def parallel_apply(manager, pid):
    errors = []

    def one(path):
        try:
            common.write(path, "cgroup.procs", pid, "cgroup")
        except Exception as e:   # collected and re-raised below
            errors.append(e)
    threads = [threading.Thread(target=one, args=(p,)) for p in manager.paths.values()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def one_round(mode):
    """ms from fork until the child is in every hierarchy (as the runtime would wait for it)."""
    config = default_config()
    config["linux"]["cgroupsPath"] = "/pyrun-measure-" + uuid.uuid4().hex[:8]
    manager = cgroups.new_manager(config, "m")
    if os.environ.get("PYRUN_MEASURE_NO_UNIFIED"):
        manager.paths.pop("", None)
    manager.create()
    time.sleep(0.3)           # a quiet spell: the kernel's rcu_sync is idle again, as for a fresh create
    ready_r, ready_w = os.pipe()
    t0 = time.perf_counter()
    if mode == "clone3":
        fd = os.open(manager.clone_into_path(), os.O_RDONLY | os.O_DIRECTORY)
        pid = linux.clone3_fork(0, fd)
        if pid:
            os.close(fd)
    else:
        pid = os.fork()
    if pid == 0:
        if mode in ("self", "clone3"):
            manager.join_self()
        os.write(ready_w, b"x")
        time.sleep(30)
        os._exit(0)
    if mode == "parallel":
        parallel_apply(manager, pid)
    elif mode == "serial":
        manager.apply(pid)
    os.read(ready_r, 1)
    elapsed = (time.perf_counter() - t0) * 1000
    joined = open(f"/proc/{pid}/cgroup").read().count(config["linux"]["cgroupsPath"])
    assert joined == len(manager.paths), f"{mode}: in {joined} of {len(manager.paths)} hierarchies"
    manager.destroy()
    os.waitpid(pid, 0)
    os.close(ready_r)
    os.close(ready_w)
    return elapsed


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    modes = ("serial", "parallel", "self", "clone3")
    if os.environ.get("PYRUN_MEASURE_NO_UNIFIED"):
        modes = modes[:3]   # no cgroup2 to clone into
    results = {m: [] for m in modes}
    one_round("serial")   # imports and first-touch costs out of the way
    for _ in range(rounds):
        for mode in modes:
            results[mode].append(one_round(mode))
    hierarchies = len(cgroups.new_manager(default_config(), "m").paths)
    if os.environ.get("PYRUN_MEASURE_NO_UNIFIED"):
        hierarchies -= 1
    print(f"fork -> child in all {hierarchies} hierarchies, {rounds} rounds, median (min-max) ms:")
    for mode in modes:
        ms = results[mode]
        print(f"  {mode:9s} {statistics.median(ms):5.1f} ({min(ms):.1f}-{max(ms):.1f})")


if __name__ == "__main__":
    main()
