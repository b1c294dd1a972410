"""Namespaces (config-linux.md#namespaces): every type new, inherited when absent, and joined by
path; bad paths and duplicates refused; user namespace mappings. Namespace identities are read on
the host from /proc/PID/ns/* of the container process; the runtime's own namespaces are the
worker's (the case runs the runtime from there)."""

import os
import subprocess
import time

from conformance import host
from conformance.registry import area, case

area("namespaces", "namespaces new, inherited and joined by path")

# config type -> (/proc/PID/ns name, unshare flag)
TYPES = {"pid": ("pid", "--pid"), "network": ("net", "--net"), "mount": ("mnt", "--mount"),
         "ipc": ("ipc", "--ipc"), "uts": ("uts", "--uts"), "user": ("user", "--user"),
         "cgroup": ("cgroup", "--cgroup"), "time": ("time", "--time")}
MAPPING = [{"containerID": 0, "hostID": 100000, "size": 65536}]


def _running(t, b):
    b.sh("echo up; exec sleep 30")
    c = t.create(b)
    c.start()
    c.wait_output("up")
    return c


def _need_kernel(t, ns):
    if not os.path.exists(f"/proc/self/ns/{TYPES[ns][0]}"):
        t.skip(f"this kernel has no {ns} namespace")


def _userns(b):
    b.namespace("user")
    b.linux["uidMappings"] = list(MAPPING)
    b.linux["gidMappings"] = list(MAPPING)


def _new(t, ns):
    _need_kernel(t, ns)
    b = t.bundle()
    b.namespace(ns)
    if ns == "user":
        _userns(b)
    c = _running(t, b)
    name = TYPES[ns][0]
    t.check(host.ns_id(c.pid, name) != host.ns_id("self", name),
            f"the container shares the runtime's {ns} namespace ({host.ns_id(c.pid, name)})")


def _absent(t, ns):
    _need_kernel(t, ns)
    b = t.bundle()
    b.drop_namespace(ns)
    if ns in ("uts",):
        b.config.pop("hostname", None)
    if ns == "network":
        b.drop_mount("/sys")  # sysfs needs a network namespace the mounter owns
    c = _running(t, b)
    name = TYPES[ns][0]
    t.eq(host.ns_id(c.pid, name), host.ns_id("self", name), f"{ns} namespace of a container without one")


def holder(t, ns):
    """A process sitting in a fresh namespace of type ns; returns the path to join it by."""
    name, flag = TYPES[ns]
    argv = ["unshare", flag]
    if ns in ("pid", "time"):
        argv += ["--fork"]
    proc = subprocess.Popen(argv + ["sleep", "60"], stdin=subprocess.DEVNULL)
    if ns == "user":
        _map_user_ns(t, proc.pid)
    link = f"{name}_for_children" if ns in ("pid", "time") else name
    path = f"/proc/{proc.pid}/ns/{link}"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if os.readlink(path) != os.readlink(f"/proc/self/ns/{name}") and (
                    ns not in ("pid", "time") or _children(proc.pid)):
                return path
        except OSError:
            pass
        time.sleep(0.01)
    t.skip(f"could not make a {ns} namespace to join ({' '.join(argv)})")


def _map_user_ns(t, pid):
    """Write MAPPING into the user namespace of pid (we are root in its parent namespace)."""
    deadline = time.monotonic() + 5
    while os.readlink(f"/proc/{pid}/ns/user") == os.readlink("/proc/self/ns/user"):
        if time.monotonic() > deadline:
            t.skip("could not make a user namespace to join")
        time.sleep(0.01)
    line = " ".join(str(MAPPING[0][k]) for k in ("containerID", "hostID", "size"))
    for f in ("uid_map", "gid_map"):
        with open(f"/proc/{pid}/{f}", "w") as fh:
            fh.write(line)


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return f.read().split()
    except OSError:
        return []


def _join(t, ns):
    _need_kernel(t, ns)
    path = holder(t, ns)
    b = t.bundle()
    b.namespace(ns, path)
    if ns == "user":  # the mappings the joined namespace already has (runc wants them stated)
        b.linux["uidMappings"] = list(MAPPING)
        b.linux["gidMappings"] = list(MAPPING)
    c = _running(t, b)
    name = TYPES[ns][0]
    t.eq(host.ns_id(c.pid, name), os.readlink(path), f"{ns} namespace of the container vs the one at {path}")


for _ns in TYPES:
    def _register(ns=_ns):
        case(f"namespaces.new_{ns}", "config-linux.md#namespaces", "MUST",
             f"a {ns} entry without path gives the container a new {ns} namespace")(lambda t: _new(t, ns))
        case(f"namespaces.join_{ns}", "config-linux.md#namespaces", "MUST",
             f"a {ns} entry with a path puts the container in that {ns} namespace")(lambda t: _join(t, ns))
        if ns not in ("mount", "user", "time"):
            case(f"namespaces.inherit_{ns}", "config-linux.md#namespaces", "MUST",
                 f"without a {ns} entry the container stays in the runtime's {ns} namespace")(
                lambda t: _absent(t, ns))
    _register()


@case("namespaces.pid_is_1", "config-linux.md#namespaces", "MUST",
      "in a new pid namespace the program is pid 1 and sees only its own processes")
def pid_is_1(t):
    b = t.bundle("echo $$; ls /proc | grep -c '^[0-9]'")
    pid1, count = t.run(b).output().split()
    t.eq(pid1, "1", "pid of the program inside")
    t.check(int(count) <= 3, f"{count} processes visible inside a new pid namespace")


@case("namespaces.network_isolated", "config-linux.md#namespaces", "MUST",
      "a new network namespace has only a loopback interface")
def network_isolated(t):
    b = t.bundle("ls /sys/class/net")
    t.eq(t.run(b).output().split(), ["lo"], "network interfaces inside")


@case("namespaces.cgroup_root_view", "config-linux.md#namespaces", "MUST",
      "in a new cgroup namespace the container sees its own cgroup as /")
def cgroup_root_view(t):
    b = t.bundle("cat /proc/self/cgroup")
    b.namespace("cgroup")
    paths = {line.split(":", 2)[2] for line in t.run(b).output().split()}
    t.eq(paths, {"/"}, "cgroup paths seen inside")


@case("namespaces.user_mappings", "config-linux.md#user-namespace-mappings", "MUST",
      "uidMappings and gidMappings are written to the new user namespace")
def user_mappings(t):
    b = t.bundle("cat /proc/self/uid_map /proc/self/gid_map; id -u")
    _userns(b)
    lines = [ln.split() for ln in t.run(b).output().strip().splitlines()]
    t.eq(lines, [["0", "100000", "65536"], ["0", "100000", "65536"], ["0"]], "uid_map, gid_map, uid inside")
    

@case("namespaces.user_host_uid", "config-linux.md#user-namespace-mappings", "MUST",
      "root in a mapped user namespace is the mapped host uid outside")
def user_host_uid(t):
    b = t.bundle()
    _userns(b)
    c = _running(t, b)
    t.eq(host.status_field(c.pid, "Uid").split()[0], "100000", "host uid of the container's root")


@case("namespaces.path_wrong_type", "config-linux.md#namespaces", "MUST",
      "a path to a namespace of another type is an error")
def path_wrong_type(t):
    path = holder(t, "uts")
    b = t.bundle("true")
    b.namespace("ipc", path)
    res, _ = t.try_create(b)
    t.refused(res, "an ipc entry whose path is a uts namespace")


@case("namespaces.path_not_namespace", "config-linux.md#namespaces", "MUST",
      "a path that is not a namespace file is an error")
def path_not_namespace(t):
    b = t.bundle("true")
    b.namespace("network", os.path.join(b.rootfs, "etc", "passwd"))
    res, _ = t.try_create(b)
    t.refused(res, "a network entry whose path is a regular file")


@case("namespaces.path_missing", "config-linux.md#namespaces", "MUST",
      "a path that does not exist is an error")
def path_missing(t):
    b = t.bundle("true")
    b.namespace("uts", "/proc/999999999/ns/uts")
    res, _ = t.try_create(b)
    t.refused(res, "a uts entry whose path does not exist")


@case("namespaces.duplicate_type", "config-linux.md#namespaces", "MUST",
      "two entries of the same type are an error")
def duplicate_type(t):
    b = t.bundle("true")
    b.linux["namespaces"].append({"type": "uts"})
    res, _ = t.try_create(b)
    t.refused(res, "two uts entries")


@case("namespaces.unknown_type", "config-linux.md#namespaces", "MUST",
      "an unknown namespace type is an error")
def unknown_type(t):
    b = t.bundle("true")
    b.linux["namespaces"].append({"type": "bogus"})
    res, _ = t.try_create(b)
    t.refused(res, "a namespace of type 'bogus'")


@case("namespaces.time_offsets", "config-linux.md#offset-for-time-namespace", "MUST",
      "timeOffsets shift the container's monotonic clock")
def time_offsets(t):
    _need_kernel(t, "time")
    b = t.bundle("cut -d. -f1 /proc/uptime")
    b.namespace("time")
    b.linux["timeOffsets"] = {"monotonic": {"secs": 86400 * 365, "nanosecs": 0},
                              "boottime": {"secs": 86400 * 365, "nanosecs": 0}}
    with open("/proc/uptime") as f:
        host_up = float(f.read().split()[0])
    inside = int(t.run(b).output().strip())
    t.check(inside >= host_up + 86400 * 365 - 60, f"uptime inside {inside} s, host {host_up:.0f} s: no offset")
