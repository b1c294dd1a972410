"""What the runtime sets on the container's process from outside, as runc does: process.rlimits
(prlimit(2)) and process.oomScoreAdj (/proc/PID/oom_score_adj).

From outside because the process may be in a user namespace, whose root can neither raise its
own hard rlimit nor lower its OOM score: the kernel wants CAP_SYS_RESOURCE in the initial user
namespace for both, which the runtime may have and the container's root never does. The runtime
sets them while the process is still root (before it switches to process.user), so that it needs
no capability beyond owning the process's namespace to do so: create on the init's request
("limits" over the sync channel, the init waiting), exec on the new process before telling it to
go on.
"""

import resource

from runtime.errors import ConfigError, SetupError


def apply(pid, process):
    """Set process.oomScoreAdj, then every process.rlimits entry, on pid (runc's order); raise
    SetupError naming the first that fails."""
    if process.get("oomScoreAdj") is not None:
        _set_oom_score_adj(pid, process["oomScoreAdj"])
    for rl in process.get("rlimits") or []:
        number = getattr(resource, rl["type"], None) if rl["type"].startswith("RLIMIT_") else None
        if number is None:   # spec.validate refuses these, in config.json and in exec's process.json
            raise ConfigError(f"process.rlimits: unknown rlimit type {rl['type']!r}")
        try:
            resource.prlimit(pid, number, (rl["soft"], rl["hard"]))
        except (ValueError, OSError) as err:
            raise SetupError(f"error setting rlimit type {rl['type']}: {err}") from None


def _set_oom_score_adj(pid, adj):
    path = f"/proc/{pid}/oom_score_adj"
    try:
        with open(path, "w") as f:
            f.write(str(adj))
    except OSError as err:
        raise SetupError(f"process.oomScoreAdj: write {adj} to {path}: {err.strerror}") from None
