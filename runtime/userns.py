"""User namespaces and rootless containers: writing a new user namespace's id maps, deciding
whether pyrun runs rootless, and refusing up front a config an unprivileged user cannot run.

Id maps (the runtime writes them while the namespace child waits, as runc's nsexec does):
  - as root (CAP_SETUID/CAP_SETGID over the parent namespace), /proc/PID/uid_map and gid_map
    are written directly, any ranges;
  - an unprivileged user may write a single line mapping its own uid (gid) and nothing else; for
    the gid map the kernel also wants /proc/PID/setgroups set to "deny" first (runc does that
    only for this exact own-gid mapping);
  - anything else (several ids, subordinate ranges) goes through the setuid helpers
    newuidmap/newgidmap (package uidmap), which check /etc/subuid and /etc/subgid:
        newuidmap PID containerID hostID size [containerID hostID size ...]
    A direct write is tried first and the helper used on EPERM, as runc does.

Rootless (`--rootless auto`, the default, means: euid != 0, or root inside a user namespace):
  the cgroup manager creates a cgroup only where one is delegated to the user (cgroup v2) and
  otherwise skips it with a warning (runtime/cgroups); state goes under $XDG_RUNTIME_DIR/pyrun
  (runtime/cli.py default_root); an unprivileged create needs a new user namespace with
  mappings, and uid=/gid= mount options must name mapped ids (runc's rootless validation).
"""

import os

from runtime.errors import ConfigError, SetupError, UsageError

_TRUE = ("1", "t", "T", "TRUE", "true", "True")       # Go's strconv.ParseBool, as runc parses it
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def parse_rootless_flag(value):
    """--rootless value -> True, False or None (auto)."""
    if value is None or value == "auto":
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise UsageError(f"invalid --rootless value {value!r}: 'true', 'false' or 'auto' expected")


def running_in_userns():
    """True inside any user namespace but the initial one (whose uid_map is the full identity)."""
    try:
        with open("/proc/self/uid_map") as f:
            lines = f.read().split()
    except OSError:
        return False
    return lines != ["0", "0", "4294967295"]


def is_rootless(flag):
    """runc's rule: an explicit --rootless wins; auto is rootless for euid != 0 and for a root
    that lives in a user namespace (it cannot own the host's cgroups)."""
    if flag is not None and not isinstance(flag, str):
        return flag
    flag = parse_rootless_flag(flag)
    if flag is not None:
        return flag
    return os.geteuid() != 0 or running_in_userns()


def for_create(g, config):
    """The `rootless=` given to cgroups.new_manager for this create: False, or a function the
    cgroup manager calls to warn (it means "rootless"). An unprivileged user's config is checked
    here, before anything exists."""
    if os.geteuid() != 0:
        check_unprivileged(config, os.geteuid(), os.getegid())
    if not is_rootless(getattr(g, "rootless", None)):
        return False
    from runtime import log

    def warn(message):
        log.warning(g, message)
    return warn


def check_unprivileged(config, euid, egid):
    """What an unprivileged create needs, refused with the field named (runc's rootless checks)."""
    lin = config.get("linux") or {}
    entries = [ns for ns in lin.get("namespaces") or [] if ns.get("type") == "user"]
    if not entries:
        raise ConfigError("config.json: linux.namespaces: a rootless container (pyrun run by uid "
                          f"{euid}) requires a user namespace; `pyrun spec --rootless` writes one")
    if entries[0].get("path"):
        return   # joining an existing user namespace: its maps are already written
    for key in ("uidMappings", "gidMappings"):
        if not lin.get(key):
            raise ConfigError(f"config.json: linux.{key}: a rootless container requires at least one "
                              f"mapping (e.g. containerID 0 to your id {euid if key[0] == 'u' else egid})")
    for i, m in enumerate(config.get("mounts") or []):
        for opt in m.get("options") or []:
            name, eq, value = opt.partition("=")
            if not eq or name not in ("uid", "gid") or not value.isdigit():
                continue
            maps = lin["uidMappings"] if name == "uid" else lin["gidMappings"]
            if not _mapped(maps, int(value)):
                raise ConfigError(f"config.json: mounts[{i}].options: {opt}: {name} {value} is not mapped in "
                                  f"the container's user namespace (linux.{name}Mappings)")


def _mapped(maps, container_id):
    return any(m["containerID"] <= container_id < m["containerID"] + m["size"] for m in maps)


def map_lines(maps):
    """The text the kernel takes in uid_map/gid_map: "containerID hostID size" per line."""
    return "".join(f"{m['containerID']} {m['hostID']} {m['size']}\n" for m in maps)


def helper_args(tool, pid, maps):
    """newuidmap/newgidmap's argv: the pid, then containerID hostID size for every range."""
    args = [tool, str(pid)]
    for m in maps:
        args += [str(m["containerID"]), str(m["hostID"]), str(m["size"])]
    return args


def is_own_id_only(maps, own):
    """The one mapping an unprivileged process may write itself: a single id, its own."""
    return len(maps) == 1 and maps[0]["hostID"] == own and maps[0]["size"] == 1


def host_root(config):
    """(uid, gid) of the container's root on the host, from a new user namespace's mappings in
    config.json, or None (no user namespace, or root not mapped). runc's HostRootUID/GID: the
    files the runtime makes for the container (the exec fifo) belong to it."""
    lin = config.get("linux") or {}
    if not any(ns.get("type") == "user" for ns in lin.get("namespaces") or []):
        return None
    ids = []
    for key in ("uidMappings", "gidMappings"):
        root = [m["hostID"] - m["containerID"] for m in lin.get(key) or [] if _mapped([m], 0)]
        if not root:
            return None
        ids.append(root[0])
    return tuple(ids)


def write_id_maps(pid, config):
    """Write the maps of pid's new user namespace (pid: the namespace child, waiting)."""
    lin = config.get("linux") or {}
    uids, gids = lin.get("uidMappings") or [], lin.get("gidMappings") or []
    if gids and os.geteuid() != 0 and is_own_id_only(gids, os.getegid()):
        # Without this the kernel refuses an unprivileged gid_map (CVE-2014-8989); the container
        # can then not call setgroups, as in runc.
        _write(pid, "setgroups", "deny\n")
    for name, maps, tool in (("uid_map", uids, "newuidmap"), ("gid_map", gids, "newgidmap")):
        if not maps:
            continue
        try:
            _write(pid, name, map_lines(maps))
        except PermissionError:
            if os.geteuid() == 0:
                raise SetupError(f"write /proc/{pid}/{name}: permission denied (are the host ids "
                                 f"mapped in pyrun's own user namespace?)") from None
            _run_helper(tool, pid, maps, "uid" if name == "uid_map" else "gid")


def _write(pid, name, text):
    path = f"/proc/{pid}/{name}"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
        try:
            os.write(fd, text.encode())   # one write: the kernel takes a map only whole
        finally:
            os.close(fd)
    except PermissionError:
        raise
    except OSError as err:
        raise SetupError(f"write {path} ({text.strip()!r}): {err.strerror}") from None


def find_helper(tool):
    """newuidmap/newgidmap on PATH (then the usual places), or None."""
    dirs = (os.environ.get("PATH") or "").split(":") + ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
    for d in dirs:
        if d:
            path = os.path.join(d, tool)
            if os.access(path, os.X_OK):
                return path
    return None


def _run_helper(tool, pid, maps, kind):
    """Map through the setuid helper; its own message, plus what to check, on failure."""
    path = find_helper(tool)
    key = f"linux.{kind}Mappings"
    if path is None:
        raise SetupError(f"config.json: {key}: mapping {_describe(maps)} as an unprivileged user needs "
                         f"{tool} (package uidmap), which is not installed")
    r, w = os.pipe()
    try:
        # posix_spawn keeps pyrun clear of subprocess's import cost; stderr carries the reason.
        child = os.posix_spawn(path, helper_args(tool, pid, maps), os.environ,
                               file_actions=[(os.POSIX_SPAWN_DUP2, w, 2), (os.POSIX_SPAWN_DUP2, w, 1)])
    except OSError as err:
        os.close(r)
        os.close(w)
        raise SetupError(f"run {path}: {err.strerror}") from None
    os.close(w)
    chunks = []
    with os.fdopen(r, "rb") as f:
        chunks.append(f.read(4096))
    _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        said = b"".join(chunks).decode(errors="replace").strip().replace("\n", "; ")
        sub = f"/etc/sub{kind}"
        raise SetupError(f"config.json: {key}: {tool} refused {_describe(maps)} for {_user_name()}: "
                         f"{said or 'no reason given'} (the host ids must lie in a range {sub} gives "
                         f"this user{_ranges_hint(sub)})")


def _describe(maps):
    return ", ".join(f"{m['containerID']}->{m['hostID']} (size {m['size']})" for m in maps)


def _user_name():
    try:
        import pwd
        return pwd.getpwuid(os.getuid()).pw_name
    except (KeyError, ImportError):
        return f"uid {os.getuid()}"


def subordinate_ranges(path, name, uid):
    """[(start, count)] that a /etc/subuid-style file gives the user (by name or by number)."""
    found = []
    try:
        with open(path) as f:
            for line in f:
                parts = line.strip().split(":")
                if len(parts) == 3 and parts[0] in (name, str(uid)) and parts[1].isdigit() and parts[2].isdigit():
                    found.append((int(parts[1]), int(parts[2])))
    except OSError:
        pass
    return found


def _ranges_hint(path):
    ranges = subordinate_ranges(path, _user_name(), os.getuid())
    if not ranges:
        return "; it gives none"
    return "; it gives " + ", ".join(f"{start}-{start + count - 1}" for start, count in ranges)
