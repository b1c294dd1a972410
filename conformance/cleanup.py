"""Cleaning up after a case: thaw and remove its cgroups, kill what the runtime left in the case's
pid namespace. Used by the worker (inside) and the runner (when a worker itself had to be killed)."""

import os
import signal
import time

from conformance import host


def thaw_cgroups(parent):
    point = host.cgroup_mounts().get("freezer")
    base = point and os.path.join(point, parent.lstrip("/"))
    if base and os.path.isdir(base):
        for d, _, _ in os.walk(base):
            try:
                with open(os.path.join(d, "freezer.state"), "w") as f:
                    f.write("THAWED")
            except OSError:
                pass
    v2 = host.cgroup_mounts().get("")
    base = v2 and os.path.join(v2, parent.lstrip("/"))
    if base and os.path.isdir(base):
        for d, _, _ in os.walk(base):
            try:
                with open(os.path.join(d, "cgroup.freeze"), "w") as f:
                    f.write("0")
            except OSError:
                pass


def kill_all_but_me():
    """SIGKILL every process in this pid namespace except us; reap them. Returns their cmdlines."""
    me = os.getpid()
    seen = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        others = [p for p in host.pids() if p != me]
        live = [p for p in others if host.alive(p)]
        if not live and not others:
            break
        for p in live:
            if p not in [s[0] for s in seen]:
                seen.append((p, host.cmdline(p)))
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        _reap()
        if live or others:
            time.sleep(0.01)
    _reap()
    return [f"{cmd} (pid {p})" for p, cmd in seen]


def _reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def remove_cgroups(parent):
    stuck = []
    for point in sorted(set(host.cgroup_mounts().values())):
        base = os.path.join(point, parent.lstrip("/"))
        if not os.path.isdir(base):
            continue
        for d, _, _ in sorted(os.walk(base), key=lambda w: -w[0].count("/")):
            for _ in range(100):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)
            else:
                stuck.append(d)
    return stuck
