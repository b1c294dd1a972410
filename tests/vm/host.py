"""What kind of cgroup setup this machine has, read from /proc/self/mountinfo (never changed)."""

import os


def cgroup_mounts(mountinfo="/proc/self/mountinfo"):
    """[(mount point, fs type)] of every cgroup and cgroup2 mount."""
    found = []
    with open(mountinfo) as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            fstype = fields[sep + 1]
            if fstype in ("cgroup", "cgroup2"):
                found.append((fields[4], fstype))
    return found


def is_pure_cgroup_v2(mountinfo="/proc/self/mountinfo"):
    """True when /sys/fs/cgroup itself is a cgroup2 mount and no v1 hierarchy is mounted anywhere
    (a hybrid host has v1 controllers plus a cgroup2 at /sys/fs/cgroup/unified)."""
    mounts = cgroup_mounts(mountinfo)
    return ("/sys/fs/cgroup", "cgroup2") in mounts and not any(t == "cgroup" for _, t in mounts)


def in_test_vm():
    return os.environ.get("PYRUN_TEST_VM") == "1"
