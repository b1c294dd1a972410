"""Engine fixtures: a busybox OCI image, one private containerd, a private podman store, and the
runtime under test (runc or pyrun) that every engine case is parametrized over.

Everything lives under one temp dir per session: containerd's root, state, sockets and config,
the shim's --runc-root and FIFO dirs, podman's --root/--runroot/--tmpdir and containers.conf.
Nothing uses /run/containerd, /var/lib/containerd or podman's default store. The teardown deletes
every task and container, stops containerd and any shim or conmon left behind (found by our private
paths in their command lines), kills what is left in our cgroups, removes those cgroups, unmounts
what is mounted under the temp dir and only then removes it.

PYRUN_XFAIL lists the pyrun cases that still fail, with the exact reason; they are strict xfails, so
a case that starts passing turns the suite red until its line is removed.
"""

import os
import subprocess
import uuid

import pytest

from enginelib import (HERE, IMAGE, PYRUN, RUNC, Containerd, Ctr, Podman, PodmanStore, RuntimeUnderTest,
                       build_oci_archive, mounts_under, need, unmount_under)

# case name (pytest item name) -> why pyrun still fails it: the failing call and its message, e.g.
#   "test_ctr_pause_resume[pyrun]": "ctr task pause: `pause ID` exits 1 with ModuleNotFoundError: ...",
PYRUN_XFAIL = {
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if not str(item.fspath).startswith(HERE + os.sep):
            continue
        item.add_marker(pytest.mark.engines)
        reason = PYRUN_XFAIL.get(item.name)
        if reason:
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason))


@pytest.fixture(params=["runc", "pyrun"])
def runtime(request):
    binary = {"runc": RUNC, "pyrun": PYRUN}[request.param]
    if not os.access(binary, os.X_OK):
        pytest.skip(f"{request.param} is not at {binary} (run setup.sh)")
    return RuntimeUnderTest(request.param, binary)


@pytest.fixture(scope="session")
def _observed():
    return {}


@pytest.fixture
def same_as_runc(request, runtime, _observed):
    """same_as_runc(key, value): records what runc showed; for pyrun, asserts it shows the same.

    Cases run runc first (parametrize order), so the pyrun run compares against the runc run of
    the same case; when runc's run did not happen (e.g. -k pyrun), only the case's own asserts hold.
    """
    case = request.node.originalname

    def check(key, value):
        slot = (case, key)
        if runtime.name == "runc":
            _observed[slot] = value
        elif slot in _observed:
            assert value == _observed[slot], f"{key}: pyrun shows {value!r}, runc showed {_observed[slot]!r}"
        return value

    return check


@pytest.fixture(scope="session")
def engine_dir():
    """A short private dir (unix socket paths must stay under 108 bytes), removed with care at the end."""
    path = f"/tmp/pyrun-eng-{uuid.uuid4().hex[:8]}"
    os.makedirs(path)
    yield path
    unmount_under(path)
    if mounts_under(path):
        # Never rm -rf through a mount (a bind of a host dir would lose its files).
        raise RuntimeError(f"engine teardown: still mounted under {path}: {mounts_under(path)}")
    subprocess.run(["rm", "-rf", "--one-file-system", path], check=False)


@pytest.fixture(scope="session")
def oci_archive(engine_dir):
    """A busybox-static OCI image (umoci) exported as an oci-archive named localhost/busybox:latest."""
    need("umoci", "skopeo")
    return build_oci_archive(os.path.join(engine_dir, "image"))


@pytest.fixture(scope="session")
def containerd(engine_dir, oci_archive):
    """One private containerd for the session, with the busybox image imported."""
    need("containerd", "ctr", "containerd-shim-runc-v2")
    daemon = Containerd(os.path.join(engine_dir, "ctd"))
    try:
        daemon.start()
        daemon.ctr("image", "import", oci_archive, timeout=60, check=True)
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture(scope="session")
def _probes():
    return {}


def probe(probes, key, attempt):
    """Runs attempt() once per session and key; returns None if it worked, else why it did not."""
    if key not in probes:
        try:
            probes[key] = attempt()
        except AssertionError as e:
            probes[key] = str(e)
    return probes[key]


def ctr_probe(c):
    """Can this runtime run a container under containerd at all? One `ctr run --rm … true`."""
    cid = c.new_id("probe")
    proc = c.run(cid, "true")
    if proc.returncode != 0:
        return f"ctr run --rm {cid} true exited {proc.returncode}: {proc.stderr.strip()}{c.explain(cid)}"
    return None


@pytest.fixture
def ctr(containerd, runtime, engine_dir, _probes):
    """ctr on the private containerd, running containers with the runtime under test.

    A runtime that cannot run `true` under containerd (say, its start hangs) fails every case at
    once with that reason, instead of each case waiting out its own timeouts.
    """
    c = Ctr(containerd, runtime, os.path.join(engine_dir, f"ctr-{runtime.name}"))
    try:
        broken = probe(_probes, ("containerd", runtime.name), lambda: ctr_probe(c))
        if broken:
            pytest.fail(f"{runtime.name} cannot run a container under containerd: {broken}", pytrace=False)
        yield c
    finally:
        c.cleanup()


@pytest.fixture(scope="session")
def podman_store(engine_dir, oci_archive):
    need("podman", "conmon")
    store = PodmanStore(os.path.join(engine_dir, "podman"))
    try:
        store("load", "-q", "-i", oci_archive, timeout=60, check=True)
        yield store
    finally:
        store.stop()


def podman_probe(p):
    """Can this runtime run a container under podman at all? One `podman run --rm … true`."""
    name = p.new_name("probe")
    proc = p("run", "--rm", "--name", name, *p.run_opts(), IMAGE, "true")
    if proc.returncode != 0:
        return f"podman run --rm {name} true exited {proc.returncode}: {proc.stderr.strip()}{p.explain(name)}"
    return None


@pytest.fixture
def podman(podman_store, runtime, _probes):
    """podman on the private store, with --runtime set to the runtime under test (probed as ctr is)."""
    p = Podman(podman_store, runtime)
    try:
        broken = probe(_probes, ("podman", runtime.name), lambda: podman_probe(p))
        if broken:
            pytest.fail(f"{runtime.name} cannot run a container under podman: {broken}", pytrace=False)
        yield p
    finally:
        p.cleanup()
