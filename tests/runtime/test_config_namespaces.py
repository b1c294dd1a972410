"""linux.namespaces: each type created new or joined by path (compared by the inode of
/proc/PID/ns/X inside and on the host), bad paths refused with nothing left behind, the new
network namespace's loopback, time namespace offsets, the cgroup namespace's root, and a user
namespace with id mappings."""

import os
import re
import shutil
import subprocess
import tempfile

import pytest

from testlib import PYRUN, Runtime
from test_config_lib import Created, bundle, failed, host_ns_inode, needs_root, out  # noqa: F401

pytestmark = needs_root

NS_FILE = {"pid": "pid", "network": "net", "ipc": "ipc", "uts": "uts", "mount": "mnt", "cgroup": "cgroup",
           "time": "time", "user": "user"}


def _inodes(text):
    """readlink output lines 'net:[4026531840]' -> {'net': 4026531840}"""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"(\w+):\[(\d+)\]", text)}


def _readlinks(kinds):
    return "; ".join(f"readlink /proc/self/ns/{NS_FILE[k]}" for k in kinds)


ALL = ["pid", "network", "ipc", "uts", "mount", "cgroup", "time"]


def test_each_namespace_type_new(pyrun, bundle):
    b = bundle()
    b.linux["namespaces"] = [{"type": t} for t in ALL]
    inside = _inodes(out(pyrun, b, _readlinks(ALL + ["user"])))
    for t in ALL:
        assert inside[NS_FILE[t]] != host_ns_inode(NS_FILE[t]), t
    assert inside["user"] == host_ns_inode("user")  # none was asked for: the host's


def test_namespaces_left_out_are_the_hosts(pyrun, bundle):
    left_out = ["network", "ipc", "uts", "cgroup", "pid"]
    b = bundle()
    b.linux["namespaces"] = [ns for ns in b.linux["namespaces"] if ns["type"] not in left_out]
    b.config.pop("hostname", None)
    # sysfs and the cgroup tree belong with a network and a cgroup namespace of one's own.
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] not in ("/sys", "/sys/fs/cgroup")]
    inside = _inodes(out(pyrun, b, _readlinks(left_out)))
    for kind in left_out:
        assert inside[NS_FILE[kind]] == host_ns_inode(NS_FILE[kind]), kind


def test_pid_namespace_makes_the_process_pid_1(pyrun, bundle):
    b = bundle()
    lines = out(pyrun, b, "echo $$; ls /proc | grep '^[0-9]'").split()
    assert lines[0] == "1" and len(lines) <= 4  # sh, and ls and grep of the pipeline


@pytest.fixture
def persistent_ns(tmp_path):
    """persistent_ns(kind, *unshare_options) -> a file with a new namespace of that kind bound on
    it (unshare)."""
    made = []

    def make(kind, *extra):
        path = str(tmp_path / f"ns-{kind}-{len(made)}")
        open(path, "w").close()
        flag = {"network": "--net", "ipc": "--ipc", "uts": "--uts", "mount": "--mount", "cgroup": "--cgroup",
                "time": "--time"}[kind]
        subprocess.run(["unshare", f"{flag}={path}", *extra, "true"], check=True)
        made.append(path)
        return path

    yield make
    for path in made:
        subprocess.run(["umount", path], check=False)


@pytest.mark.parametrize("kind", ["network", "ipc", "uts"])
def test_join_namespace_by_path(pyrun, bundle, persistent_ns, kind):
    path = persistent_ns(kind)
    b = bundle()
    for ns in b.linux["namespaces"]:
        if ns["type"] == kind:
            ns["path"] = path
    if kind == "uts":
        b.config["hostname"] = "joined-uts"
    inside = _inodes(out(pyrun, b, _readlinks([kind])))
    assert inside[NS_FILE[kind]] == os.stat(path).st_ino != host_ns_inode(NS_FILE[kind])
    if kind == "uts":  # the hostname was set in the joined namespace, where it stays
        seen = subprocess.run(["nsenter", f"--uts={path}", "hostname"], capture_output=True, text=True, check=True)
        assert seen.stdout == "joined-uts\n"


def _join(b, kind, path):
    for ns in b.linux["namespaces"]:
        if ns["type"] == kind:
            ns["path"] = path
            return
    b.linux["namespaces"].append({"type": kind, "path": path})


def test_join_mount_namespace_by_path(pyrun, bundle, persistent_ns):
    path = persistent_ns("mount")
    b = bundle()
    _join(b, "mount", path)
    inside = _inodes(out(pyrun, b, _readlinks(["mount"]) + "; ls /bin/busybox"))
    assert inside["mnt"] == os.stat(path).st_ino != host_ns_inode("mnt")


def test_join_cgroup_namespace_by_path_with_the_cgroup_mount(pyrun, runc, bundle, persistent_ns):
    """The joined namespace's root is the cgroup of whoever made it (here the test's own), not
    the container's: /proc/self/cgroup is relative to it, and the cgroup mount shows that root,
    as with runc."""
    path = persistent_ns("cgroup")
    b = bundle()
    _join(b, "cgroup", path)
    # The container's own cgroup, by its path relative to the namespace root, under the mount.
    script = _readlinks(["cgroup"]) + "".join(
        f"; rel=$(grep :{c}: /proc/self/cgroup | cut -d: -f3); echo {c}=$rel; cat /sys/fs/cgroup/{c}$rel/cgroup.procs"
        for c in ("pids", "memory"))
    text = out(pyrun, b, script)
    ns, pids, memory = re.split(r"\n(?=pids=|memory=)", text.strip())
    assert _inodes(ns)["cgroup"] == os.stat(path).st_ino != host_ns_inode("cgroup")
    for seen in (pids, memory):
        rel, *procs = seen.split()
        assert rel.split("=")[1] not in ("/", "") and "1" in procs, text  # init (and cat) are there
    runc_ns, runc_pids, runc_memory = re.split(r"\n(?=pids=|memory=)", out(runc, b, script).strip())
    assert "1" in runc_pids.split() and "1" in runc_memory.split()


def test_join_time_namespace_by_path(pyrun, bundle, persistent_ns):
    """The joined namespace's offsets hold (timeOffsets belong to a new namespace only)."""
    path = persistent_ns("time", "--boottime", "7200", "--monotonic", "600")
    b = bundle()
    _join(b, "time", path)
    text = out(pyrun, b, _readlinks(["time"]) + "; cat /proc/self/timens_offsets")
    assert _inodes(text)["time"] == os.stat(path).st_ino != host_ns_inode("time")
    offsets = {line.split()[0]: line.split()[1:] for line in text.splitlines()[1:]}
    assert offsets == {"monotonic": ["600", "0"], "boottime": ["7200", "0"]}


def test_joined_network_namespace_is_shared_with_the_host_side(pyrun, bundle, persistent_ns):
    """What the container does in a joined netns is what the holder of the path sees."""
    path = persistent_ns("network")
    b = bundle()
    for ns in b.linux["namespaces"]:
        if ns["type"] == "network":
            ns["path"] = path
    b.process["capabilities"] = {k: ["CAP_NET_ADMIN"] for k in ("bounding", "effective", "permitted")}
    out(pyrun, b, "ip addr add 10.254.3.7/32 dev lo")
    seen = subprocess.run(["nsenter", f"--net={path}", "ip", "-o", "addr", "show", "lo"], capture_output=True,
                          text=True, check=True).stdout
    assert "10.254.3.7/32" in seen


def test_namespace_path_that_is_not_a_namespace(pyrun, bundle, tmp_path):
    plain = tmp_path / "plain-file"
    plain.write_text("not a namespace")
    b = bundle()
    for ns in b.linux["namespaces"]:
        if ns["type"] == "network":
            ns["path"] = str(plain)
    err = failed(pyrun, b).stderr
    assert str(plain) in err and "not a namespace" in err


def test_namespace_path_of_another_type(pyrun, bundle, persistent_ns):
    path = persistent_ns("ipc")
    b = bundle()
    for ns in b.linux["namespaces"]:
        if ns["type"] == "network":
            ns["path"] = path
    err = failed(pyrun, b).stderr
    assert path in err and "network" in err


def test_namespace_path_that_does_not_exist(pyrun, bundle, tmp_path):
    b = bundle()
    for ns in b.linux["namespaces"]:
        if ns["type"] == "ipc":
            ns["path"] = str(tmp_path / "missing")
    assert str(tmp_path / "missing") in failed(pyrun, b).stderr


def test_new_network_namespace_has_loopback_up(pyrun, bundle):
    b = bundle()
    text = out(pyrun, b, "cat /sys/class/net/lo/flags; ip -o addr show lo; ls /sys/class/net")
    lines = text.splitlines()
    assert int(lines[0], 16) & 0x1, "lo is not IFF_UP"
    assert "127.0.0.1/8" in text
    assert lines[-1] == "lo"  # nothing but loopback


def _uptime(text):
    return float(text.split()[0])


def test_time_namespace_offsets(pyrun, bundle):
    b = bundle()
    b.linux["namespaces"].append({"type": "time"})
    b.linux["timeOffsets"] = {"boottime": {"secs": 864000, "nanosecs": 0}, "monotonic": {"secs": 3600}}
    with open("/proc/uptime") as f:
        before = _uptime(f.read())
    text = out(pyrun, b, "cat /proc/uptime; cat /proc/self/timens_offsets")
    with open("/proc/uptime") as f:
        after = _uptime(f.read())
    inside = _uptime(text)
    assert before + 864000 - 1 <= inside <= after + 864000 + 1
    offsets = {line.split()[0]: line.split()[1:] for line in text.splitlines()[1:]}
    assert offsets["monotonic"] == ["3600", "0"] and offsets["boottime"] == ["864000", "0"]


def test_cgroup_namespace_root(pyrun, bundle):
    b = bundle()
    lines = out(pyrun, b, "cat /proc/self/cgroup").splitlines()
    assert lines and all(line.endswith(":/") for line in lines), lines


def test_without_cgroup_namespace_the_host_path_shows(pyrun, bundle):
    b = bundle()
    b.linux["namespaces"] = [ns for ns in b.linux["namespaces"] if ns["type"] != "cgroup"]
    lines = out(pyrun, b, "cat /proc/self/cgroup").splitlines()
    assert any(not line.endswith(":/") for line in lines), lines


@pytest.fixture
def userns_bundle(bundle, rootfs_template):
    """userns_bundle(state_root_mode) -> (Runtime, Bundle) for a container in a new user namespace
    mapped to host ids 200000+. The container's root (host uid 200000) must be able to reach
    its rootfs and state directory, so both live under a world-traversable directory rather
    than pytest's 0700 tmp_path. state_root_mode None lets pyrun create its --root itself."""
    places = []

    def make(state_root_mode=0o711):
        place = tempfile.mkdtemp(prefix="pyrun-cfg-userns-")
        places.append(place)
        os.chmod(place, 0o755)
        b = bundle()
        os.rename(b.path, os.path.join(place, "bundle"))
        b.path = os.path.join(place, "bundle")
        b.rootfs = os.path.join(b.path, "rootfs")
        b.linux["namespaces"].append({"type": "user"})
        b.linux["uidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 65536}]
        b.linux["gidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 65536}]
        root = os.path.join(place, "state")
        if state_root_mode is not None:
            os.mkdir(root, state_root_mode)
        rt = Runtime(PYRUN, root)
        runtimes.append(rt)
        return rt, b.save()

    runtimes = []
    yield make
    for rt in runtimes:
        rt.cleanup()
    for place in places:
        shutil.rmtree(place, ignore_errors=True)


def test_user_namespace_with_mappings(userns_bundle):
    rt, b = userns_bundle()
    c = Created(rt, b)
    try:
        assert c.ns_inode("user") != host_ns_inode("user")
        for name in ("uid_map", "gid_map"):
            with open(f"/proc/{c.pid}/{name}") as f:
                assert f.read().split() == ["0", "200000", "65536"], name
        with open(f"/proc/{c.pid}/status") as f:
            uid_line = [line for line in f if line.startswith("Uid:")][0]
        assert uid_line.split()[1:] == ["200000"] * 4  # the host sees the mapped id
    finally:
        c.delete()


def test_user_namespace_process_sees_itself_as_root(userns_bundle):
    rt, b = userns_bundle()
    text = out(rt, b, "id -u; id -g; stat -c %u /bin/busybox")
    assert text.split() == ["0", "0", "65534"]  # host root's files are unmapped: the overflow uid


def test_user_namespace_devices_are_bound_from_the_host(userns_bundle):
    """mknod is not allowed in a user namespace: the default devices are binds of the host's."""
    rt, b = userns_bundle()
    text = out(rt, b, "stat -c '%t:%T' /dev/null /dev/zero; echo x > /dev/null && echo ok; cat /proc/self/mountinfo")
    lines = text.splitlines()
    assert lines[:3] == ["1:3", "1:5", "ok"]
    assert any(line.split()[4] == "/dev/null" for line in lines[3:])


def test_user_namespace_with_the_state_root_pyrun_makes(userns_bundle):
    """The --root pyrun makes is 0700: the init, host uid 200000 by then, must not need to
    traverse it (it reaches the exec fifo through a directory fd opened before)."""
    rt, b = userns_bundle(state_root_mode=None)
    assert out(rt, b, "id -u") == "0\n"
    assert os.stat(rt.root).st_mode & 0o777 == 0o700


def test_join_the_pid_namespace_of_another_container(pyrun, bundle):
    """The pod pattern: a second container joins the first one's pid namespace by path and
    sees its init as pid 1; its own process is not pid 1 there."""
    first = bundle()
    first.script("sleep 60")
    a = Created(pyrun, first)
    try:
        pyrun("start", a.id)
        second = bundle()
        for ns in second.linux["namespaces"]:
            if ns["type"] == "pid":
                ns["path"] = f"/proc/{a.pid}/ns/pid"
        text = out(pyrun, second, "echo $$; readlink /proc/self/ns/pid; cat /proc/1/cmdline | tr '\\0' ' '")
        pid, ns, cmdline = text.splitlines()
        assert pid != "1"
        assert _inodes(ns)["pid"] == a.ns_inode("pid")
        assert "sleep 60" in cmdline
    finally:
        a.delete()


def test_cgroup_mount_without_a_cgroup_namespace_shows_only_the_containers_cgroup(pyrun, bundle):
    b = bundle()
    b.linux["namespaces"] = [ns for ns in b.linux["namespaces"] if ns["type"] != "cgroup"]
    text = out(pyrun, b, "cat /sys/fs/cgroup/pids/cgroup.procs; grep ' /sys/fs/cgroup/pids ' /proc/self/mountinfo; "
                         "grep ':pids:' /proc/self/cgroup")
    lines = text.splitlines()
    own = lines[-1].split(":", 2)[2]
    assert own != "/"
    assert lines[-2].split()[3] == own  # the bind's root is the container's own cgroup
    assert "1" in lines[:-2]


def test_user_namespace_with_read_only_root_and_masks(userns_bundle):
    """Remounts in a user namespace must keep the flags the kernel locked (nosuid, nodev...)."""
    rt, b = userns_bundle()
    b.config["root"]["readonly"] = True
    text = out(rt, b, "touch /x 2>&1; wc -c < /proc/keys; grep -c ' /proc/sys ro,' /proc/self/mountinfo")
    assert text.splitlines() == ["touch: /x: Read-only file system", "0", "1"]
