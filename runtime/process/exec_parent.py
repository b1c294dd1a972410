"""The runtime's side of exec: the process to run (from --process or from the container's own
process with the command-line overrides), starting the tenant in the container's cgroup, and
then either leaving it to the caller (--detach, pid file) or waiting for it,
forwarding signals and exiting with its status.
"""

import copy
import os

from runtime import container, linux, state
from runtime.errors import InvalidState, SetupError, UsageError
from runtime.process import spawn, sync, tenant


def process_config(config, opts, command):
    """The process.json of this exec: --process, or the container's process with overrides (runc's rules)."""
    own = (config or {}).get("process") or {}
    if opts.process:
        from spec.validate import load_process
        process = load_process(opts.process)
        # runc takes these from the container when process.json leaves them out
        if process.get("capabilities") is None and own.get("capabilities") is not None:
            process["capabilities"] = copy.deepcopy(own["capabilities"])
        for key in ("apparmorProfile", "selinuxLabel"):
            if not process.get(key) and own.get(key):
                process[key] = own[key]
        return _container_oom_score(process, own)
    process = copy.deepcopy(own)
    process["args"] = list(command)
    process["terminal"] = bool(opts.tty)
    process.pop("consoleSize", None)
    if opts.cwd:
        process["cwd"] = opts.cwd
    if opts.env:
        for entry in opts.env:
            if not entry.partition("=")[0] or "=" not in entry:   # as config.json's process.env
                raise UsageError(f'invalid environment variable: "{entry}" (KEY=value expected)')
        process["env"] = list(process.get("env") or []) + list(opts.env)
    if opts.user:
        uid, _, gid = opts.user.partition(":")
        user = process.setdefault("user", {})
        try:
            user["uid"] = int(uid)
            if gid:
                user["gid"] = int(gid)
        except ValueError:
            raise UsageError(f"invalid --user {opts.user!r}: numeric UID[:GID] expected") from None
    if opts.additional_gids:
        try:
            # added to the container's, as runc does
            user = process.setdefault("user", {})
            user["additionalGids"] = list(user.get("additionalGids") or []) + [int(g) for g in opts.additional_gids]
        except ValueError:
            raise UsageError("invalid --additional-gids: numbers expected") from None
    if opts.no_new_privs:
        process["noNewPrivileges"] = True
    if opts.apparmor:
        process["apparmorProfile"] = opts.apparmor
    if opts.process_label:
        process["selinuxLabel"] = opts.process_label
    if opts.cap:
        caps = process.setdefault("capabilities", {})
        for cap in opts.cap:
            for key in ("bounding", "effective", "permitted"):
                caps.setdefault(key, []).append(cap)
            if caps.get("inheritable") is not None:
                # runc's rule, kept as it is: ambient too but not inheritable, so the kernel refuses the
                # ambient raise (silently, as runc's) and the cap does not outlive a non-root execve
                caps.setdefault("ambient", []).append(cap)
    return process


def _container_oom_score(process, own):
    """runc gives every exec the container's process.oomScoreAdj, whatever process.json says."""
    process.pop("oomScoreAdj", None)
    if own.get("oomScoreAdj") is not None:
        process["oomScoreAdj"] = own["oomScoreAdj"]
    return process


def refuse_by_status(st, ignore_paused):
    """exec's refusals by the container's status, in runc's words."""
    if st == "stopped":
        raise InvalidState("cannot exec in a stopped container")
    if st == "paused" and not ignore_paused:
        raise InvalidState("cannot exec in a paused container (use --ignore-paused to override)")


def execute(g, record, process, opts):
    manager = container.manager_of(record)
    st = state.status(record, manager)
    refuse_by_status(st, opts.ignore_paused)
    if opts.cgroup and manager is not None:
        from runtime import cgroups
        manager = cgroups.sub_cgroup(manager, opts.cgroup)
    # runc's checkTerminal: a console socket only with --detach and a terminal
    if process.get("terminal") and opts.detach and not opts.console_socket:
        raise UsageError("cannot allocate tty if runc will detach without setting console socket")
    if opts.console_socket and not (process.get("terminal") and opts.detach):
        raise UsageError("cannot use console socket if runc will not detach or allocate tty")
    from runtime import lsm
    from runtime.process import sched
    lsm.check({"process": process, "linux": {}})
    sched.check({"process": process, "linux": {}})
    preserve = int(opts.preserve_fds or 0)
    console_sock = ours = None
    if process.get("terminal"):
        from runtime import terminal
        if opts.console_socket:
            console_sock = terminal.connect(opts.console_socket)
        else:
            import socket
            ours, console_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            if not process.get("consoleSize"):
                # our terminal's size, set before the process runs: the proxy would set it too late
                size = terminal.stdin_size()
                if size:
                    process["consoleSize"] = {"height": size[0], "width": size[1]}
    ns_fds = tenant.container_namespaces(record.pid)
    if not state.init_alive(record):
        raise InvalidState("cannot exec in a stopped container")
    plan = tenant.Plan(process, record.config or {}, ns_fds, console_sock, preserve,
                       state.seccomp_cache_dir(g.root))
    linux.prctl(linux.PR_SET_CHILD_SUBREAPER, 1)   # the tenant is re-parented to us
    # The child joins the cgroup itself (born in the cgroup2 one, v1 through `tasks`): no RCU grace
    # period, as the parent's write pays. Not for an initial CPU affinity, which the spec wants set
    # before the process joins, nor in a paused container, where the child would freeze at once.
    early_cgroup = manager if st != "paused" and not (process.get("execCPUAffinity") or {}).get("initial") \
        else None
    parent_end, child_end = sync.pair()
    swapped = {}
    if not opts.detach and not process.get("terminal"):
        from runtime import terminal
        swapped = terminal.pipes_for_terminals()   # the caller's terminal is not the container's
    try:
        child_pid, _ = spawn.start_child(early_cgroup)
        if child_pid == 0:
            parent_end.close()
            tenant.run_child(plan, child_end, early_cgroup)   # never returns
    finally:
        if swapped:   # our own stdio back, also when the fork failed: the error goes to it
            terminal.restore_terminals(swapped)
    child_end.close()
    for _, fd in ns_fds:
        os.close(fd)
    if console_sock is not None:
        console_sock.close()
    pid = None
    try:
        msg = parent_end.recv()
        spawn.reap(child_pid)
        if msg is None or msg["type"] == "error":
            raise SetupError(msg["message"] if msg else "exec: the namespace child died")
        pid = msg["pid"]
        affinity = process.get("execCPUAffinity") or {}
        if affinity.get("initial"):
            sched.apply_initial_affinity(affinity, pid)   # before it joins the cgroup (spec 1.2)
        if manager is not None and early_cgroup is None:
            manager.apply(pid)
        from runtime.process import limits
        limits.apply(pid, process)   # rlimits, OOM score: from outside, as for the init, while it is root
        if not opts.detach:
            container.forward_signals(pid)   # before it runs: a signal may come as soon as it does
        parent_end.send("continue")
        master = None
        if ours is not None:
            from runtime import terminal
            master = terminal.receive_fd(ours)
        msg = parent_end.recv()    # end of file: the tenant exec'd (the channel is close-on-exec)
        if msg is not None and msg["type"] == "seccomp":
            _send_seccomp_fd(record, msg.get("fd"), pid)
            parent_end.send("continue")
            msg = parent_end.recv()
        if msg is not None and msg["type"] == "error":
            spawn.reap(pid)
            pid = None
            raise SetupError(msg["message"])
    except BaseException:
        if pid:
            spawn.kill_and_reap(pid)
        raise
    finally:
        parent_end.close()
    if opts.pid_file:
        from runtime.process.parent import write_pid_file
        try:
            write_pid_file(opts.pid_file, pid)
        except BaseException:
            spawn.kill_and_reap(pid)   # runc's rule: no process nobody can find
            raise
    if opts.detach:
        return 0
    if master is not None:
        from runtime import terminal
        terminal.proxy(master, lambda: _alive(pid))
    elif swapped:
        terminal.relay_pipes(swapped, lambda: _alive(pid))
    return container.wait_for_exit_status(pid)


def _send_seccomp_fd(record, fd, pid):
    """The exec'd process's notify fd goes to the container's seccomp agent, as the init's did."""
    if fd is None:
        raise SetupError("seccomp: the process sent no notify fd")
    from runtime import seccomp
    cfg = ((record.config or {}).get("linux") or {}).get("seccomp") or {}
    try:
        seccomp.send_to_listener(cfg["listenerPath"], fd, container.hook_state(record, "running") | {"pid": pid},
                                 cfg.get("listenerMetadata", ""))
    finally:
        os.close(fd)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return state.process_start_time(pid) is not None
