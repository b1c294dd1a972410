"""Fixtures for the rootless tests: real ordinary users (made with useradd, with or without
/etc/subuid and /etc/subgid ranges, removed at the end), a private $XDG_RUNTIME_DIR for each, and
pyrun run AS that user through runuser, on a busybox rootfs the user owns."""

import json
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid

import pytest

from testlib import IS_ROOT, PYRUN, Runtime

from rootlesslib import SUB_COUNT, SUB_START  # noqa: E402,F401


class OrdinaryUser:
    def __init__(self, name, with_ranges):
        self.name = name
        self.with_ranges = with_ranges
        entry = pwd.getpwnam(name)
        self.uid, self.gid = entry.pw_uid, entry.pw_gid
        self.xdg = f"/run/user/{self.uid}"

    def env(self):
        return ["env", "-i", "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/", f"USER={self.name}",
                f"XDG_RUNTIME_DIR={self.xdg}"]

    def run(self, argv, **kwargs):
        """argv as this user (runuser keeps no privileges), with a clean environment."""
        return subprocess.run(["runuser", "-u", self.name, "--", *self.env(), *argv], **kwargs)


def _make_user(with_ranges):
    name = f"pyrl{uuid.uuid4().hex[:8]}"
    # -K ...=0: Debian's useradd would otherwise give every new user a subordinate range itself.
    subprocess.run(["useradd", "-M", "-d", "/nonexistent", "-s", "/bin/sh", "-K", "SUB_UID_COUNT=0",
                    "-K", "SUB_GID_COUNT=0", name], check=True, capture_output=True)
    user = OrdinaryUser(name, with_ranges)
    if with_ranges:
        span = f"{SUB_START}-{SUB_START + SUB_COUNT - 1}"
        proc = subprocess.run(["usermod", "--add-subuids", span, "--add-subgids", span, name],
                              capture_output=True, text=True)
        if proc.returncode:
            subprocess.run(["userdel", name], capture_output=True)
            raise RuntimeError(f"usermod --add-subuids: {proc.stderr.strip()}")
    os.makedirs("/run/user", mode=0o755, exist_ok=True)
    shutil.rmtree(user.xdg, ignore_errors=True)   # a stale one, left by a killed run for this uid
    os.mkdir(user.xdg, 0o700)
    os.chown(user.xdg, user.uid, user.gid)
    return user


def _remove_user(user):
    # Containers left by a failed test: killed through pyrun itself, as the user.
    root = os.path.join(user.xdg, "pyrun")
    if os.path.isdir(root):
        for cid in os.listdir(root):
            user.run([PYRUN, "delete", "--force", cid], capture_output=True, timeout=30)
    if user.with_ranges:
        span = f"{SUB_START}-{SUB_START + SUB_COUNT - 1}"
        subprocess.run(["usermod", "--del-subuids", span, "--del-subgids", span, user.name], capture_output=True)
    subprocess.run(["userdel", user.name], capture_output=True)
    shutil.rmtree(user.xdg, ignore_errors=True)


@pytest.fixture(scope="session")
def users():
    """(user with subordinate ranges, user without any): made once, removed at the end."""
    if not IS_ROOT:
        pytest.skip("needs root to create the test users (useradd)")
    for tool in ("useradd", "runuser", "newuidmap", "newgidmap"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed")
    made = []
    # usermod --add-subuids refuses to create /etc/subuid or /etc/subgid (a fresh machine has neither).
    created = [path for path in ("/etc/subuid", "/etc/subgid") if not os.path.exists(path)]
    for path in created:
        with open(path, "x"):
            pass
        os.chmod(path, 0o644)
    try:
        made.append(_make_user(True))
        made.append(_make_user(False))
        yield made[0], made[1]
    finally:
        for user in made:
            _remove_user(user)
        for path in created:
            if os.path.exists(path) and os.path.getsize(path) == 0:
                os.unlink(path)


@pytest.fixture(scope="session")
def user(users):
    return users[0]


class UserRuntime(Runtime):
    """pyrun run as an ordinary user; root None means pyrun's default (--root not given)."""

    def __init__(self, user, root=None):
        super().__init__(PYRUN, root)
        self.user = user

    def cmd(self, *args):
        base = ["runuser", "-u", self.user.name, "--", *self.user.env(), PYRUN]
        return base + (["--root", self.root] if self.root else []) + list(args)


@pytest.fixture
def workdir(users):
    """A world-traversable scratch directory (pytest's tmp_path is 0700 root's)."""
    path = tempfile.mkdtemp(prefix="pyrun-rootless-")
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


class UserBundle:
    """A bundle owned by the user, its config.json written by `pyrun spec --rootless` as that user."""

    def __init__(self, path, user):
        self.path = path
        self.user = user
        self.rootfs = os.path.join(path, "rootfs")
        with open(os.path.join(path, "config.json")) as f:
            self.config = json.load(f)
        self.config["process"]["terminal"] = False

    @property
    def linux(self):
        return self.config["linux"]

    def save(self):
        with open(os.path.join(self.path, "config.json"), "w") as f:   # keeps the user's ownership
            json.dump(self.config, f, indent=1)
        return self

    def args(self, *args):
        self.config["process"]["args"] = list(args)
        return self.save()


@pytest.fixture
def user_bundle(workdir, rootfs_template):
    """user_bundle(owner=the ranged user) -> UserBundle: a copy of the busybox rootfs chowned to
    the user, config from `pyrun spec --rootless` run as the user, terminal off."""
    counter = [0]

    def make(owner):
        counter[0] += 1
        path = os.path.join(workdir, f"bundle{counter[0]}")
        os.mkdir(path)
        subprocess.run(["cp", "-a", rootfs_template, os.path.join(path, "rootfs")], check=True)
        subprocess.run(["chown", "-R", f"{owner.uid}:{owner.gid}", path], check=True)
        proc = owner.run([PYRUN, "spec", "--rootless", "-b", path], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return UserBundle(path, owner)

    return make


@pytest.fixture
def as_user(users):
    """as_user(user) -> UserRuntime with pyrun's default root; every container it made is deleted."""
    made = []

    def make(owner, root=None):
        rt = UserRuntime(owner, root)
        made.append(rt)
        return rt

    yield make
    for rt in made:
        rt.cleanup()


@pytest.fixture
def place():
    """A world-traversable directory for a root-run container in a user namespace: its root (host
    uid BASE) must reach its rootfs, which pytest's 0700 tmp_path would hide. Host mounts a test
    made below it (tmpfs sources of idmapped mounts) are unmounted at the end, innermost first."""
    path = tempfile.mkdtemp(prefix="pyrun-userns-")
    os.chmod(path, 0o755)
    yield path
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f if line.split()[4].startswith(path + "/")]
    for point in sorted(points, key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def rt(place):
    """pyrun, with its state under place."""
    runtime = Runtime(PYRUN, os.path.join(place, "state"))
    yield runtime
    runtime.cleanup()
