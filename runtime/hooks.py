"""Lifecycle hooks (prestart, createRuntime, createContainer, startContainer, poststart,
poststop): each runs with the container's state JSON on stdin, its own args and env, and an
optional timeout. Which hooks run where and when is decided by the callers; this module only
runs a list of them and says clearly which one failed and how.
"""

from spec import jsonout   # json.dumps's text without importing json (and re)
import os
import subprocess  # imported up front: the init runs startContainer hooks after pivot_root

from runtime.errors import HookError


def run(kind, hook_list, state):
    """Run every hook of one kind in order; the first failure raises HookError."""
    data = jsonout.dumps(state).encode()
    for i, hook in enumerate(hook_list):
        _run_one(kind, i, hook, data)


def run_all_warn(kind, hook_list, state, warn):
    """poststart/poststop: a failure is logged as a warning and the rest still run."""
    data = jsonout.dumps(state).encode()
    for i, hook in enumerate(hook_list):
        try:
            _run_one(kind, i, hook, data)
        except HookError as err:
            warn(str(err))


def _run_one(kind, index, hook, data):
    path = hook["path"]
    args = hook.get("args") or [path]
    env = {}
    for item in hook.get("env") or []:
        key, _, value = item.partition("=")
        env[key] = value
    timeout = hook.get("timeout")
    if timeout is not None:
        # poll() takes milliseconds in a C int: beyond ~24 days a timeout overflows it. None lasts longer.
        timeout = min(timeout, 2_000_000)
    try:
        proc = subprocess.Popen(args, executable=path, env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True,
                                cwd="/" if not os.path.isdir(os.getcwd()) else None)
    except OSError as err:
        raise HookError(f"error running {kind} hook #{index}: {path}: {err.strerror}") from None
    try:
        out, err = proc.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise HookError(f"error running {kind} hook #{index}: {path}: timeout after {timeout}s") from None
    if proc.returncode != 0:
        status = (f"exit status {proc.returncode}" if proc.returncode > 0
                  else f"signal: {-proc.returncode}")
        detail = ""
        if out.strip():
            detail += f", stdout: {out.decode(errors='replace').strip()}"
        if err.strip():
            detail += f", stderr: {err.decode(errors='replace').strip()}"
        raise HookError(f"error running {kind} hook #{index}: {path}: {status}{detail}")
