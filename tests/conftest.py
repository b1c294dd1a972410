"""Shared fixtures: a busybox rootfs template, bundles on it, and pyrun/runc runners with private
roots that clean up after each test. The helpers behind them live in testlib.py (import that,
not conftest: every test folder has a conftest of its own).
"""

import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from testlib import (BUSYBOX, IS_ROOT, PYRUN, ROOT, RUNC, Bundle, Runtime,  # noqa: E402,F401
                     build_busybox_rootfs, needs_root)
from spec.defaults import default_config  # noqa: E402


@pytest.fixture(scope="session")
def rootfs_template(tmp_path_factory):
    """A busybox rootfs built once per session; bundles copy it."""
    return build_busybox_rootfs(str(tmp_path_factory.mktemp("rootfs-template") / "rootfs"))


@pytest.fixture
def make_bundle(tmp_path, rootfs_template):
    """make_bundle(args=[...], **process_overrides) -> Bundle with a copy of the busybox rootfs.

    The config is runc's default spec with terminal off, a writable rootfs and the given args.
    Change bundle.config and call bundle.save() for anything else.
    """
    counter = [0]

    def make(args=("true",), terminal=False, readonly=False):
        counter[0] += 1
        path = str(tmp_path / f"bundle{counter[0]}")
        os.makedirs(path)
        subprocess.run(["cp", "-a", rootfs_template, os.path.join(path, "rootfs")], check=True)
        config = default_config()
        config["process"]["terminal"] = terminal
        config["process"]["args"] = list(args)
        config["root"]["readonly"] = readonly
        return Bundle(path, config).save()

    return make


@pytest.fixture
def pyrun(tmp_path):
    """pyrun with a private --root; every container made through it is force-deleted afterwards."""
    if not os.path.exists(PYRUN):
        pytest.skip("pyrun launcher missing: run setup.sh")
    rt = Runtime(PYRUN, str(tmp_path / "pyrun-root"))
    yield rt
    rt.cleanup()


@pytest.fixture
def runc(tmp_path):
    """Debian's runc with a private --root, for side-by-side comparisons."""
    if not os.path.exists(RUNC):
        pytest.skip("runc is not installed (run setup.sh)")
    rt = Runtime(RUNC, str(tmp_path / "runc-root"))
    yield rt
    rt.cleanup()
