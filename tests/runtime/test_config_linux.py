"""linux.maskedPaths and linux.readonlyPaths (and that the container cannot undo them),
hostname, domainname, linux.sysctl in the container's own namespaces, and annotations as
`state` reports them. Observed inside the container and on the host."""

import os
import socket

import pytest

from test_config_lib import Created, bundle, failed, mount_at, needs_root, out, parse_mountinfo  # noqa: F401

pytestmark = needs_root


def _read(path):
    with open(path) as f:
        return f.read()


def test_masked_file_reads_empty(pyrun, bundle):
    b = bundle()
    with open(os.path.join(b.rootfs, "etc", "secret"), "w") as f:
        f.write("top secret\n")
    b.linux["maskedPaths"] = ["/etc/secret", "/proc/timer_list"]
    assert out(pyrun, b, "wc -c < /etc/secret; wc -c < /proc/timer_list; echo x > /etc/secret; wc -c < /etc/secret") \
        .split() == ["0", "0", "0"]
    assert _read(os.path.join(b.rootfs, "etc", "secret")) == "top secret\n"


def test_masked_directory_is_an_empty_read_only_tmpfs(pyrun, bundle):
    b = bundle()
    os.makedirs(os.path.join(b.rootfs, "secrets"))
    with open(os.path.join(b.rootfs, "secrets", "key"), "w") as f:
        f.write("k")
    b.linux["maskedPaths"] = ["/secrets"]
    text = out(pyrun, b, "ls -A /secrets; touch /secrets/x 2>&1; echo rc=$?; cat /proc/self/mountinfo")
    head, infos = text.split("rc=1\n")
    assert "Read-only file system" in head and "key" not in head
    m = mount_at(parse_mountinfo(infos), "/secrets")
    assert m.fstype == "tmpfs" and "ro" in m.options


def test_masked_path_that_does_not_exist_is_skipped(pyrun, bundle):
    b = bundle()
    b.linux["maskedPaths"] = ["/no/such/path", "/proc/no-such-file"]
    assert out(pyrun, b, "echo ran") == "ran\n"


@pytest.mark.parametrize("null", ["symlink", "missing", "regular file"])
def test_masked_paths_refuse_a_dev_null_that_is_not_the_null_device(pyrun, bundle, tmp_path, null):
    """A /dev bound from a directory another container can write (CVE-2025-31133 in runc): its
    null swapped for a symlink to /proc/sysrq-trigger would put that over the masked paths, and a
    missing one would leave them unmasked. create refuses instead, and leaves nothing."""
    shared = tmp_path / "shared-dev"
    shared.mkdir()
    if null == "symlink":
        os.symlink("/proc/sysrq-trigger", shared / "null")
    elif null == "regular file":
        (shared / "null").write_text("")
    b = bundle()
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] != "/dev"]
    b.add_mount("/dev", "bind", str(shared), ["rbind"])
    b.linux["maskedPaths"] = ["/proc/keys", "/proc/timer_list"]
    proc = failed(pyrun, b)
    assert "masked paths: " in proc.stderr and "/dev/null" in proc.stderr, proc.stderr
    if null == "symlink":
        assert os.readlink(shared / "null") == "/proc/sysrq-trigger"


def test_readonly_paths(pyrun, bundle):
    b = bundle()
    os.makedirs(os.path.join(b.rootfs, "data"))
    b.linux["readonlyPaths"] = ["/data", "/proc/sys"]
    text = out(pyrun, b, "touch /data/x 2>&1; echo data=$?; touch /tmp/y; echo tmp=$?; "
                         "echo 1 > /proc/sys/kernel/domainname 2>&1; echo sys=$?")
    assert "data=1" in text and "tmp=0" in text and "sys=1" in text
    assert "touch: /data/x: Read-only file system" in text


def test_readonly_path_keeps_the_mounts_below_it(pyrun, runc, bundle):
    """readonlyPaths bind recursively: a mount below the path stays there (with what it holds),
    and only the path's own mount turns read-only, as with runc."""
    b = bundle()
    b.add_mount("/data/sub", "tmpfs", "tmpfs", ["size=1m"])
    b.linux["readonlyPaths"] = ["/data"]
    script = "echo kept > /data/sub/f; echo sub=$?; touch /data/x 2>/dev/null; echo top=$?; cat /data/sub/f"
    text = out(pyrun, b, script)
    assert text == "sub=0\ntop=1\nkept\n"
    assert out(runc, b, script) == text


UNDO_ATTEMPTS = [
    "umount /proc/keys",
    "umount -l /proc/acpi",
    "umount /proc/sys",
    "mount -o remount,rw /proc/sys",
    "mount -o remount,rw,bind /proc/sys",
    "mount --bind /proc/self/environ /proc/keys",
]


def test_container_cannot_undo_masked_or_readonly_paths(pyrun, bundle):
    """With the default capabilities (no CAP_SYS_ADMIN) every attempt fails and the masks hold:
    the default config masks /proc/keys and /proc/acpi and makes /proc/sys read-only."""
    b = bundle()
    script = "; ".join(f"{attempt} 2>/dev/null; echo $?" for attempt in UNDO_ATTEMPTS)
    text = out(pyrun, b, script + "; wc -c < /proc/keys; ls -A /proc/acpi | wc -l; "
                                  "echo 1 > /proc/sys/kernel/domainname 2>&1; echo sys=$?")
    lines = text.splitlines()
    codes = lines[:len(UNDO_ATTEMPTS)]
    assert "0" not in codes, dict(zip(UNDO_ATTEMPTS, codes))
    assert lines[len(UNDO_ATTEMPTS):] == ["0", "0", "sys=1"]


def test_hostname(pyrun, bundle):
    b = bundle()
    b.config["hostname"] = "pyrun-cfg-test"
    assert out(pyrun, b, "hostname; cat /proc/sys/kernel/hostname") == "pyrun-cfg-test\npyrun-cfg-test\n"
    assert socket.gethostname() != "pyrun-cfg-test"


def test_domainname(pyrun, bundle):
    b = bundle()
    b.config["domainname"] = "example.test"
    before = _read("/proc/sys/kernel/domainname")
    assert out(pyrun, b, "cat /proc/sys/kernel/domainname") == "example.test\n"
    assert _read("/proc/sys/kernel/domainname") == before


def test_hostname_without_a_uts_namespace_is_refused(pyrun, bundle):
    b = bundle()
    b.linux["namespaces"] = [ns for ns in b.linux["namespaces"] if ns["type"] != "uts"]
    b.config["hostname"] = "nope"
    before = socket.gethostname()
    assert "hostname" in failed(pyrun, b).stderr
    assert socket.gethostname() == before


def test_sysctl_with_the_default_read_only_proc_sys(pyrun, bundle):
    b = bundle()
    b.linux["sysctl"] = {"net.ipv4.ip_forward": "1", "kernel.shmmax": "65536"}
    assert out(pyrun, b, "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax").split() == ["1", "65536"]


def test_sysctl_in_new_network_and_ipc_namespaces(pyrun, bundle):
    b = bundle()
    b.linux["sysctl"] = {"net.ipv4.ip_forward": "1", "kernel.shmmax": "65536",
                         "net.ipv4.conf.lo.forwarding": "1"}
    host_fwd, host_shm = _read("/proc/sys/net/ipv4/ip_forward"), _read("/proc/sys/kernel/shmmax")
    text = out(pyrun, b, "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax "
                         "/proc/sys/net/ipv4/conf/lo/forwarding")
    assert text.split() == ["1", "65536", "1"]
    assert _read("/proc/sys/net/ipv4/ip_forward") == host_fwd
    assert _read("/proc/sys/kernel/shmmax") == host_shm


def test_sysctl_of_the_hosts_network_namespace_is_refused(pyrun, bundle):
    """Without its own network namespace the container must not set net.* (that is the host's)."""
    b = bundle()
    b.linux["namespaces"] = [ns for ns in b.linux["namespaces"] if ns["type"] != "network"]
    current = _read("/proc/sys/net/ipv4/ip_forward").strip()
    b.linux["sysctl"] = {"net.ipv4.ip_forward": current}  # harmless even if it got through
    assert "net.ipv4.ip_forward" in failed(pyrun, b).stderr


def test_sysctl_joining_the_hosts_own_network_namespace_is_refused(pyrun, bundle):
    """Joining the host's netns by path is no private namespace either (runc refuses it too)."""
    b = bundle()
    for ns in b.linux["namespaces"]:
        if ns["type"] == "network":
            ns["path"] = "/proc/self/ns/net"  # the runtime's own: the host's
    b.linux["readonlyPaths"] = []  # so that only the namespace check can stop it
    current = _read("/proc/sys/net/ipv4/ip_forward").strip()
    b.linux["sysctl"] = {"net.ipv4.ip_forward": current}  # harmless even if it got through
    assert "net.ipv4.ip_forward" in failed(pyrun, b).stderr


def _sysctl_under_a_bind(pyrun, b, source, target, sysctl):
    """Create with sysctl while a createContainer hook binds source over target inside the
    rootfs (config.json may not mount inside /proc; a hook can, as a shared volume's mount
    could): it must be refused. The refusal's stderr."""
    b.linux["readonlyPaths"] = []
    b.config["hooks"] = {"createContainer": [{"path": "/bin/sh", "args": [
        "sh", "-c", f"mount --bind {source} {b.rootfs}{target}"]}]}
    b.linux["sysctl"] = sysctl
    return failed(pyrun, b).stderr


def test_sysctl_is_written_to_procfs_only(pyrun, bundle, tmp_path):
    """A mount over /proc/sys/kernel (config.json may not make one; here a createContainer hook
    does, as a shared volume's could) does not get the write: create refuses, and the file of the
    knob's name in the mounted directory is unchanged."""
    decoy = tmp_path / "decoy"
    decoy.mkdir()
    (decoy / "shmmax").write_text("unchanged\n")
    assert "mounted over it or its path" in _sysctl_under_a_bind(pyrun, bundle(), decoy, "/proc/sys/kernel",
                                                                 {"kernel.shmmax": "65536"})
    assert (decoy / "shmmax").read_text() == "unchanged\n"


def test_sysctl_write_is_not_redirected_to_another_procfs_file(pyrun, bundle):
    """The same with a procfs file bound over the knob (CVE-2025-52881 points the write at
    /proc/sysrq-trigger, say): a check of the filesystem type passes it; create must refuse it.
    Here the container's own hostname file stands in, so nothing of the host is at stake."""
    b = bundle()
    assert "mounted over it or its path" in _sysctl_under_a_bind(
        pyrun, b, f"{b.rootfs}/proc/sys/kernel/hostname", "/proc/sys/kernel/domainname",
        {"kernel.domainname": "redirected"})


def test_sysctl_unknown_key_is_a_clear_error(pyrun, bundle):
    b = bundle()
    b.linux["sysctl"] = {"net.ipv4.no_such_knob": "1"}
    assert "net.ipv4.no_such_knob" in failed(pyrun, b).stderr


def test_annotations_in_state(pyrun, bundle):
    b = bundle()
    b.config["annotations"] = {"org.example.key": "value", "com.example/odd key": "with \"quotes\""}
    c = Created(pyrun, b)
    try:
        assert pyrun.state(c.id)["annotations"] == b.config["annotations"]
    finally:
        c.delete()


def test_no_annotations_in_state(pyrun, bundle):
    b = bundle()
    b.config.pop("annotations", None)
    c = Created(pyrun, b)
    try:
        assert "annotations" not in pyrun.state(c.id)   # only when non-empty
    finally:
        c.delete()


def test_hostname_in_the_hosts_own_uts_namespace_is_refused(pyrun, bundle):
    b = bundle()
    for ns in b.linux["namespaces"]:
        if ns["type"] == "uts":
            ns["path"] = "/proc/self/ns/uts"  # the runtime's own: the host's
    b.config["hostname"] = socket.gethostname()  # harmless even if it got through
    assert "hostname" in failed(pyrun, b).stderr
