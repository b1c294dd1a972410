"""The namespace child: started by the runtime, it joins the container's cgroup and the namespaces
given by path, creates the new ones (the user namespace first, its id maps written by the
runtime), sets the time namespace offsets, and forks the init, which is pid 1 of a new pid
namespace. It reports the init's pid and exits; the init is re-parented to the runtime (a child
subreaper).

When there is nothing to join and no time namespace, the runtime skips this step: clone3 starts
the init directly in its new namespaces, the user namespace included (run_cloned_init).
"""

import os

from runtime import linux, namespaces
from runtime.process import init


def run(plan, chan):
    """Entry point in the forked child; never returns."""
    try:
        _child(plan, chan)
    except BaseException as err:
        chan.send_error(err)
        os._exit(1)
    os._exit(0)


def run_cloned_init(plan, chan):
    """Entry point of an init that clone3 started directly in its new namespaces (nothing to join,
    no time namespace) and, on cgroup2, in its cgroup: what is left of this child's work - the v1
    hierarchies' join, a new user namespace's id maps - then the init. Never returns."""
    try:
        # First: nothing of a container can see this process yet (it is alone in a new pid
        # namespace, or in the host's).
        init.drop_other_fds(plan, chan)
        if plan.cgroup is not None:
            # Before becoming the user namespace's root: v1 takes a task only from the host's root.
            plan.cgroup.join_self()
        if "user" in plan.ns.new:
            chan.send("userns")
            chan.expect("continue")  # the runtime wrote our uid_map and gid_map
            os.setresgid(0, 0, 0)
            os.setresuid(0, 0, 0)
            later = plan.ns.after_userns_flags()
            if later:
                linux.unshare(later)
    except BaseException as err:
        chan.send_error(err)
        os._exit(1)
    init.run(plan, chan)


def _child(plan, chan):
    if plan.cgroup is not None:
        # Joined from inside, while single-threaded: v1 skips the RCU wait a parent's write pays,
        # and the init forked below starts in the cgroup before it runs anything.
        plan.cgroup.join_self()
    ns = plan.ns
    joined_user = any(type_ == "user" for type_, _ in ns.join)
    namespaces.join(ns)
    if joined_user:
        # Become the joined namespace's root, as for a new one: our host ids are unmapped there,
        # and the kernel refuses (EOVERFLOW) what would create files owned by them (devpts, ...).
        os.setresgid(0, 0, 0)
        os.setresuid(0, 0, 0)
    flags = ns.unshare_flags(exclude=("cgroup", "user"))
    if "user" in ns.new:
        linux.unshare(linux.CLONE_NEWUSER)
        chan.send("userns")
        chan.expect("continue")  # the runtime wrote our uid_map and gid_map
        os.setresgid(0, 0, 0)
        os.setresuid(0, 0, 0)
    if flags:
        linux.unshare(flags)
    if "time" in ns.new:
        _set_time_offsets((plan.config.get("linux") or {}).get("timeOffsets") or {})
    # The init forked below may share a pid namespace with others: it must start with nothing,
    # and non-dumpable (runc's init is from birth).
    linux.prctl(linux.PR_SET_DUMPABLE, 0)
    init.drop_other_fds(plan, chan)
    pid = os.fork()
    if pid == 0:
        init.run(plan, chan)
    chan.send("pid", pid=pid)


def _set_time_offsets(offsets):
    lines = []
    for clock in ("monotonic", "boottime"):
        if clock in offsets:
            o = offsets[clock]
            lines.append(f"{clock} {o.get('secs', 0)} {o.get('nanosecs', 0)}\n")
    if lines:
        with open("/proc/self/timens_offsets", "w") as f:
            f.write("".join(lines))
