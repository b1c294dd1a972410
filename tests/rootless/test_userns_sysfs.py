"""As root: /sys in a container with its own user namespace. With its own network namespace (owned
by that user namespace) it gets a new sysfs; sharing the host's network namespace, the kernel
refuses a new sysfs (EPERM) and the host's /sys is bound recursively instead, with the entry's
ro/nosuid/nodev/noexec on every mount of it (runc, crun). Default mounts otherwise."""

import json
import os
import subprocess

from testlib import needs_root
from rootlesslib import BASE, SIZE
from spec.defaults import default_config

pytestmark = needs_root


def run(rt, place, rootfs_template, script, network=False, sys_options=None):
    path = os.path.join(place, "bundle")
    os.mkdir(path)
    subprocess.run(["cp", "-a", rootfs_template, os.path.join(path, "rootfs")], check=True)
    subprocess.run(["chown", "-R", f"{BASE}:{BASE}", os.path.join(path, "rootfs")], check=True)
    config = default_config()
    config["process"]["terminal"] = False
    config["process"]["args"] = ["sh", "-c", script]
    config["root"]["readonly"] = False
    lin = config["linux"]
    if not network:
        lin["namespaces"] = [ns for ns in lin["namespaces"] if ns["type"] != "network"]
    lin["namespaces"].append({"type": "user"})
    lin["uidMappings"] = [{"containerID": 0, "hostID": BASE, "size": SIZE}]
    lin["gidMappings"] = [{"containerID": 0, "hostID": BASE, "size": SIZE}]
    if sys_options is not None:
        next(m for m in config["mounts"] if m["destination"] == "/sys")["options"] = sys_options
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f)
    return rt("run", "-b", path, rt.new_id()).stdout


SCRIPT = ("ls /sys/class/net; echo ---; touch /sys/x 2>&1; touch /sys/fs/cgroup/x 2>&1; echo ---; "
          "grep ' /sys' /proc/self/mountinfo")


def sys_mounts(text):
    """mountinfo lines under /sys -> [(mount point, per-mount options, fs type)]."""
    found = []
    for line in text.splitlines():
        left, right = line.split(" - ")
        fields = left.split()
        if fields[4] == "/sys" or fields[4].startswith("/sys/"):
            found.append((fields[4], fields[5].split(","), right.split()[0]))
    return found


def test_without_a_network_namespace_the_hosts_sys_is_bound_read_only(rt, place, rootfs_template):
    net, writes, mounts = run(rt, place, rootfs_template, SCRIPT).split("---\n")
    # The host's sysfs: it lists the host's interfaces.
    assert sorted(net.split()) == sorted(os.listdir("/sys/class/net"))
    assert writes.count("Read-only file system") == 2, writes
    found = sys_mounts(mounts)
    assert found[0][0] == "/sys" and found[0][2] == "sysfs"
    # Every mount the bind brought (the host's cgroup hierarchies among them) is ro, nosuid,
    # nodev, noexec, not just the top one.
    # The host's /sys/fs/cgroup came along (the container's own cgroup mount is on top of it).
    assert [m[0] for m in found].count("/sys/fs/cgroup") == 2
    for point, options, _ in found:
        if point.startswith("/sys/firmware"):
            continue     # maskedPaths: a read-only tmpfs of the init's
        assert {"ro", "nosuid", "nodev", "noexec"} <= set(options), (point, options)


def test_without_ro_the_bound_sys_stays_writable_as_a_mount(rt, place, rootfs_template):
    """Only the entry's options are applied: no ro asked, none set (host root's files stay
    host root's: the container's root cannot write them anyway)."""
    text = run(rt, place, rootfs_template, "grep ' /sys ' /proc/self/mountinfo",
               sys_options=["nosuid", "noexec", "nodev"])
    (point, options, fstype), = sys_mounts(text)
    assert point == "/sys" and fstype == "sysfs"
    assert "rw" in options and {"nosuid", "nodev", "noexec"} <= set(options)


def test_with_its_own_network_namespace_it_gets_a_new_sysfs(rt, place, rootfs_template):
    """The user namespace owns the network namespace: a new sysfs, no bind (only lo, no host mounts)."""
    net, writes, mounts = run(rt, place, rootfs_template, SCRIPT, network=True).split("---\n")
    assert net.split() == ["lo"]
    assert "Read-only file system" in writes
    found = sys_mounts(mounts)
    assert found[0][0] == "/sys" and found[0][2] == "sysfs"
    # Nothing of the host's below it: one /sys/fs/cgroup, the container's own.
    assert [m[0] for m in found].count("/sys/fs/cgroup") == 1
