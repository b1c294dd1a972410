"""Cgroups: one manager interface, with a cgroup v2 and a v1 (hybrid) implementation behind it.

The rest of pyrun uses only what this module exports:

    manager = cgroups.new_manager(config, container_id, rootless=False)
        Chooses v2 when /sys/fs/cgroup is a cgroup2 mount, else v1 (v1-only or hybrid hosts),
        and resolves linux.cgroupsPath the way runc does. Returns None when the container gets
        no cgroup (rootless without delegation). Creates nothing yet.
    manager.create()          make the cgroup(s) and write linux.resources; on any failure,
                              remove what it made and raise CgroupError naming the field.
    manager.apply(pid)        put pid into the cgroup (every v1 hierarchy).
    manager.join_self()       put the calling process in (see below); manager.clone_into_path().
    manager.saved()           a JSON-able dict to keep in the container's state record;
    cgroups.load(saved)       rebuilds the manager from it in later commands.
    manager.freeze() / manager.thaw() / manager.is_frozen()
    manager.pids()            host pids of every process in the cgroup.
    manager.signal_all(sig)   send sig to every process in the cgroup.
    manager.destroy()         kill what is left, remove the cgroup(s); safe to call twice.
    manager.update(resources) apply a LinuxResources dict to the live cgroup.
    manager.stats()           runc's `events --stats` figures; manager.oom_kills() the OOM counter.

See the v1 and v2 modules for how each maps linux.resources onto the kernel's files.

For the thin CLI commands: pause/resume are freeze()/thaw(); `ps` is pids(); `kill --all` is
signal_all(sig); `events --stats` is stats() and oom_kills(); `update` is update(resources) followed by
saving manager.saved() again (it carries the merged resources). None of these imports cgroupspy or json.
Putting the init in, three ways, slowest first (numbers in docs/cgroups.md):
    manager.apply(pid)          from the parent: every cgroup.procs write waits one RCU grace period
                                (5-12 ms here) while holding the global cgroup_mutex; in series only
                                the first pays it.
    manager.join_self()         in the freshly forked, still single-threaded child, before it runs
                                anything else: v1 hierarchies through `tasks` "0", which skips that
                                wait; a cgroup2 (v2, or the hybrid's) still pays it once...
    clone3(CLONE_INTO_CGROUP)   ...unless the child was created in manager.clone_into_path() with
      + join_self()             clone3(CLONE_INTO_CGROUP): then nothing waits.
The device rules a container gets are those of linux.resources.devices followed by runc's default
allow list (devices.DEFAULT_ALLOWED); a config without linux.resources.devices gets the defaults only.
"""

import os

from runtime.errors import CgroupError, UsageError

__all__ = ["new_manager", "load", "is_frozen", "freezer_file", "CgroupError"]


def is_v2_host():
    """True when /sys/fs/cgroup itself is a cgroup2 mount (a pure v2 host)."""
    return os.path.exists("/sys/fs/cgroup/cgroup.controllers")


def new_manager(config, container_id, rootless=False):
    """rootless: false, true, or a warn(message) callable (also true) told when the cgroup is skipped."""
    linux = config.get("linux") or {}
    resources = linux.get("resources") or {}
    from runtime.cgroups import devices
    rules = devices.rules_from_config(config)
    redefined = devices.redefined_defaults(config)
    if is_v2_host():
        from runtime.cgroups import v2
        path = v2.resolve_path(linux.get("cgroupsPath"), container_id)
        if rootless and not _delegated(path):
            return _skip(rootless, resources, f"{os.path.dirname(path)} is not delegated to uid {os.geteuid()}")
        if rootless and _unprivileged():
            # The eBPF device filter needs privileges over the host; a user namespace forbids
            # mknod anyway. runc ignores the device controller's errors when rootless.
            rules = None
        return v2.V2Manager(path, resources, rules, redefined)
    if rootless:
        # cgroup v1 cannot be delegated safely to an unprivileged user (runc skips it too).
        return _skip(rootless, resources, "cgroup v1 hierarchies cannot be delegated")
    from runtime.cgroups import v1
    return v1.V1Manager(v1.resolve_paths(linux.get("cgroupsPath"), container_id), resources, rules, redefined)


def _unprivileged():
    from runtime.userns import running_in_userns
    return os.geteuid() != 0 or running_in_userns()


def _delegated(path):
    """A rootless user may make the cgroup when it, or its nearest existing parent, is writable."""
    while path != "/" and not os.path.isdir(path):
        path = os.path.dirname(path)
    return os.access(path, os.W_OK) and os.access(os.path.join(path, "cgroup.procs"), os.W_OK)


# Resources a rootless container without a cgroup cannot have (devices are moot: no mknod in a user namespace).
_LIMITS = ("memory", "cpu", "pids", "blockIO", "hugepageLimits", "network", "rdma", "unified")


def _skip(rootless, resources, why):
    """Rootless without a delegated cgroup: no cgroup, as runc. Limits asked for cannot be
    honoured, so they are refused (runc: "cannot set ... limit"); otherwise a warning."""
    asked = [key for key in _LIMITS if resources.get(key)]
    if asked:
        raise CgroupError(f"config.json: linux.resources.{asked[0]}: rootless container cannot set "
                          f"cgroup limits: {why}")
    if callable(rootless):
        rootless(f"rootless: the container gets no cgroup of its own: {why}")
    return None


def load(saved):
    """The manager described by a saved() dict (None stays None)."""
    if not saved:
        return None
    rules = saved.get("devices")   # kept as saved: only create() uses the rules, update() brings new ones
    if saved.get("version") == 2:
        from runtime.cgroups.v2 import V2Manager
        return V2Manager(saved["path"], saved.get("resources"), rules, saved.get("redefinedDevices", ()))
    if saved.get("version") == 1:
        from runtime.cgroups.v1 import V1Manager
        return V1Manager(saved["paths"], saved.get("resources"), rules, saved.get("redefinedDevices", ()))
    raise CgroupError(f"unknown saved cgroup manager version {saved.get('version')!r}")


def freezer_file(saved):
    """(directory, file name) that freezes the container's cgroup and says whether it is, from its
    saved() dict: cgroup.freeze on v2; on v1 the freezer hierarchy's freezer.state, else the
    hybrid's cgroup2 cgroup.freeze where the kernel has one; None when there is neither."""
    if not saved:
        return None
    if saved.get("version") == 2:
        return saved["path"], "cgroup.freeze"
    paths = saved.get("paths") or {}
    for key, path in paths.items():
        if "freezer" in key.split(","):
            return path, "freezer.state"
    path = paths.get("")   # the hybrid's cgroup2
    if path is not None and os.path.exists(os.path.join(path, "cgroup.freeze")):
        return path, "cgroup.freeze"
    return None


def is_frozen(saved):
    """Whether the container's cgroup is frozen, from its saved() dict alone. `state`, `kill`,
    `start` and `list` ask on every call; this spares them importing a manager (~1.3 ms)."""
    found = freezer_file(saved)
    if found is None:
        return False
    try:
        with open(os.path.join(*found), "rb") as f:
            return f.read().strip() in (b"FROZEN", b"1")
    except OSError:
        return False


def remove_if_empty(saved):
    """Remove the container's cgroup directories when nothing is left in them, from the saved()
    dict alone: one rmdir each, which the kernel refuses (EBUSY, ENOTEMPTY) while a process or
    a child cgroup remains. True when they are all gone; False sends the caller to
    manager.destroy(), which kills what is left and retries. `delete` of a stopped container,
    the usual case, is spared importing a manager and reading every hierarchy's process list."""
    if not saved:
        return True
    paths = [saved["path"]] if saved.get("version") == 2 else list((saved.get("paths") or {}).values())
    for path in paths:
        try:
            os.rmdir(path)
        except FileNotFoundError:
            pass
        except OSError:
            return False
    return True


def sub_cgroup(manager, specs):
    """A copy of manager whose paths are the sub-cgroups `exec --cgroup` names (runc 1.1's rules:
    one PATH for every hierarchy, or CONTROLLER[,CONTROLLER]:PATH each). Joining one that does
    not exist fails later, in the child, as runc's does."""
    subs = {}
    for spec in specs:
        parts = spec.split(":")
        if len(parts) > 2:
            raise UsageError(f"invalid --cgroup argument: {spec}")
        if len(parts) == 1:
            if len(specs) != 1:
                raise UsageError(f"invalid --cgroup argument: {spec} (missing <controller>: prefix)")
            subs[None] = spec
        else:
            for ctrl in parts[0].split(","):
                subs[ctrl or None] = parts[1]   # runc 1.1: ":PATH" is every hierarchy

    def below(base, sub):
        path = os.path.normpath(os.path.join(base, sub.lstrip("/")))
        if path != base and not path.startswith(base + "/"):
            raise CgroupError(f"{sub} is not a sub cgroup path")
        return path

    import copy
    manager = copy.copy(manager)
    if manager.version == 2:
        for ctrl, sub in subs.items():
            if ctrl is not None:
                raise CgroupError(f"unknown controller {ctrl} in SubCgroupPaths")
            manager.path = below(manager.path, sub)
        return manager
    paths = dict(manager.paths)
    for ctrl, sub in subs.items():
        keys = list(paths) if ctrl is None else \
            [key for key in paths if key and (key == ctrl or ctrl in key.split(","))]
        if not keys:
            raise CgroupError(f"unknown controller {ctrl} in SubCgroupPaths")
        for key in keys:
            paths[key] = below(manager.paths[key], sub)
    manager.paths = paths
    return manager
