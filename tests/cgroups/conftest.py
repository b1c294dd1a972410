"""Fixtures for the cgroup manager tests: real processes to put in cgroups, unique cgroup paths, and
managers that are always destroyed (and checked to leave nothing) at the end of a test."""

import copy
import os
import subprocess
import time
import uuid

import pytest

from spec.defaults import default_config

IS_ROOT = os.geteuid() == 0
PURE_V2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
HAS_V1 = any(line.split()[2] == "cgroup" for line in open("/proc/self/mounts"))

needs_root = pytest.mark.skipif(not IS_ROOT, reason="needs root (cgroups)")
needs_v1 = pytest.mark.skipif(PURE_V2 or not HAS_V1, reason="needs a cgroup v1 or hybrid host")
needs_v2 = pytest.mark.skipif(not PURE_V2, reason="needs a pure cgroup v2 host (run in the test VM: tests/vm)")


def unique_id():
    return "pyrun-test-" + uuid.uuid4().hex[:12]


@pytest.fixture
def spawn():
    """spawn(*argv) -> Popen of a real process (default: sleep 60); every one is killed at the end."""
    procs = []

    def start(*argv, **kwargs):
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        proc = subprocess.Popen(list(argv) or ["sleep", "60"], **kwargs)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def start_inside(spawn, manager, script="exec sleep 60", **kwargs):
    """A shell put into manager's cgroup before it runs script (so what it allocates is charged there)."""
    proc = spawn("sh", "-c", "read go; " + script, stdin=subprocess.PIPE, **kwargs)
    manager.apply(proc.pid)
    os.write(proc.stdin.fileno(), b"go\n")
    proc.stdin.close()
    return proc


def child_joining(manager, clone_into=False):
    """A child that joins manager's cgroup itself (join_self), optionally born in clone_into_path()
    by clone3(CLONE_INTO_CGROUP); returns (pid, what it reported). The caller reaps it (kill + waitpid)."""
    from runtime import linux
    r, w = os.pipe()
    if clone_into:
        fd = os.open(manager.clone_into_path(), os.O_RDONLY | os.O_DIRECTORY)
        pid = linux.clone3_fork(0, fd)
    else:
        pid = os.fork()
    if pid == 0:
        status = b"joined"
        try:
            manager.join_self()
        except Exception as e:
            status = str(e).encode()
        os.write(w, status)
        time.sleep(60)
        os._exit(0)
    if clone_into:
        os.close(fd)
    os.close(w)
    report = os.read(r, 4096).decode()
    os.close(r)
    return pid, report


def config_with(resources=None, cgroups_path="", devices=None):
    config = copy.deepcopy(default_config())
    config["linux"].setdefault("resources", {}).update(resources or {})
    if cgroups_path is not None:
        config["linux"]["cgroupsPath"] = cgroups_path
    if devices is not None:
        config["linux"]["devices"] = devices
    return config


def manager_dirs(manager):
    if manager is None:
        return []
    return list(manager.paths.values()) if manager.version == 1 else [manager.path]


@pytest.fixture
def managers():
    """managers(config, id) -> a new (not yet created) manager; all are destroyed at the end, and the
    test fails if any directory of theirs is left behind."""
    from runtime import cgroups
    made = []

    def make(config, container_id=None):
        manager = cgroups.new_manager(config, container_id or unique_id())
        made.append(manager)
        return manager

    yield make
    left = []
    for manager in made:
        try:
            manager.destroy()
        finally:
            left += [d for d in manager_dirs(manager) if os.path.exists(d)]
    assert not left, f"cgroup directories left behind: {left}"


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def proc_cgroups(pid):
    result = {}
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            result[controllers] = path
    return result


def proc_state(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("State:"):
                return line.split()[1]
    return None


def read(path):
    with open(path) as f:
        return f.read()
