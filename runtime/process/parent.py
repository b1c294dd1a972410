"""The runtime's side of create: from a validated bundle to a container whose init waits on the
exec fifo, with its state recorded. It forks the namespace child, answers the sync messages
(id maps, cgroup placement, runtime hooks) and, if any step fails, undoes everything: the init
is killed, the cgroup and the state directory removed. Nothing of a failed create remains.
"""

import os
import stat
import time

from runtime import linux, namespaces, state
from runtime.errors import ConfigError, PyrunError, SetupError, strerror_text
from runtime.process import spawn, sync


class Plan:
    """Everything the child and the init need, fixed before the fork (they get a copy)."""

    def __init__(self, container_id, bundle, config, rootfs, ns, state_dir, console_sock,
                 no_pivot, preserve_fds, created, cgroup):
        self.id = container_id
        self.bundle = bundle
        self.config = config
        self.rootfs = rootfs
        self.ns = ns
        self.state_dir = state_dir
        self.console_sock = console_sock
        self.no_pivot = no_pivot
        self.preserve_fds = preserve_fds
        self.created = created
        self.cgroup = cgroup    # the namespace child joins it before anything else
        # Opened here, as the host's root: in a user namespace the init could not open it. The
        # fifo, not its directory: a directory fd held in the container is a way out of it
        # (chdir through /proc/self/fd, or /proc/1/fd for a process with CAP_SYS_PTRACE).
        self.exec_fifo_fd = os.open(os.path.join(state_dir, state.EXEC_FIFO), os.O_PATH | os.O_CLOEXEC)
        hook_cfg = config.get("hooks") or {}
        self.runtime_hooks = bool(hook_cfg.get("prestart") or hook_cfg.get("createRuntime"))

    def hook_state(self, status, pid):
        from spec.state import hook_state
        return hook_state(self.id, status, pid, self.bundle, self.config.get("annotations") or {})


def resolve_rootfs(bundle, config):
    root = config.get("root") or {}
    path = root.get("path")
    if not path:
        raise ConfigError("config.json: root.path: is required")
    rootfs = path if path.startswith("/") else os.path.join(bundle, path)
    rootfs = os.path.realpath(rootfs)
    # runc's words: engines read "no such file or directory" (podman: exit 127, "not found")
    try:
        is_dir = stat.S_ISDIR(os.stat(rootfs).st_mode)
    except OSError as err:
        raise ConfigError(f"config.json: root.path: invalid rootfs: stat {rootfs}: {strerror_text(err)}") from None
    if not is_dir:
        raise ConfigError(f"config.json: root.path: invalid rootfs: {rootfs}: not a directory")
    return rootfs


def load_bundle(bundle):
    from spec.validate import load_config
    bundle = os.path.abspath(bundle)
    return bundle, load_config(bundle)


class Created:
    __slots__ = ("record", "manager")

    def __init__(self, record, manager):
        self.record = record
        self.manager = manager


def create(g, container_id, bundle, config, pid_file=None, console_socket=None, console_sock=None,
           no_pivot=False, preserve_fds=0):
    """Create the container. console_sock (an already connected socket) is for foreground run."""
    state.check_id(container_id)
    rootfs = resolve_rootfs(bundle, config)
    process = config["process"]
    from runtime import lsm, network
    from runtime.process import sched
    lsm.check(config)      # refuse what the host cannot do before anything exists
    network.check(config)
    sched.check(config)
    if process.get("terminal") and console_socket is None and console_sock is None:
        raise ConfigError("config.json: process.terminal: true needs --console-socket")
    ns = namespaces.plan(config)
    if not ns.has("mount"):
        ns.close()
        raise ConfigError("config.json: linux.namespaces: a mount namespace is required")

    from runtime import cgroups
    from runtime import userns
    manager = cgroups.new_manager(config, container_id, rootless=userns.for_create(g, config))
    cdir = state.make_container_dir(g.root, container_id)
    lock = state.Lock(cdir).__enter__()
    from spec.state import rfc3339_nano
    created = rfc3339_nano(time.time_ns())
    init_pid = child_pid = None
    cgroup_made = False
    try:
        os.mkfifo(os.path.join(cdir, state.EXEC_FIFO), 0o622)
        os.chmod(os.path.join(cdir, state.EXEC_FIFO), 0o622)
        _chown_to_container_root(os.path.join(cdir, state.EXEC_FIFO), userns.host_root(config))
        if manager is not None:
            manager.create()
            cgroup_made = True
        if console_socket is not None:
            from runtime import terminal
            console_sock = terminal.connect(console_socket)
        plan = Plan(container_id, bundle, config, rootfs, ns, cdir, console_sock, no_pivot,
                    preserve_fds, created, manager)
        # The init is our child, or re-parented to us when the namespace child exits: a failed
        # create can reap it, and it goes on to our own parent (a shim, conmon) when we exit.
        linux.prctl(linux.PR_SET_CHILD_SUBREAPER, 1)
        parent_end, child_end = sync.pair()
        child_pid, is_init = _start_child(ns, manager)
        if child_pid == 0:
            # The flock is shared with our copy of the fd: the container must not keep it.
            os.close(lock.fd)
            parent_end.close()
            from runtime.process import child
            if is_init:
                child.run_cloned_init(plan, child_end)
            child.run(plan, child_end)
        if is_init:
            init_pid = child_pid
        child_end.close()
        os.close(plan.exec_fifo_fd)
        ns.close()
        if console_sock is not None and console_socket is not None:
            console_sock.close()
        try:
            init_pid = _sync(plan, parent_end, child_pid)
        finally:
            parent_end.close()
            if not is_init:
                spawn.reap(child_pid)
        record = state.ContainerRecord(
            dir=cdir, id=container_id, pid=init_pid, start_time=state.process_start_time(init_pid),
            bundle=bundle, rootfs=rootfs, created=created, annotations=config.get("annotations") or {},
            owner=_owner(), config=config, cgroup=manager.saved() if manager is not None else None)
        state.save(record)
        if pid_file:
            write_pid_file(pid_file, init_pid)
        return Created(record, manager)
    except BaseException:
        ns.close()
        if init_pid:
            spawn.kill_and_reap(init_pid)
        if manager is not None and cgroup_made:
            try:
                manager.destroy()
            except PyrunError:
                pass
        state.remove_dir(state.ContainerRecord(dir=cdir))
        raise
    finally:
        lock.__exit__()


def _start_child(ns, manager):
    """Start the process that leads to the container's init: (pid, True) when clone3 started the
    init itself, already in its new namespaces (a new user namespace owning the others, its id
    maps written while the init waits); (pid, False) for the namespace child, which joins
    namespaces by path or sets a time namespace's offsets (only possible before anyone is in it)
    and forks the init."""
    direct = not ns.join and "time" not in ns.new
    pid, cloned = spawn.start_child(manager, ns.clone_flags() if direct else 0)
    return pid, direct and cloned


def _sync(plan, chan, child_pid):
    """Answer the child's and the init's messages until the init is ready; returns its pid."""
    init_pid = None
    from runtime.process import limits   # now, while the init works on the other CPU
    try:
        while True:
            msg = chan.recv()
            if msg is None:
                if init_pid is None:
                    raise SetupError("container init failed to start (namespace setup)")
                raise SetupError("container init exited during setup")
            kind = msg["type"]
            if kind in ("hooks", "seccomp", "ready", "idmap", "limits"):
                # The init names itself: its messages may overtake the namespace child's "pid".
                init_pid = msg["pid"]
            if kind == "error":
                if init_pid is None and msg.get("pid"):
                    init_pid = msg["pid"]
                raise SetupError(msg["message"])
            if kind == "userns":
                _write_id_maps(child_pid, plan.config)
                chan.send("continue")
            elif kind == "pid":
                init_pid = init_pid or msg["pid"]   # in its cgroup already: the child joined before forking
            elif kind == "hooks":
                from runtime import hooks
                hook_cfg = plan.config.get("hooks") or {}
                st = plan.hook_state("creating", init_pid)
                hooks.run("prestart", hook_cfg.get("prestart") or [], st)
                hooks.run("createRuntime", hook_cfg.get("createRuntime") or [], st)
                chan.send("continue")
            elif kind == "limits":
                limits.apply(init_pid, plan.config["process"])
                chan.send("continue")
            elif kind == "seccomp":
                _send_seccomp_fd(plan, msg.get("fd"), init_pid)
                chan.send("continue")
            elif kind == "idmap":
                _send_idmapped_tree(plan, chan, msg.get("index"), init_pid)
            elif kind == "ready":
                if (plan.config.get("linux") or {}).get("netDevices"):   # pyroute2 only then
                    from runtime import network
                    network.move_devices(plan.config, init_pid)
                return init_pid
            else:
                raise SetupError(f"sync: unexpected message {kind}")
    except BaseException:
        # The init may be blocked waiting for an answer: it must not outlive the failed create
        # (its cgroup could not be removed while it runs).
        if init_pid:
            spawn.kill_and_reap(init_pid)
        raise


def _owner():
    """runc's state "owner": empty for root, else the user's name (`list` shows it)."""
    uid = os.geteuid()
    if uid == 0:
        return ""
    import pwd
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _send_seccomp_fd(plan, fd, init_pid):
    if fd is None:
        raise SetupError("seccomp: the init sent no notify fd")
    from runtime import seccomp
    cfg = (plan.config.get("linux") or {}).get("seccomp") or {}
    try:
        seccomp.send_to_listener(cfg["listenerPath"], fd, plan.hook_state("creating", init_pid),
                                 cfg.get("listenerMetadata", ""))
    finally:
        os.close(fd)


def _send_idmapped_tree(plan, chan, index, init_pid):
    """An idmapped mount for a container with its own user namespace: only here, in the initial
    user namespace, may the host file system be cloned and idmapped. The mapping namespace is
    the mount's own mappings (a new namespace holding them), else the container's own."""
    entries = plan.config.get("mounts") or []
    if not isinstance(index, int) or not 0 <= index < len(entries):
        raise SetupError(f"sync: the init asked for an idmapped mount of mounts[{index}], which does not exist")
    from runtime.rootfs import mounts
    where = f"mounts[{index}]"
    entry = entries[index]
    spec = mounts.parse(entry, plan.bundle, where, plan.config.get("linux") or {})
    if not spec.idmap:
        raise SetupError(f"sync: the init asked for an idmapped mount of {where}, which is not idmapped")
    userns = None
    try:
        if not (entry.get("uidMappings") or entry.get("gidMappings")):
            try:
                userns = os.open(f"/proc/{init_pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
            except OSError as err:
                raise OSError(err.errno, f"open the container's user namespace: {err.strerror}") from None
        tree = mounts.idmapped_tree(spec, userns)
    except OSError as err:
        hint = ""
        if err.errno in (1, 13) and os.geteuid() != 0:   # EPERM, EACCES
            hint = " (an ordinary user cannot make idmapped mounts of the host's file systems)"
        raise SetupError(f"config.json: {where}: idmapped mount of {spec.source} on {spec.destination}: "
                         f"{err.strerror}{hint}") from None
    finally:
        if userns is not None:
            os.close(userns)
    try:
        chan.send("mountfd", fd=tree)
    finally:
        os.close(tree)


def _write_id_maps(pid, config):
    from runtime import userns    # directly as root, else through newuidmap/newgidmap
    userns.write_id_maps(pid, config)


def _chown_to_container_root(path, ids):
    """The container's root owns what the runtime makes for it (runc chowns the exec fifo so).
    An ordinary user mapping root to a subordinate id cannot chown; the fifo's mode (0622) lets
    the init write it anyway, so that is no reason to fail."""
    if ids is None:
        return
    try:
        os.chown(path, *ids)
    except PermissionError:
        if os.geteuid() == 0:
            raise


def write_pid_file(path, pid):
    """The bare pid, no newline (containerd parses it with Atoi), replaced atomically."""
    path = os.path.abspath(path)
    tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.tmp")
    # O_EXCL|O_NOFOLLOW: a symlink planted at the temporary name (in a directory a container can
    # write, say) would have the pid written through it and then become the pid file. Whatever is
    # there (that, or the leftover of a killed pyrun) is unlinked, never followed, and the
    # exclusive create tried once more; runc fails on it instead ("file exists").
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(tmp, flags, 0o644)
    except FileExistsError:
        os.unlink(tmp)
        fd = os.open(tmp, flags, 0o644)
    try:
        os.write(fd, str(pid).encode())
    finally:
        os.close(fd)
    os.rename(tmp, path)
