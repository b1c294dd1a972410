"""Helpers for testing the conformance harness itself: run it as a subprocess, make deliberately
broken runtimes (small wrappers around runc) to point it at, find what a run left on the host.
(A module of its own, not conftest.py: tests/conftest.py owns that name on sys.path.)"""

import json
import os
import shutil
import stat
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = os.path.join(ROOT, ".venv", "bin", "python3")
PYRUN = os.path.join(ROOT, ".venv", "bin", "pyrun")       # as tests/conftest.py
RUNC = shutil.which("runc") or "/usr/sbin/runc"            # as tests/conftest.py


def run_harness(*args, timeout=300, workdir=None):
    """python -m conformance ARGS --format json; returns (exit code, parsed JSON, stderr)."""
    argv = [PYTHON, "-m", "conformance", *args, "--format", "json", "--keep-going"]
    if workdir:
        argv += ["--workdir", str(workdir)]
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError(f"harness printed no JSON (exit {proc.returncode}): {proc.stdout[-500:]}\n{proc.stderr[-2000:]}")
    return proc.returncode, data, proc.stderr


WRAPPER = '''#!{python} -I
"""A deliberately broken runtime: runc, except for {what}."""
import json, os, subprocess, sys, time
args = sys.argv[1:]
op = next((a for a in args if a in ("create", "start", "delete", "kill", "state", "run")), None)
bundle = "."
for i, a in enumerate(args):
    if a in ("--bundle", "-b") and i + 1 < len(args):
        bundle = args[i + 1]
config_path = os.path.join(bundle, "config.json")
{body}
os.execv({runc!r}, [{runc!r}] + args)
'''


def make_broken_runtime(directory, what, body):
    """Path of an executable wrapper around runc that runs `body` (python) first."""
    if not os.path.exists(RUNC):
        pytest.skip("runc is not installed")
    path = directory / f"broken-{len(list(directory.glob('broken-*')))}"
    path.write_text(WRAPPER.format(python=PYTHON, what=what, body=body, runc=RUNC))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(path)


def edit_config(code):
    """Wrapper body: on create, apply `code` (python, on dict `cfg`) to the bundle's config.json."""
    return ("if op == 'create':\n"
            "    cfg = json.load(open(config_path))\n"
            + "".join(f"    {line}\n" for line in code.splitlines()) +
            "    json.dump(cfg, open(config_path, 'w'))\n")


def host_leftovers(results, marker=None):
    """What a run left on the host: live processes whose cmdline holds `marker`, cgroup dirs of its
    cases, mounts of its bundles."""
    found = []
    if marker:
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    continue
                if marker in cmd and int(pid) != os.getpid():
                    found.append(f"process {pid}: {cmd}")
    tokens = [r.get("token") for res in results.values() for r in res.values() if r.get("token")]
    for ctrl in os.listdir("/sys/fs/cgroup"):
        for tok in tokens:
            d = f"/sys/fs/cgroup/{ctrl}/conformance-{tok}"
            if os.path.exists(d):
                found.append(f"cgroup {d}")
    with open("/proc/self/mountinfo") as f:
        for line in f:
            if "conformance-" in line.split()[4] or "cf-leak" in line:
                found.append(f"mount {line.split()[4]}")
    return found
