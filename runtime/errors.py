"""Typed errors. Every failure pyrun reports is one of these, turned into one message at the CLI edge."""


def strerror_text(err):
    """An OSError's strerror as Go words it, which runc's messages carry: "no such file or directory"."""
    return err.strerror[:1].lower() + err.strerror[1:]


class PyrunError(Exception):
    """A failure with a message fit for the user; exit_code is what the CLI exits with."""

    exit_code = 1

    def __init__(self, message, exit_code=None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self):
        return str(self)


class UsageError(PyrunError):
    """Bad command-line usage."""


class ConfigError(PyrunError):
    """config.json is missing, not JSON, or not valid (the message names the field)."""


class ContainerNotFound(PyrunError):
    # runc says "container does not exist"; naming the id is what issue 2 asks, and what
    # callers match ("does not exist": containerd's shim, podman) is in both
    def __init__(self, container_id):
        super().__init__(f"container {container_id} does not exist")
        self.container_id = container_id


class ContainerExists(PyrunError):
    def __init__(self, container_id):
        super().__init__("container with given ID already exists")
        self.container_id = container_id


class InvalidState(PyrunError):
    """The operation is not allowed in the container's current state."""


class NotRunning(InvalidState):
    def __init__(self, container_id=None):
        super().__init__("container not running")


class ExecutableNotFound(PyrunError):
    def __init__(self, name):
        super().__init__(f'exec: "{name}": executable file not found in $PATH')


class HookError(PyrunError):
    """A lifecycle hook failed or timed out."""


class CgroupError(PyrunError):
    """A cgroup could not be created, configured or removed."""


class Unsupported(PyrunError):
    """The config asks for something this host (or pyrun) cannot do."""


class SetupError(PyrunError):
    """A step of container setup failed (reported from inside the container's init)."""


class WritableExecutable(PyrunError):
    """pyrun's own executable could be overwritten from inside the container, and it could not be
    made read-only or replaced by a sealed copy (runtime.sealed_exe)."""

    def __init__(self, path, reason):
        super().__init__(
            f"pyrun's executable {path} could be overwritten from the container through "
            f"/proc/self/exe (CVE-2019-5736): {reason}")
        self.path = path
