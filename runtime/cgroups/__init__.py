"""Cgroups: one manager interface, with a cgroup v2 and a v1 (hybrid) implementation behind it.

The rest of pyrun uses only what this module exports:

    manager = cgroups.new_manager(config, container_id, rootless=False)
        Chooses v2 when /sys/fs/cgroup is a cgroup2 mount, else v1 (v1-only or hybrid hosts),
        and resolves linux.cgroupsPath the way runc does. Returns None when the container gets
        no cgroup (rootless without delegation). Creates nothing yet.
    manager.create()          make the cgroup(s) and write linux.resources; on any failure,
                              remove what it made and raise CgroupError naming the field.
    manager.apply(pid)        put pid into the cgroup (every v1 hierarchy).
    manager.saved()           a JSON-able dict to keep in the container's state record;
    cgroups.load(saved)       rebuilds the manager from it in later commands.
    manager.freeze() / manager.thaw() / manager.is_frozen()
    manager.pids()            host pids of every process in the cgroup.
    manager.signal_all(sig)   send sig to every process in the cgroup.
    manager.destroy()         kill what is left, remove the cgroup(s); safe to call twice.
    manager.update(resources) apply a LinuxResources dict to the live cgroup.
    manager.stats()           runc's `events --stats` figures; manager.oom_kills() the OOM counter.

See the v1 and v2 modules for how each maps linux.resources onto the kernel's files.
"""
