"""Namespaces: which ones a config asks for, new or joined by path, and entering them.

The user namespace is always entered first (joining it gives the capabilities needed to join
the others); namespaces to create are made with one unshare() except cgroup, which the init
unshares itself once it is inside its cgroup, so the namespace's root is the container's cgroup.
A sysctl or hostname aimed at a namespace joined by path that is the runtime's own (the host's)
is refused: it would change the host.
"""

import os

from runtime import linux
from runtime.errors import ConfigError, SetupError

# config type -> (clone flag, /proc/PID/ns name)
TYPES = {
    "user": (linux.CLONE_NEWUSER, "user"),
    "pid": (linux.CLONE_NEWPID, "pid"),
    "network": (linux.CLONE_NEWNET, "net"),
    "mount": (linux.CLONE_NEWNS, "mnt"),
    "ipc": (linux.CLONE_NEWIPC, "ipc"),
    "uts": (linux.CLONE_NEWUTS, "uts"),
    "cgroup": (linux.CLONE_NEWCGROUP, "cgroup"),
    "time": (linux.CLONE_NEWTIME, "time"),
}

# Order for setns: user first, then the rest; mount last so the paths above stay reachable.
JOIN_ORDER = ["user", "ipc", "uts", "network", "pid", "cgroup", "time", "mount"]


class Plan:
    """What the config asks: the flags to unshare and the fds of namespaces to join."""

    def __init__(self, new, join):
        self.new = new        # set of types to create
        self.join = join      # list of (type, fd), in JOIN_ORDER; emptied by close()
        self.joined = {t for t, _ in join}  # the types joined by path, kept after close()

    def has(self, type_):
        return type_ in self.new or type_ in self.joined

    def unshare_flags(self, exclude=()):
        flags = 0
        for t in self.new:
            if t not in exclude:
                flags |= TYPES[t][0]
        return flags

    def clone_flags(self):
        """The flags to clone the init with when nothing is joined (runtime/process/parent.py):
        every new namespace but cgroup, which the init unshares inside its cgroup, and those
        after_userns_flags() leaves for later."""
        return self.unshare_flags(exclude=("cgroup",) + self._after_userns())

    def after_userns_flags(self):
        """New namespaces to make only as root of a new user namespace: an IPC namespace makes
        its mqueue file system at once, owned by its creator's uid - that must be the
        container's root, not the host's."""
        kept = self._after_userns()
        return self.unshare_flags(exclude=tuple(t for t in TYPES if t not in kept))

    def _after_userns(self):
        return ("ipc",) if "user" in self.new else ()

    def close(self):
        for _, fd in self.join:
            try:
                os.close(fd)
            except OSError:
                pass
        self.join = []


def plan(config):
    """Open every namespace path now (in the runtime) so a bad path fails before anything exists."""
    new, join = set(), {}
    entries = (config.get("linux") or {}).get("namespaces") or []
    try:
        for i, ns in enumerate(entries):
            type_ = ns.get("type")
            if type_ not in TYPES:
                raise ConfigError(f"config.json: linux.namespaces[{i}].type: unknown namespace {type_!r}")
            if type_ in new or type_ in join:
                raise ConfigError(f"config.json: linux.namespaces[{i}]: duplicate {type_} namespace")
            path = ns.get("path")
            if not path:
                new.add(type_)
                continue
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError as err:
                raise SetupError(f"namespace {type_} path {path}: {err.strerror}") from None
            join[type_] = fd
            _check_ns_type(fd, type_, path)
        _check_not_host(config, join)
    except BaseException:
        for fd in join.values():
            os.close(fd)
        raise
    return Plan(new, [(t, join[t]) for t in JOIN_ORDER if t in join])


def _check_ns_type(fd, type_, path):
    """A path that is not a namespace of that type is refused (setns would fail late, or worse)."""
    import fcntl
    try:
        kind = fcntl.ioctl(fd, _NS_GET_NSTYPE)
    except OSError:
        raise SetupError(f"namespace {type_} path {path}: not a namespace") from None
    if kind != TYPES[type_][0]:
        raise SetupError(f"namespace {type_} path {path}: not a {type_} namespace")


_NS_GET_NSTYPE = 0xB703

# Settings written into a namespace: with the runtime's own namespace joined by path they would
# change the host (runc refuses net.* sysctls there; the same holds for ipc and uts).
_IPC_SYSCTLS = ("kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
                "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced")


def _check_not_host(config, join):
    lin = config.get("linux") or {}
    wants = {}
    for key in lin.get("sysctl") or {}:
        if key.startswith("net."):
            wants.setdefault("network", f"linux.sysctl[{key!r}]")
        elif key in _IPC_SYSCTLS or key.startswith("fs.mqueue."):
            wants.setdefault("ipc", f"linux.sysctl[{key!r}]")
        elif key.startswith("kernel.") and key[7:] in ("hostname", "domainname"):
            wants.setdefault("uts", f"linux.sysctl[{key!r}]")
    for field in ("hostname", "domainname"):
        if config.get(field):
            wants.setdefault("uts", field)
    for type_, what in wants.items():
        fd = join.get(type_)
        if fd is None:
            continue
        own = os.stat(f"/proc/self/ns/{TYPES[type_][1]}")
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino):
            raise ConfigError(f"config.json: {what}: not allowed in the host's {type_} namespace "
                              f"(linux.namespaces joins it by path)")


def join(ns_plan):
    """setns into every namespace joined by path (in the calling process)."""
    for type_, fd in ns_plan.join:
        try:
            linux.setns(fd, TYPES[type_][0])
        except OSError as err:
            raise SetupError(f"join {type_} namespace: {err.strerror}") from None
    ns_plan.close()
