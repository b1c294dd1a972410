"""config.json "root" and linux.rootfsPropagation, and `create --no-pivot`: where the container's
"/" is (seen from the host through /proc/PID/root and the mount namespace's root), read-only
roots, and how the rootfs mount propagates, checked in mountinfo on both sides."""

import os
import shutil
import subprocess

import pytest

from test_config_lib import (Created, bundle, failed, mount_at, needs_root, out, parse_mountinfo,  # noqa: F401
                             shared_tmpfs)

pytestmark = needs_root


def _same_file(a, b):
    sa, sb = os.stat(a), os.stat(b)
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def test_relative_root_path_is_resolved_against_the_bundle(pyrun, bundle):
    b = bundle()
    os.makedirs(os.path.join(b.path, "images"))
    moved = os.path.join(b.path, "images", "r1")
    os.rename(b.rootfs, moved)
    b.config["root"]["path"] = "images/r1"
    # The runtime runs from "/", so only the bundle can anchor the relative path.
    b.save()
    cid = pyrun.new_id()
    pyrun("create", "-b", b.path, cid, cwd="/")
    pid = pyrun.state(cid)["pid"]
    assert _same_file(f"/proc/{pid}/root", moved)


def test_absolute_root_path_outside_the_bundle(pyrun, bundle, tmp_path):
    b = bundle()
    elsewhere = str(tmp_path / "elsewhere-rootfs")
    os.rename(b.rootfs, elsewhere)
    b.config["root"]["path"] = elsewhere
    c = Created(pyrun, b)
    assert _same_file(f"/proc/{c.pid}/root", elsewhere)


def test_missing_root_path_is_a_clear_error(pyrun, bundle):
    b = bundle()
    b.config["root"]["path"] = "no-such-rootfs"
    # runc's words: podman reads "no such file or directory" as "not found"
    assert f"invalid rootfs: stat {b.path}/no-such-rootfs: no such file or directory" in failed(pyrun, b).stderr
    open(os.path.join(b.path, "a-file"), "w").close()
    b.config["root"]["path"] = "a-file"
    assert f"invalid rootfs: {b.path}/a-file: not a directory" in failed(pyrun, b).stderr


def test_readonly_root(pyrun, bundle):
    b = bundle()
    b.config["root"]["readonly"] = True
    text = out(pyrun, b, "touch /newfile 2>&1; echo rc=$?; cat /proc/self/mountinfo")
    assert text.startswith("touch: /newfile: Read-only file system\nrc=1\n")
    assert "ro" in mount_at(parse_mountinfo(text.split("rc=1\n", 1)[1]), "/").options
    assert not os.path.exists(os.path.join(b.rootfs, "newfile"))


def test_writable_root(pyrun, bundle):
    b = bundle()
    b.config["root"]["readonly"] = False
    out(pyrun, b, "echo hi > /newfile")
    with open(os.path.join(b.rootfs, "newfile")) as f:
        assert f.read() == "hi\n"


APPLETS = ["true", "sh", "cat", "head", "grep", "touch", "mount", "umount", "ls", "stat", "sleep", "echo"]


@pytest.fixture
def shared_bundle(bundle, shared_tmpfs):
    """A bundle whose rootfs (a few busybox applets) lives on a shared host tmpfs."""
    b = bundle()
    rootfs = os.path.join(shared_tmpfs, "rootfs")
    for d in ("bin", "proc", "dev", "sys", "tmp", "mnt"):
        os.makedirs(os.path.join(rootfs, d))
    shutil.copy2("/bin/busybox", os.path.join(rootfs, "bin", "busybox"))
    for applet in APPLETS:
        os.symlink("busybox", os.path.join(rootfs, "bin", applet))
    b.config["root"]["path"] = rootfs
    b.rootfs = rootfs
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] in ("/proc", "/dev")]
    return b


def _host_mounts_under(path):
    return [m.mountpoint for m in parse_mountinfo("/proc/self/mountinfo")
            if m.mountpoint.startswith(path.rstrip("/") + "/")]


@pytest.mark.parametrize("propagation, shared, master, unbindable", [
    (None, False, True, False),   # runc's default: rslave
    ("shared", True, True, False),
    ("rshared", True, True, False),
    ("slave", False, True, False),
    ("rslave", False, True, False),
    ("private", False, False, False),
    ("rprivate", False, False, False),
    ("unbindable", False, False, True),
])
def test_rootfs_propagation(pyrun, shared_bundle, propagation, shared, master, unbindable):
    b = shared_bundle
    if propagation:
        b.linux["rootfsPropagation"] = propagation
    where = os.path.dirname(b.rootfs)
    before = _host_mounts_under(where)
    root = mount_at(parse_mountinfo(out(pyrun, b, "cat /proc/self/mountinfo")), "/")
    assert bool(root.tagged("shared:")) == shared, root.optional
    assert bool(root.tagged("master:")) == master, root.optional
    assert ("unbindable" in root.optional) == unbindable, root.optional
    # Whatever the propagation, the rootfs bind and the container's mounts stay off the host.
    assert _host_mounts_under(where) == before


@pytest.mark.parametrize("propagation, receives", [("rslave", True), ("rshared", True), ("rprivate", False)])
def test_rootfs_propagation_receives_host_mounts(pyrun, shared_bundle, propagation, receives):
    """A mount the host makes in the rootfs after create shows in the container only when the
    rootfs is a slave (or shared with a host master)."""
    b = shared_bundle
    b.linux["rootfsPropagation"] = propagation
    c = Created(pyrun, b)
    target = os.path.join(b.rootfs, "mnt")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "late", target], check=True)
    try:
        seen = [m for m in c.mountinfo() if m.mountpoint == "/mnt"]
        assert bool(seen) == receives
        if receives:
            assert seen[0].source == "late"
    finally:
        subprocess.run(["umount", "-l", target], check=False)
        c.delete()


def _ns_root(c):
    """dev:ino of the container mount namespace's root as nsenter -m sees it (the namespace's
    root mount, followed down through whatever is mounted on it)."""
    return c.nsenter("stat", "-c", "%d:%i", "/").strip()


def _id(path):
    st = os.stat(path)
    return f"{st.st_dev}:{st.st_ino}"


def test_no_pivot(pyrun, bundle):
    """With --no-pivot the rootfs is moved over the host's "/" copy, which stays underneath:
    unmounting the container's "/" in its namespace uncovers the host's root."""
    b = bundle()
    c = Created(pyrun, b, "--no-pivot")
    try:
        assert _same_file(f"/proc/{c.pid}/root", b.rootfs)
        assert _ns_root(c) == _id(b.rootfs)
        c.nsenter("umount", "-l", "/")
        assert _ns_root(c) == _id("/")
    finally:
        c.delete()


def test_pivot_by_default_leaves_no_host_root(pyrun, bundle):
    """After pivot_root the host's root is detached from the namespace: unmounting the
    container's "/" does not uncover it (as it does with --no-pivot)."""
    b = bundle()
    c = Created(pyrun, b)
    try:
        assert _ns_root(c) == _id(b.rootfs)
        subprocess.run(["nsenter", "-t", str(c.pid), "-m", "umount", "-l", "/"], capture_output=True)
        seen = subprocess.run(["nsenter", "-t", str(c.pid), "-m", "stat", "-c", "%d:%i", "/"],
                              capture_output=True, text=True)
        assert seen.stdout.strip() != _id("/")
    finally:
        c.delete()


def test_no_pivot_runs_the_process(pyrun, bundle):
    b = bundle()
    assert out(pyrun, b, "echo inside; ls /bin/busybox", "--no-pivot") == "inside\n/bin/busybox\n"


def test_no_pivot_with_read_only_root_and_masks(pyrun, bundle):
    b = bundle()
    b.config["root"]["readonly"] = True
    text = out(pyrun, b, "touch /x 2>&1; wc -c < /proc/keys; cat /proc/self/mountinfo", "--no-pivot")
    lines = text.splitlines()
    assert lines[:2] == ["touch: /x: Read-only file system", "0"]
    assert "ro" in mount_at(parse_mountinfo("\n".join(lines[2:]) + "\n"), "/proc/sys").options


@pytest.mark.parametrize("propagation", [None, "rshared", "rprivate"])
def test_rootfs_that_is_itself_a_shared_mount(pyrun, bundle, shared_tmpfs, propagation):
    """containerd's layout: the rootfs is a mount of its own (an overlay) on a shared host."""
    b = bundle()
    for d in ("bin", "proc", "dev", "sys", "tmp"):
        os.makedirs(os.path.join(shared_tmpfs, d))
    shutil.copy2("/bin/busybox", os.path.join(shared_tmpfs, "bin", "busybox"))
    for applet in APPLETS:
        os.symlink("busybox", os.path.join(shared_tmpfs, "bin", applet))
    b.config["root"]["path"] = shared_tmpfs
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] in ("/proc", "/dev")]
    if propagation:
        b.linux["rootfsPropagation"] = propagation
    root = mount_at(parse_mountinfo(out(pyrun, b, "cat /proc/self/mountinfo")), "/")
    assert bool(root.tagged("master:")) == (propagation != "rprivate"), root.optional
    assert _host_mounts_under(shared_tmpfs) == []
