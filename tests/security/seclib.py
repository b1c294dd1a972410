"""Helpers for the process-security tests: run a function in a forked child (so capability,
seccomp, uid and scheduling changes never touch the test process) and read what the kernel
reports afterwards, from /proc/self/status in the child or from a program it execs.
"""

import json
import os
import resource
import select
import signal
import time
import traceback

BUSYBOX = "/bin/busybox"


class Child:
    """What a forked child left behind: its wait status and everything it wrote to fds 1 and 2."""

    def __init__(self, status, output):
        self.status = status
        self.output = output

    @property
    def exit_code(self):
        return os.waitstatus_to_exitcode(self.status)

    @property
    def signal(self):
        return os.WTERMSIG(self.status) if os.WIFSIGNALED(self.status) else None

    def json(self):
        """The last line the child wrote with report()."""
        for line in reversed(self.output.splitlines()):
            if line.startswith("{"):
                return json.loads(line)
        raise AssertionError(f"child reported nothing; exit {self.exit_code}, output:\n{self.output}")


def report(obj):
    """From inside the child: one JSON line for the parent (unbuffered, survives os._exit)."""
    os.write(1, (json.dumps(obj) + "\n").encode())


def proc_status():
    """/proc/self/status of the calling process as a dict of strings."""
    with open("/proc/self/status") as f:
        return parse_status(f.read())


def parse_status(text):
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def cap_masks(status):
    """The five capability masks from a parsed /proc/<pid>/status."""
    return {name: int(status[key], 16) for name, key in (
        ("bounding", "CapBnd"), ("effective", "CapEff"), ("permitted", "CapPrm"),
        ("inheritable", "CapInh"), ("ambient", "CapAmb"))}


def run_child(fn, timeout=10):
    """Fork, run fn() in the child with fds 1 and 2 on a pipe, and return a Child.

    fn may exec (its program's output is captured) or return an exit code. The child cannot dump
    core (seccomp kills by SIGSYS, which would), and is killed if it outlives timeout seconds.
    """
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 100
        try:
            os.close(r)
            os.dup2(w, 1)
            os.dup2(w, 2)
            os.close(w)
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            os.setpgid(0, 0)
            code = fn() or 0
        except BaseException:
            os.write(2, traceback.format_exc().encode())
        finally:
            os._exit(code)
    os.close(w)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                raise AssertionError(f"child {pid} still running after {timeout}s; output so far:\n"
                                     + b"".join(chunks).decode(errors="replace"))
            ready, _, _ = select.select([r], [], [], left)
            if ready:
                data = os.read(r, 65536)
                if not data:
                    break
                chunks.append(data)
    finally:
        os.close(r)
        _, status = os.waitpid(pid, 0)
    return Child(status, b"".join(chunks).decode(errors="replace"))


def exec_busybox(*args):
    """In the child: replace it with busybox (the kernel's post-execve view is what gets checked)."""
    os.execv(BUSYBOX, [args[0], *args[1:]])
