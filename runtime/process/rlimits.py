"""process.rlimits, set on the container's process by the runtime from outside (prlimit(2)), as
runc does.

From outside because a process in a user namespace cannot raise its own hard limit: the kernel
checks CAP_SYS_RESOURCE in the initial user namespace, which the runtime may have and the
container's root never does. The runtime sets them while the process is still root (before it
switches to process.user), so that prlimit needs no capability beyond owning its namespace:
create on the init's request ("rlimits" over the sync channel, the init waiting), exec on the new
process before telling it to go on.
"""

import resource

from runtime.errors import ConfigError, SetupError


def apply(pid, process):
    """Set every process.rlimits entry on pid; raise SetupError naming the first that fails."""
    for rl in process.get("rlimits") or []:
        number = getattr(resource, rl["type"], None) if rl["type"].startswith("RLIMIT_") else None
        if number is None:   # spec.validate refuses these; exec --process is validated the same way
            raise ConfigError(f"config.json: process.rlimits: unknown rlimit type {rl['type']!r}")
        try:
            resource.prlimit(pid, number, (rl["soft"], rl["hard"]))
        except (ValueError, OSError) as err:
            raise SetupError(f"error setting rlimit type {rl['type']}: {err}") from None
