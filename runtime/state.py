"""The state store: one directory per container under --root, what is kept there, and the
container's status as seen from the host.

    <root>/<id>/state        the ContainerRecord (marshal, written atomically: temp file + rename)
    <root>/<id>/exec.fifo    exists from create until start: the init blocks opening it

The record is marshalled, not JSON: marshal is built into the interpreter, while importing json
pulls in re and enum (5-8 ms) on every kill, state, start and delete. `pyrun state` shows it.

Status is never trusted from the file alone: a record says which pid and process start time
the init had; the status is derived from /proc (a dead, zombie or reused pid means stopped),
the exec fifo (created) and the cgroup freezer (paused). The state document `pyrun state` and
`pyrun list` print is made from the record and that status.
Concurrent pyrun processes lock the container directory (flock) for anything that changes it.
"""

import marshal
import os

from runtime.errors import ContainerExists, ContainerNotFound, PyrunError

STATE_FILE = "state"
EXEC_FIFO = "exec.fifo"
# Compiled seccomp programs, kept under --root by a name no container id can take ("@" is not
# allowed in ids): --root must hold nothing else an id could collide with.
SECCOMP_CACHE = "@seccomp-cache"


def seccomp_cache_dir(root):
    return os.path.join(root, SECCOMP_CACHE)


def check_id(container_id):
    """runc's rule and words: ids are [\\w+-.]+, and never . or .. (they name a directory)."""
    if not container_id:
        raise PyrunError("container id cannot be empty")
    if (container_id in (".", "..") or not container_id.isascii()
            or not all(c.isalnum() or c in "_+-." for c in container_id)):
        raise PyrunError("invalid container ID format")


class ContainerRecord:
    """What pyrun keeps about a container between commands."""

    __slots__ = ("id", "pid", "start_time", "bundle", "rootfs", "created", "annotations",
                 "owner", "config", "cgroup", "status_hint", "dir")

    FIELDS = ("id", "pid", "start_time", "bundle", "rootfs", "created", "annotations",
              "owner", "config", "cgroup", "status_hint")

    def __init__(self, **values):
        for name in self.FIELDS:
            setattr(self, name, values.get(name))
        self.dir = values.get("dir")

    def dump(self):
        return marshal.dumps({name: getattr(self, name) for name in self.FIELDS})

    @property
    def fifo_path(self):
        return os.path.join(self.dir, EXEC_FIFO)


def container_dir(root, container_id):
    check_id(container_id)
    return os.path.join(root, container_id)


def make_container_dir(root, container_id):
    """Create the container's directory; exactly one of two concurrent creates wins."""
    path = container_dir(root, container_id)
    os.makedirs(root, mode=0o700, exist_ok=True)
    try:
        os.mkdir(path, 0o711)
    except FileExistsError:
        raise ContainerExists(container_id) from None
    return path


def save(record):
    tmp = os.path.join(record.dir, f".{STATE_FILE}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, record.dump())
    finally:
        os.close(fd)
    os.rename(tmp, os.path.join(record.dir, STATE_FILE))


def load(root, container_id):
    path = container_dir(root, container_id)
    try:
        with open(os.path.join(path, STATE_FILE), "rb") as f:
            data = marshal.loads(f.read())
    except FileNotFoundError:
        raise ContainerNotFound(container_id) from None
    except (ValueError, EOFError, TypeError) as err:
        raise PyrunError(f"container {container_id}: corrupt state file: {err}") from None
    return ContainerRecord(dir=path, **data)


def list_ids(root):
    try:
        names = os.listdir(root)
    except FileNotFoundError:
        return []
    return sorted(n for n in names if os.path.exists(os.path.join(root, n, STATE_FILE)))


class Lock:
    """An exclusive flock on the container directory, held for the duration of a with-block."""

    def __init__(self, path):
        self.path = path
        self.fd = None

    def __enter__(self):
        import fcntl   # here: `state` and `kill`, which take no lock, are spared loading it (~50 us)
        try:
            self.fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise ContainerNotFound(os.path.basename(self.path)) from None
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        os.close(self.fd)


def locked(root, container_id):
    """Lock the container and load its record (after the lock: a delete may have raced us)."""
    lock = Lock(container_dir(root, container_id))
    lock.__enter__()
    try:
        record = load(root, container_id)
    except BaseException:
        lock.__exit__()
        raise
    return lock, record


def process_start_time(pid):
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or None
    if there is no such process or it is a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rindex(b")") + 2:].split()
    if fields[0] in (b"Z", b"X"):
        return None
    return int(fields[19])


def init_alive(record):
    """True when the recorded init still runs: same pid, same start time, not a zombie."""
    if not record.pid:
        return False
    return process_start_time(record.pid) == record.start_time


def status(record, cgroup_manager=None):
    """created | running | paused | stopped, derived from the host, not from the record.
    A frozen cgroup is paused even before start (runc pauses a created container, and says so).
    Without a manager, the freezer is read from the cgroup saved in the record: `state`, `kill`,
    `start` and `list` are spared importing a manager."""
    if not init_alive(record):
        return "stopped"
    if cgroup_manager is not None:
        if cgroup_manager.is_frozen():
            return "paused"
    elif record.cgroup:
        from runtime import cgroups
        if cgroups.is_frozen(record.cgroup):
            return "paused"
    if os.path.exists(record.fifo_path):
        return "created"
    return "running"


def state_document(record, status_):
    """What `pyrun state` prints (and `pyrun list`, with the owner's name)."""
    from spec.state import state_document as doc
    return doc(record.id, status_, record.pid, record.bundle, record.created,
               record.annotations or {}, owner=record.owner or "", rootfs=record.rootfs)


def remove_stale_dir(root, container_id):
    """Remove a container directory that has no record (nothing of it is running: no record,
    no init). Used by delete --force."""
    path = container_dir(root, container_id)
    if os.path.isdir(path) and not os.path.exists(os.path.join(path, STATE_FILE)):
        with Lock(path):
            if not os.path.exists(os.path.join(path, STATE_FILE)):
                remove_dir(ContainerRecord(dir=path))


def remove_dir(record):
    """Remove the container's directory and all it holds."""
    for name in os.listdir(record.dir):
        try:
            os.unlink(os.path.join(record.dir, name))
        except IsADirectoryError:
            import shutil
            shutil.rmtree(os.path.join(record.dir, name), ignore_errors=True)
        except FileNotFoundError:
            pass
    try:
        os.rmdir(record.dir)
    except FileNotFoundError:
        pass
