"""Fixtures for the pyrun-image tests: temp stores, a test image built with umoci on a busybox
rootfs (two layers: the rootfs, then changes with a whiteout, owners, times, xattrs, links,
a fifo and a device node), and a real registry on 127.0.0.1 stopped at the end."""

import os
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from imagelib import Registry  # noqa: E402

IS_ROOT = os.geteuid() == 0


def _tool(name):
    if not shutil.which(name):
        pytest.skip(f"{name} is not installed (run setup.sh)")


def _shared_conftest():
    """tests/conftest.py by path (the module name `conftest` is reused by every conftest)."""
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "conftest.py")
    spec = importlib.util.spec_from_file_location("pyrun_shared_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def store(tmp_path):
    return tmp_path / "store"


@pytest.fixture(scope="session")
def umoci_layout(tmp_path_factory):
    """An OCI layout (tag v1) made by umoci: busybox rootfs layer + a layer of changes, with config."""
    if not IS_ROOT:
        pytest.skip("building the test image keeps owners and device nodes: needs root")
    _tool("umoci")
    build_busybox_rootfs = _shared_conftest().build_busybox_rootfs
    work = tmp_path_factory.mktemp("umoci-image")
    layout, bundle = str(work / "layout"), str(work / "bundle")

    def umoci(*args):
        subprocess.run(["umoci", *args], check=True, capture_output=True)

    umoci("init", "--layout", layout)
    umoci("new", "--image", f"{layout}:v1")
    umoci("unpack", "--image", f"{layout}:v1", bundle)
    rootfs = os.path.join(bundle, "rootfs")
    build_busybox_rootfs(rootfs)
    umoci("repack", "--image", f"{layout}:v1", bundle)
    # Second layer: changes umoci turns into a diff (whiteouts for removals), made on a fresh unpack.
    bundle = str(work / "bundle2")
    umoci("unpack", "--image", f"{layout}:v1", bundle)
    rootfs = os.path.join(bundle, "rootfs")
    os.remove(os.path.join(rootfs, "bin", "vi"))
    shutil.rmtree(os.path.join(rootfs, "home"))
    os.makedirs(os.path.join(rootfs, "data", "sub"))
    with open(os.path.join(rootfs, "data", "seed"), "w") as f:
        f.write("seeded by the image\n")
    motd = os.path.join(rootfs, "etc", "motd")
    with open(motd, "w") as f:
        f.write("hello from layer 2\n")
    os.chown(motd, 1000, 1000)
    os.chmod(motd, 0o640)
    os.setxattr(motd, "user.test", b"value")
    os.utime(motd, (1_500_000_000, 1_500_000_000))
    os.symlink("motd", os.path.join(rootfs, "etc", "motd.link"))
    capped = os.path.join(rootfs, "bin", "capped")
    with open(capped, "wb") as f:
        f.write(b"#!/bin/sh\n")
    os.chmod(capped, 0o4755)
    # A binary xattr: file capabilities (vfs_cap_data rev 2, CAP_NET_RAW permitted + effective).
    import struct
    os.setxattr(capped, "security.capability", struct.pack("<5I", 0x02000001, 1 << 13, 0, 0, 0))
    os.link(motd, os.path.join(rootfs, "etc", "motd.hard"))
    os.mkfifo(os.path.join(rootfs, "run", "fifo"))
    os.mknod(os.path.join(rootfs, "dev", "null0"), 0o666 | 0o020000, os.makedev(1, 3))
    os.chmod(os.path.join(rootfs, "tmp"), 0o1777)
    umoci("repack", "--image", f"{layout}:v1", bundle)
    umoci("config", "--image", f"{layout}:v1", "--config.entrypoint", "/bin/sh", "--config.cmd", "-c",
          "--config.cmd", "cat /etc/motd; id; pwd; echo $GREETING", "--config.env", "GREETING=hi-from-env",
          "--config.workingdir", "/data", "--config.user", "user", "--config.label", "org.example.kind=test",
          "--config.exposedports", "8080/tcp", "--config.volume", "/data", "--config.stopsignal", "SIGINT")
    return layout


@pytest.fixture(scope="session")
def registry(tmp_path_factory):
    """A plain-HTTP registry on 127.0.0.1 with temp storage."""
    _tool("docker-registry")
    reg = Registry(tmp_path_factory.mktemp("registry"))
    yield reg
    reg.stop()
