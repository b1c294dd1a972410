"""What pyrun implements, said once: the tables below, and the runtime-spec 1.2 features document
(`pyrun features`, features.md / features-linux.md) built from them, shaped like runc's.

Keep these honest and conservative: list a thing only when the runtime really does it. The runtime
modules are checked against these tables by tests/spec/test_spec_features.py; when a module
learns something new, add it here in the same change.
"""

import os

from spec.capabilities import CAP_NAMES
from spec.version import OCI_VERSION, OCI_VERSION_MIN

# Every lifecycle hook of runtime-spec 1.2 (runtime/hooks.py runs them).
HOOKS = ("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop")

# Namespaces pyrun can create or join (runtime/namespaces.py).
NAMESPACES = ("cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts")

# Mount options pyrun's mount code understands (runtime/rootfs/mounts.py): mount(2) flags...
MOUNT_FLAG_OPTIONS = (
    "ro", "rw", "suid", "nosuid", "dev", "nodev", "exec", "noexec", "sync", "async", "dirsync",
    "remount", "mand", "nomand", "atime", "noatime", "diratime", "nodiratime", "bind", "rbind",
    "relatime", "norelatime", "strictatime", "nostrictatime", "lazytime", "nolazytime",
    "symfollow", "nosymfollow", "silent", "loud", "acl", "noacl", "iversion", "noiversion",
)
# ...propagation types...
MOUNT_PROPAGATION_OPTIONS = ("private", "rprivate", "shared", "rshared", "slave", "rslave",
                             "unbindable", "runbindable")
# ...and recursive attributes, applied with mount_setattr(2) and AT_RECURSIVE.
MOUNT_RECURSIVE_OPTIONS = (
    "rro", "rrw", "rnosuid", "rsuid", "rnodev", "rdev", "rnoexec", "rexec", "rnodiratime", "rdiratime",
    "rrelatime", "rnorelatime", "rnoatime", "ratime", "rstrictatime", "rnostrictatime",
    "rnosymfollow", "rsymfollow",
)
# ...and pyrun's own: a tmpfs filled with what it covers, idmapped binds.
MOUNT_EXTENSION_OPTIONS = ("tmpcopyup", "idmap", "ridmap")
MOUNT_OPTIONS = MOUNT_FLAG_OPTIONS + MOUNT_PROPAGATION_OPTIONS + MOUNT_RECURSIVE_OPTIONS + MOUNT_EXTENSION_OPTIONS

# Capabilities by number, 0 (CAP_CHOWN) to 40 (CAP_CHECKPOINT_RESTORE).
CAPABILITIES = CAP_NAMES

# Cgroup managers: cgroupfs on v1 and on v2; no systemd driver (no systemd runs here), no rdma.
CGROUP = {"v1": True, "v2": True, "systemd": False, "systemdUser": False, "rdma": False}

# Seccomp through libseccomp (runtime/seccomp.py): its action, operator and architecture names.
SECCOMP_ACTIONS = (
    "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP",
)
SECCOMP_OPERATORS = (
    "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
    "SCMP_CMP_NE",
)
SECCOMP_ARCHS = (
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PARISC",
    "SCMP_ARCH_PARISC64", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64",
    "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64",
)
# seccomp(2) flags pyrun passes when it loads the filter, with the kernel release that brought each
# (pyrun loads the program itself, so the kernel, not libseccomp, decides which work).
SECCOMP_FLAG_SINCE = {
    "SECCOMP_FILTER_FLAG_TSYNC": (3, 17),
    "SECCOMP_FILTER_FLAG_LOG": (4, 14),
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW": (4, 17),
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV": (5, 19),
}
SECCOMP_KNOWN_FLAGS = tuple(SECCOMP_FLAG_SINCE)

# Not claimed. AppArmor/SELinux: runtime/lsm.py sets the exec-time attributes, but these hosts have
# neither LSM, so that code is untried; claim it once a test has run on a host that has one.
# Intel RDT: refused (runtime/process/sched.py).
APPARMOR = False
SELINUX = False
INTEL_RDT = False
# Idmapped bind mounts (idmap/ridmap, mount uidMappings/gidMappings; runtime/rootfs/mounts.py): made
# by the init without a user namespace of its own, by the runtime outside and moved in by the init
# with one (runtime/process/parent.py), as runc 1.2. Tested in tests/rootless/test_idmap_userns.py.
IDMAP_MOUNTS = True

_LIB_DIRS = ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib64", "/lib")


def libseccomp_version():
    """libseccomp's version from its installed file name (libseccomp.so.2.5.4), or None if absent.

    Read from the file system rather than by loading the library: `pyrun features` stays cheap.
    """
    for directory in _LIB_DIRS:
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            if name.startswith("libseccomp.so.2.") and name[len("libseccomp.so."):].replace(".", "").isdigit():
                return name[len("libseccomp.so."):]
    return None


def kernel_has_seccomp():
    """Whether this kernel does seccomp filtering (a Seccomp: line in /proc/self/status)."""
    try:
        with open("/proc/self/status", "rb") as f:
            return any(line.startswith(b"Seccomp:") for line in f)
    except OSError:
        return False


def kernel_release(release=None):
    """(major, minor) of the running kernel (or of a release string like '6.18.0-1-amd64')."""
    release = release or os.uname().release
    parts = []
    for piece in release.split(".")[:2]:
        digits = ""
        for char in piece:
            if not char.isdigit():
                break
            digits += char
        parts.append(int(digits or 0))
    return tuple(parts + [0] * (2 - len(parts)))


def supported_seccomp_flags(release=None):
    """The known seccomp flags this kernel takes."""
    kernel = kernel_release(release)
    return [flag for flag, since in SECCOMP_FLAG_SINCE.items() if kernel >= since]


def features_document(runtime_version=None):
    """The runtime-spec 1.2 features document, in runc's layout (`runc features`).

    runtime_version (pyrun's own, from the CLI) goes into the annotations, as runc puts its own.
    """
    seccomp_version = libseccomp_version()
    seccomp = {
        "enabled": bool(seccomp_version) and kernel_has_seccomp(),
        "actions": list(SECCOMP_ACTIONS),
        "operators": list(SECCOMP_OPERATORS),
        "archs": list(SECCOMP_ARCHS),
        "knownFlags": list(SECCOMP_KNOWN_FLAGS),
        "supportedFlags": supported_seccomp_flags() if seccomp_version else [],
    }
    annotations = {"pyrun.version": runtime_version} if runtime_version else {}
    if seccomp_version:
        annotations["io.github.seccomp.libseccomp.version"] = seccomp_version
    return {
        "ociVersionMin": OCI_VERSION_MIN,
        "ociVersionMax": OCI_VERSION,
        "hooks": list(HOOKS),
        "mountOptions": sorted(MOUNT_OPTIONS),
        "linux": {
            "namespaces": list(NAMESPACES),
            "capabilities": list(CAPABILITIES),
            "cgroup": dict(CGROUP),
            "seccomp": seccomp,
            "apparmor": {"enabled": APPARMOR},
            "selinux": {"enabled": SELINUX},
            "intelRdt": {"enabled": INTEL_RDT},
            "mountExtensions": {"idmap": {"enabled": IDMAP_MOUNTS}},
            "netDevices": {"enabled": True},   # linux.netDevices: runtime/network.py (as root)
        },
        "annotations": dict(sorted(annotations.items())),
    }
