"""Sample configs for the spec tests: valid ones as engines write them, and tables of bad ones.

Each bad case is (name, mutate, where, fragment): mutate(config) breaks a copy of a valid config,
and the ConfigError must read `config.json: <where>: ...<fragment>...` (or `config.json: <fragment>`
when where is None, for problems at the top of the document).
"""

import copy
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from spec.defaults import default_config, rootless_config  # noqa: E402

RUNC = "/usr/sbin/runc"
VENV_PYTHON = os.path.join(ROOT, ".venv", "bin", "python3")
PYRUN = os.path.join(ROOT, ".venv", "bin", "pyrun")

_CAPS_ALL = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE",
             "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"]
_MASKED = ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
           "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/dev/block"]
_READONLY = ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]


def runc_spec(rootless=False):
    """What Debian's runc 1.1.5 writes for `runc spec [--rootless]`, or None without runc."""
    if not os.path.exists(RUNC):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [RUNC, "spec", "--bundle", tmp] + (["--rootless"] if rootless else [])
        subprocess.run(cmd, check=True, capture_output=True)
        with open(os.path.join(tmp, "config.json")) as f:
            return json.load(f)


def containerd_like():
    """Shaped like containerd 1.6's CRI spec for a pod container, with the 1.2 fields added."""
    return {
        "ociVersion": "1.1.0",
        "process": {
            "user": {"uid": 65534, "gid": 65534, "additionalGids": [65534], "umask": 18},
            "args": ["/pause"],
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "cwd": "/",
            "capabilities": {"bounding": _CAPS_ALL, "effective": _CAPS_ALL, "permitted": _CAPS_ALL},
            "noNewPrivileges": True,
            "apparmorProfile": "cri-containerd.apparmor.d",
            "oomScoreAdj": -998,
            "consoleSize": {"height": 24, "width": 80},
            "scheduler": {"policy": "SCHED_OTHER", "nice": 5},
            "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 4},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1048576, "soft": 1024}],
        },
        "root": {"path": "/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs", "readonly": True},
        "hostname": "pod-abc",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/dev/shm", "type": "bind",
             "source": "/run/containerd/io.containerd.grpc.v1.cri/sandboxes/abc/shm", "options": ["rbind", "ro", "nosuid", "nodev", "noexec"]},
            {"destination": "/etc/resolv.conf", "type": "bind",
             "source": "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/abc/resolv.conf", "options": ["rbind", "ro"]},
            {"destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind", "rprivate", "rro"],
             "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
             "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]},
        ],
        "annotations": {"io.kubernetes.cri.container-type": "sandbox",
                        "io.kubernetes.cri.sandbox-id": "abc", "io.kubernetes.cri.sandbox-log-directory": "/var/log/pods/x"},
        "hooks": {name: [{"path": "/usr/bin/true", "args": ["true", name], "env": ["A=1"], "timeout": 5}]
                  for name in ("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop")},
        "linux": {
            "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
            "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
            "sysctl": {"net.ipv4.ip_unprivileged_port_start": "0", "kernel.shmmax": "68719476736"},
            "resources": {
                "devices": [{"allow": False, "access": "rwm"}, {"allow": True, "type": "c", "major": 10, "minor": 229, "access": "rw"}],
                "memory": {"limit": 536870912, "reservation": 268435456, "swap": -1, "swappiness": 0,
                           "disableOOMKiller": False, "checkBeforeUpdate": True},
                "cpu": {"shares": 2, "quota": 50000, "burst": 10000, "period": 100000, "cpus": "0-1", "mems": "0", "idle": 0},
                "pids": {"limit": 4096},
                "blockIO": {"weight": 500, "weightDevice": [{"major": 8, "minor": 0, "weight": 600}],
                            "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}]},
                "hugepageLimits": [{"pageSize": "2MB", "limit": 209715200}],
                "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500}]},
                "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}},
                "unified": {"memory.high": "max"},
            },
            "cgroupsPath": "/k8s.io/abc",
            "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"},
                           {"type": "network", "path": "/var/run/netns/cni-1234"}, {"type": "user"},
                           {"type": "cgroup"}, {"type": "time"}],
            "timeOffsets": {"monotonic": {"secs": 86400, "nanosecs": 0}, "boottime": {"secs": -60}},
            "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0},
                        {"path": "/dev/fifo", "type": "p"}],
            "seccomp": {
                "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
                "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
                "flags": ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
                "listenerPath": "/run/seccomp-agent.sock", "listenerMetadata": "MKNOD=/dev/null",
                "syscalls": [
                    {"names": ["accept", "accept4", "read", "write"], "action": "SCMP_ACT_ALLOW"},
                    {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                     "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
                    {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
                     "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
                    {"names": ["mknod"], "action": "SCMP_ACT_NOTIFY"},
                    {"names": ["bdflush"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
                ],
            },
            "rootfsPropagation": "rslave",
            "maskedPaths": _MASKED,
            "readonlyPaths": _READONLY,
            "personality": {"domain": "LINUX"},
            "intelRdt": {"closID": "guaranteed_group", "l3CacheSchema": "L3:0=7f0", "memBwSchema": "MB:0=20"},
        },
    }


def podman_like():
    """Shaped like podman 4.3's config.json for `podman run` with cgroupfs."""
    return {
        "ociVersion": "1.0.2-dev",
        "process": {
            "user": {"uid": 0, "gid": 0, "umask": 18, "additionalGids": [0, 1, 2, 3, 4, 6, 10, 11, 20, 26, 27]},
            "args": ["sh", "-c", "echo hello"],
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
                    "container=podman", "HOSTNAME=4f1b2c", "HOME=/root"],
            "cwd": "/",
            "terminal": False,
            "capabilities": {"bounding": _CAPS_ALL, "effective": _CAPS_ALL, "permitted": _CAPS_ALL},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1048576, "soft": 1048576},
                        {"type": "RLIMIT_NPROC", "hard": 4194304, "soft": 4194304}],
            "oomScoreAdj": 0,
        },
        "root": {"path": "/var/lib/containers/storage/overlay/4f1b2c/merged"},
        "hostname": "4f1b2c",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/etc/hosts", "type": "bind",
             "source": "/var/lib/containers/storage/overlay-containers/4f1b2c/userdata/hosts", "options": ["bind", "rprivate"]},
            {"destination": "/run/.containerenv", "type": "bind",
             "source": "/run/containers/storage/overlay-containers/4f1b2c/userdata/.containerenv", "options": ["bind", "rprivate"]},
            {"destination": "/dev/shm", "type": "bind",
             "source": "/var/lib/containers/storage/overlay-containers/4f1b2c/userdata/shm", "options": ["bind", "rprivate", "nosuid", "noexec", "nodev"]},
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
             "options": ["rprivate", "nosuid", "noexec", "nodev", "relatime", "ro"]},
        ],
        "annotations": {"io.container.manager": "libpod", "io.kubernetes.cri-o.Created": "2026-11-28T02:00:00.000000000Z",
                        "org.opencontainers.image.stopSignal": "15"},
        "linux": {
            "sysctl": {"net.ipv4.ping_group_range": "0 0"},
            "resources": {
                "devices": [{"allow": False, "access": "rwm"}],
                "memory": {"limit": 268435456, "swap": 536870912},
                "cpu": {"quota": 50000, "period": 100000},
                "pids": {"limit": 2048},
            },
            "cgroupsPath": "/libpod_parent/libpod-4f1b2c",
            "namespaces": [{"type": "pid"}, {"type": "network", "path": "/run/netns/netns-1a2b"}, {"type": "ipc"},
                           {"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}],
            "seccomp": {
                "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
                "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
                "syscalls": [
                    {"names": ["bdflush", "io_pgetevents", "kexec_file_load"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
                    {"names": ["_llseek", "accept", "exit_group", "write"], "action": "SCMP_ACT_ALLOW"},
                    {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]},
                ],
            },
            "maskedPaths": _MASKED,
            "readonlyPaths": _READONLY,
        },
    }


def valid_configs():
    """(name, config) of configs pyrun must accept."""
    out = [("default", default_config()), ("rootless", rootless_config(1000, 1000)),
           ("containerd-like", containerd_like()), ("podman-like", podman_like())]
    for rootless in (False, True):
        spec = runc_spec(rootless)
        if spec is not None:
            out.append((f"runc spec{' --rootless' if rootless else ''}", spec))
    for version in ("1.0.0", "1.0.2-dev", "1.1.0", "1.2.0", "1.2.1+build.5", "1.10.3-rc.1"):
        config = default_config()
        config["ociVersion"] = version
        out.append((f"ociVersion {version}", config))
    # Joined namespaces: a joined user namespace needs no mappings; a joined uts one still owns the hostname.
    config = default_config()
    config["linux"]["namespaces"] = [{"type": "user", "path": "/proc/1/ns/user"}, {"type": "uts", "path": "/proc/1/ns/uts"},
                                     {"type": "mount"}]
    out.append(("joined namespaces", config))
    config = default_config()  # runc 1.1.5 takes mappings without a user namespace (and ignores them)
    config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]
    out.append(("mappings without user namespace", config))
    config = default_config()  # namespaced sysctls in the container's own namespaces
    config["linux"]["sysctl"] = {"kernel.domainname": "example.org", "kernel.shmmax": "68719476736",
                                 "fs.mqueue.msg_max": "20", "net.ipv4.ip_forward": "1"}
    config["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "listenerMetadata": ""}
    out.append(("namespaced sysctls", config))
    minimal = {"ociVersion": "1.0.0", "root": {"path": "rootfs"}, "process": {"args": ["true"], "cwd": "/"}}
    out.append(("minimal", minimal))
    return out


def _set(path, value):
    """mutate: set config[path...] = value (path as a tuple of keys/indexes)."""
    def mutate(config):
        node = config
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return mutate


def _delete(path):
    def mutate(config):
        node = config
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return mutate


def _append(path, value):
    def mutate(config):
        node = config
        for key in path:
            node = node.setdefault(key, []) if isinstance(node, dict) else node[key]
        node.append(value)
    return mutate


def _seccomp(**fields):
    def mutate(config):
        config["linux"]["seccomp"] = dict({"defaultAction": "SCMP_ACT_ALLOW"}, **fields)
    return mutate


_NS_ENUM = "is not one of ['mount', 'pid', 'network', 'uts', 'ipc', 'user', 'cgroup', 'time']"

# Rejected by the schema: (name, mutate, field path, message fragment).
SCHEMA_BAD = [
    ("config not an object", lambda c: c.clear() or c.update({"_list": True}), None, "[] is not of type 'object'"),
    ("ociVersion missing", _delete(("ociVersion",)), None, "'ociVersion' is a required property"),
    ("ociVersion 2.0.0", _set(("ociVersion",), "2.0.0"), "ociVersion", "'2.0.0' is not a supported version"),
    ("ociVersion garbage", _set(("ociVersion",), "banana"), "ociVersion", "'banana' is not a supported version"),
    ("ociVersion 1.0", _set(("ociVersion",), "1.0"), "ociVersion", "'1.0' is not a supported version"),
    ("ociVersion number", _set(("ociVersion",), 1), "ociVersion", "1 is not of type 'string'"),
    ("root missing", _delete(("root",)), None, "'root' is a required property"),
    ("root.path missing", _delete(("root", "path")), "root", "'path' is a required property"),
    ("root.path empty", _set(("root", "path"), ""), "root.path", "'' should be non-empty"),
    ("root.readonly string", _set(("root", "readonly"), "true"), "root.readonly", "'true' is not of type 'boolean'"),
    ("process.args empty", _set(("process", "args"), []), "process.args", "[] should be non-empty"),
    ("process.args missing", _delete(("process", "args")), "process", "'args' is a required property"),
    ("process.args not strings", _set(("process", "args"), ["sh", 1]), "process.args[1]", "1 is not of type 'string'"),
    ("process.cwd missing", _delete(("process", "cwd")), "process", "'cwd' is a required property"),
    ("process.terminal string", _set(("process", "terminal"), "yes"), "process.terminal", "'yes' is not of type 'boolean'"),
    ("process.user.uid string", _set(("process", "user", "uid"), "0"), "process.user.uid", "'0' is not of type 'integer'"),
    ("process.user.uid float", _set(("process", "user", "uid"), 1.0), "process.user.uid", "1.0 is not of type 'integer'"),
    ("process.user.gid negative", _set(("process", "user", "gid"), -1), "process.user.gid", "-1 is less than the minimum of 0"),
    ("process.env not list", _set(("process", "env"), "PATH=/bin"), "process.env", "'PATH=/bin' is not of type 'array'"),
    ("capabilities not list", _set(("process", "capabilities", "bounding"), "CAP_KILL"),
     "process.capabilities.bounding", "'CAP_KILL' is not of type 'array'"),
    ("oomScoreAdj too big", _set(("process", "oomScoreAdj"), 5000), "process.oomScoreAdj", "5000 is greater than the maximum of 1000"),
    ("consoleSize missing width", _set(("process", "consoleSize"), {"height": 10}), "process.consoleSize", "'width' is a required property"),
    ("rlimit soft negative", _set(("process", "rlimits", 0, "soft"), -1), "process.rlimits[0].soft", "-1 is less than the minimum of 0"),
    ("rlimit type lowercase", _set(("process", "rlimits", 0, "type"), "RLIMIT_nofile"),
     "process.rlimits[0].type", "'RLIMIT_nofile' does not match"),
    ("rlimit missing hard", _delete(("process", "rlimits", 0, "hard")), "process.rlimits[0]", "'hard' is a required property"),
    ("hostname number", _set(("hostname",), 7), "hostname", "7 is not of type 'string'"),
    ("annotation value number", _set(("annotations",), {"org.example.n": 1}), 'annotations["org.example.n"]', "1 is not of type 'string'"),
    ("namespace type unknown", _set(("linux", "namespaces", 2), {"type": "foo"}), "linux.namespaces[2].type", "'foo' " + _NS_ENUM),
    ("namespace type missing", _set(("linux", "namespaces", 0), {"path": "/proc/1/ns/pid"}), "linux.namespaces[0]", "'type' is a required property"),
    ("namespaces not list", _set(("linux", "namespaces"), "pid"), "linux.namespaces", "'pid' is not of type 'array'"),
    ("mount destination missing", _set(("mounts", 1), {"type": "tmpfs", "source": "tmpfs"}), "mounts[1]", "'destination' is a required property"),
    ("mount options string", _set(("mounts", 0, "options"), "ro"), "mounts[0].options", "'ro' is not of type 'array'"),
    ("mount idmap size missing", _set(("mounts", 0, "uidMappings"), [{"containerID": 0, "hostID": 1}]),
     "mounts[0].uidMappings[0]", "'size' is a required property"),
    ("uidMappings hostID negative", _set(("linux", "uidMappings"), [{"containerID": 0, "hostID": -1, "size": 1}]),
     "linux.uidMappings[0].hostID", "-1 is less than the minimum of 0"),
    ("uidMappings size missing", _set(("linux", "uidMappings"), [{"containerID": 0, "hostID": 1000}]),
     "linux.uidMappings[0]", "'size' is a required property"),
    ("gidMappings size too big", _set(("linux", "gidMappings"), [{"containerID": 0, "hostID": 0, "size": 2 ** 32}]),
     "linux.gidMappings[0].size", "4294967296 is greater than the maximum of 4294967295"),
    ("hook path missing", _set(("hooks",), {"prestart": [{"args": ["x"]}]}), "hooks.prestart[0]", "'path' is a required property"),
    ("hook timeout zero", _set(("hooks",), {"poststop": [{"path": "/bin/true", "timeout": 0}]}),
     "hooks.poststop[0].timeout", "0 is less than the minimum of 1"),
    ("hooks not list", _set(("hooks",), {"createRuntime": {"path": "/bin/true"}}), "hooks.createRuntime", "is not of type 'array'"),
    ("seccomp action unknown", _seccomp(defaultAction="SCMP_ACT_FOO"), "linux.seccomp.defaultAction", "'SCMP_ACT_FOO' is not one of"),
    ("seccomp defaultAction missing", lambda c: c["linux"].update(seccomp={"syscalls": []}), "linux.seccomp",
     "'defaultAction' is a required property"),
    ("seccomp names empty", _seccomp(syscalls=[{"names": [], "action": "SCMP_ACT_ERRNO"}]),
     "linux.seccomp.syscalls[0].names", "[] should be non-empty"),
    ("seccomp op unknown", _seccomp(syscalls=[{"names": ["read"], "action": "SCMP_ACT_ERRNO",
                                              "args": [{"index": 0, "value": 1, "op": "EQ"}]}]),
     "linux.seccomp.syscalls[0].args[0].op", "'EQ' is not one of"),
    ("seccomp arch unknown", _seccomp(architectures=["x86_64"]), "linux.seccomp.architectures[0]", "'x86_64' is not one of"),
    ("seccomp flag unknown", _seccomp(flags=["SECCOMP_FILTER_FLAG_FOO"]), "linux.seccomp.flags[0]", "is not one of"),
    ("memory limit string", _set(("linux", "resources", "memory"), {"limit": "1G"}), "linux.resources.memory.limit",
     "'1G' is not of type 'integer'"),
    ("swappiness 200", _set(("linux", "resources", "memory"), {"swappiness": 200}), "linux.resources.memory.swappiness",
     "200 is greater than the maximum of 100"),
    ("pids limit missing", _set(("linux", "resources", "pids"), {}), "linux.resources.pids", "'limit' is a required property"),
    ("device cgroup allow missing", _set(("linux", "resources", "devices", 0), {"access": "rwm"}),
     "linux.resources.devices[0]", "'allow' is a required property"),
    ("device cgroup type x", _append(("linux", "resources", "devices"), {"allow": True, "type": "x"}),
     "linux.resources.devices[1].type", "'x' is not one of ['a', 'b', 'c']"),
    ("device cgroup access q", _append(("linux", "resources", "devices"), {"allow": True, "access": "rq"}),
     "linux.resources.devices[1].access", "'rq' does not match"),
    ("device type z", _set(("linux", "devices"), [{"path": "/dev/z", "type": "z", "major": 1, "minor": 1}]),
     "linux.devices[0].type", "'z' is not one of ['c', 'b', 'u', 'p']"),
    ("rootfsPropagation bogus", _set(("linux", "rootfsPropagation"), "bogus"), "linux.rootfsPropagation", "'bogus' is not one of"),
    ("sysctl value number", _set(("linux", "sysctl"), {"net.ipv4.ip_forward": 1}), 'linux.sysctl["net.ipv4.ip_forward"]',
     "1 is not of type 'string'"),
    ("personality domain", _set(("linux", "personality"), {"domain": "LINUX64"}), "linux.personality.domain", "'LINUX64' is not one of"),
    ("memBwSchema prefix", _set(("linux", "intelRdt"), {"memBwSchema": "L3:0=1"}), "linux.intelRdt.memBwSchema", "does not match"),
]

# Schema-valid, refused by the checks a schema cannot express (the spec's MUSTs and runc's refusals).
SEMANTIC_BAD = [
    ("process missing", _delete(("process",)), "process", "missing"),
    ("cwd relative", _set(("process", "cwd"), "work"), "process.cwd", "'work' is not an absolute path"),
    ("env without =", _append(("process", "env"), "FOO"), "process.env[2]", "'FOO' is not of the form KEY=value"),
    ("rlimit unknown", _append(("process", "rlimits"), {"type": "RLIMIT_FOO", "soft": 1, "hard": 1}),
     "process.rlimits[1].type", "'RLIMIT_FOO' is not a known rlimit"),
    ("rlimit twice", _append(("process", "rlimits"), {"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1}),
     "process.rlimits[1].type", "'RLIMIT_NOFILE' is listed twice"),
    ("rlimit soft above hard", _set(("process", "rlimits", 0), {"type": "RLIMIT_NOFILE", "soft": 2048, "hard": 1024}),
     "process.rlimits[0]", "soft limit 2048 is above hard limit 1024"),
    ("hook path relative", _set(("hooks",), {"createContainer": [{"path": "bin/hook"}]}), "hooks.createContainer[0].path",
     "'bin/hook' is not an absolute path"),
    ("namespace twice", _append(("linux", "namespaces"), {"type": "pid"}), "linux.namespaces[6].type", "'pid' is listed twice"),
    ("namespace path relative", _set(("linux", "namespaces", 1), {"type": "network", "path": "run/netns/x"}),
     "linux.namespaces[1].path", "'run/netns/x' is not an absolute path"),
    ("hostname without uts", _set(("linux", "namespaces"), [{"type": "mount"}, {"type": "pid"}]), "hostname",
     "without a private UTS namespace"),
    ("user namespace without uid mappings", _append(("linux", "namespaces"), {"type": "user"}), "linux.uidMappings",
     "a new user namespace needs uid mappings"),
    ("timeOffsets without time namespace", _set(("linux", "timeOffsets"), {"monotonic": {"secs": 1}}), "linux.timeOffsets",
     "need a time namespace"),
    ("device without major", _set(("linux", "devices"), [{"path": "/dev/x", "type": "c", "minor": 1}]), "linux.devices[0]",
     "'major' is required for a device of type 'c'"),
    ("net sysctl without netns", lambda c: (c["linux"].update(sysctl={"net.ipv4.ip_forward": "1"}),
                                            c["linux"].update(namespaces=[{"type": "mount"}, {"type": "uts"}])),
     'linux.sysctl["net.ipv4.ip_forward"]', "not allowed in the host's network namespace"),
    ("sysctl not namespaced", _set(("linux", "sysctl"), {"vm.swappiness": "10"}), 'linux.sysctl["vm.swappiness"]',
     "is not in a separate kernel namespace"),
    ("sysctl kernel.hostname", _set(("linux", "sysctl"), {"kernel.hostname": "x"}), 'linux.sysctl["kernel.hostname"]',
     "conflicts with the hostname field"),
    ("ipc sysctl without ipc namespace", lambda c: (c["linux"].update(sysctl={"kernel.shmmax": "1"}),
                                                    c["linux"].update(namespaces=[{"type": "mount"}, {"type": "uts"}])),
     'linux.sysctl["kernel.shmmax"]', "needs a private IPC namespace"),
    ("seccomp notify default", _seccomp(defaultAction="SCMP_ACT_NOTIFY", listenerPath="/run/agent.sock"),
     "linux.seccomp.defaultAction", "SCMP_ACT_NOTIFY cannot be the default action"),
    ("seccomp errnoRet with allow", _seccomp(syscalls=[{"names": ["read"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1}]),
     "linux.seccomp.syscalls[0].errnoRet", "SCMP_ACT_ALLOW does not take an errno"),
    ("seccomp notify without listener", _seccomp(syscalls=[{"names": ["mknod"], "action": "SCMP_ACT_NOTIFY"}]),
     "linux.seccomp.syscalls[0].action", "needs linux.seccomp.listenerPath"),
    ("seccomp metadata without listener", _seccomp(listenerMetadata="x"), "linux.seccomp.listenerMetadata",
     "set without linux.seccomp.listenerPath"),
]


def broken(mutate, base=None):
    """A copy of base (default: the default config) with mutate applied."""
    config = copy.deepcopy(base) if base is not None else default_config()
    mutate(config)
    if config.pop("_list", False):
        return []
    return config
