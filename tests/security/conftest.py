"""Fixtures for the process-security tests (helpers are in seclib.py)."""

import os

import pytest

from seclib import BUSYBOX


@pytest.fixture
def root():
    """Tests that change capabilities, seccomp, uids or scheduling in a forked child need root."""
    if os.geteuid() != 0:
        pytest.skip("needs root (capabilities, seccomp, uid switches, scheduling)")
    if not os.path.exists(BUSYBOX):
        pytest.skip("busybox-static is not installed (run setup.sh)")
