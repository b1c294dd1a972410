"""Observations from the host side: cgroup mounts and files, /proc of a pid, namespaces, mounts.

Everything here reads the kernel's own files; nothing asks the runtime under test.
"""

import os


def mountinfo(pid="self"):
    """Mounts of pid's mount namespace (see parse_mountinfo)."""
    with open(f"/proc/{pid}/mountinfo") as f:
        return parse_mountinfo(f.read())


def parse_mountinfo(text):
    """mountinfo text -> list of dicts with mount_id, parent, root, point, fstype, source,
    options (per-mount + super options, as a set), mount_options and optional (propagation fields)."""
    mounts = []
    for line in text.splitlines():
        if " - " not in line:
            continue
        left, right = line.rstrip("\n").split(" - ", 1)
        fields = left.split()
        fstype, source, super_opts = (right.split(" ") + ["", ""])[:3]
        mounts.append({
            "mount_id": fields[0], "parent": fields[1], "root": _unescape(fields[3]),
            "point": _unescape(fields[4]),
            "options": set(fields[5].split(",")) | set(super_opts.split(",")),
            "mount_options": set(fields[5].split(",")),
            "optional": fields[6:], "fstype": fstype, "source": source,
        })
    return mounts


def _unescape(path):
    return path.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def cgroup_mounts():
    """{controller or 'name=X' or '' (the v2 mount): mount point} for this mount namespace."""
    found = {}
    for m in mountinfo():
        if m["fstype"] == "cgroup":
            for opt in m["options"]:
                if opt in V1_CONTROLLERS or opt.startswith("name="):
                    found.setdefault(opt, m["point"])
        elif m["fstype"] == "cgroup2":
            found.setdefault("", m["point"])
    return found


V1_CONTROLLERS = {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "blkio",
                  "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc"}


def cgroup_version():
    """'v2' on a unified host, 'hybrid' when v1 controllers and a cgroup2 mount both exist, 'v1' else."""
    mounts = cgroup_mounts()
    v1 = any(k for k in mounts if k)
    if "" in mounts and not v1:
        return "v2"
    return "hybrid" if "" in mounts else "v1"


def v2_controllers():
    """Controllers enabled on the cgroup2 mount ('' when none is mounted)."""
    point = cgroup_mounts().get("")
    if not point:
        return set()
    try:
        with open(os.path.join(point, "cgroup.controllers")) as f:
            return set(f.read().split())
    except OSError:
        return set()


def proc_cgroups(pid):
    """{controller: path} from /proc/PID/cgroup; the v2 entry is under ''; named ones as 'name=X'."""
    paths = {}
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if not controllers:
                paths[""] = path
            for c in controllers.split(","):
                if c:
                    paths[c] = path
    return paths


def cgroup_dir(pid, controller):
    """The host directory of pid's cgroup for a v1 controller (or '' for v2); None if not mounted."""
    point = cgroup_mounts().get(controller)
    path = proc_cgroups(pid).get(controller)
    if point is None or path is None:
        return None
    return os.path.join(point, path.lstrip("/"))


def read(path):
    with open(path) as f:
        return f.read()


def ns_id(pid, ns):
    """The namespace identity (e.g. 'uts:[4026531838]') of pid, or of 'self'."""
    return os.readlink(f"/proc/{pid}/ns/{ns}")


def status_field(pid, field):
    """A field of /proc/PID/status, e.g. 'CapEff', 'NoNewPrivs', 'Groups'."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key == field:
                return value.strip()
    return None


def pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def zombie_child_of(pid, parent):
    """True when pid is a zombie whose parent is `parent`."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return False
    return fields[0] == "Z" and fields[1] == str(parent)
