"""Shared test helpers (importable as `testlib` from any test; conftest.py turns them into fixtures):
where pyrun and runc are, a busybox-static rootfs, bundles built on it, and a runtime runner.

Tests that need root skip with that reason when not root (`needs_root`).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from spec.defaults import default_config  # noqa: E402

PYRUN = os.path.join(ROOT, ".venv", "bin", "pyrun")


def _launcher_interpreter():
    """The interpreter pyrun's launcher names on its #! line (setup.sh's sealed copy)."""
    try:
        with open(PYRUN) as f:
            return f.readline()[2:].split()[0]
    except (OSError, IndexError):
        return None


# Run pyrun's code through this, not the venv's python: from a writable interpreter create and exec
# re-execute from a sealed memfd copy (runtime/sealed_exe.py), slower and with another /proc/PID/exe.
PYRUN_PYTHON = _launcher_interpreter()
RUNC = shutil.which("runc") or "/usr/sbin/runc"
BUSYBOX = "/bin/busybox"

IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="needs root (namespaces, mounts, cgroups)")


def _has_effective_capability(number):
    with open("/proc/self/status") as f:
        effective = int(next(line for line in f if line.startswith("CapEff:")).split()[1], 16)
    return bool(effective & (1 << number))


# Raising a hard rlimit or lowering oom_score_adj: these machines' root lacks it, the test VM's has it.
HAS_CAP_SYS_RESOURCE = _has_effective_capability(24)


def build_busybox_rootfs(dest):
    """A minimal rootfs: busybox-static with a symlink per applet, /etc/passwd and /etc/group."""
    if not os.path.exists(BUSYBOX):
        pytest.skip("busybox-static is not installed (run setup.sh)")
    for d in ("bin", "sbin", "etc", "proc", "sys", "dev", "tmp", "root", "usr/bin", "var", "run", "home"):
        os.makedirs(os.path.join(dest, d), exist_ok=True)
    os.chmod(os.path.join(dest, "tmp"), 0o1777)
    shutil.copy2(BUSYBOX, os.path.join(dest, "bin", "busybox"))
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout.split()
    for applet in applets:
        link = os.path.join(dest, "bin", applet)
        if applet != "busybox" and not os.path.lexists(link):
            os.symlink("busybox", link)
    with open(os.path.join(dest, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                "user:x:1000:1000:user:/home:/bin/sh\n")
    with open(os.path.join(dest, "etc", "group"), "w") as f:
        f.write("root:x:0:\ntty:x:5:\nnogroup:x:65534:\nuser:x:1000:\n")
    return dest


class Bundle:
    """A bundle directory: config (a dict, written by save()), rootfs, and the path."""

    def __init__(self, path, config):
        self.path = path
        self.config = config
        self.rootfs = os.path.join(path, "rootfs")

    def save(self):
        with open(os.path.join(self.path, "config.json"), "w") as f:
            json.dump(self.config, f, indent=2)
        return self

    def set_args(self, *args, terminal=False):
        self.config["process"]["args"] = list(args)
        self.config["process"]["terminal"] = terminal
        return self.save()


class Runtime:
    """Runs one runtime binary (pyrun or runc) with its own --root, cleaning up what tests leave."""

    def __init__(self, binary, root):
        self.binary = binary
        self.root = root
        self.created = []

    def cmd(self, *args):
        return [self.binary, "--root", self.root, *args]

    def __call__(self, *args, check=True, timeout=60, **kwargs):
        """Run the runtime; stdout/stderr are captured through files, not pipes: after create
        the container holds the runtime's stdio, and a pipe would not see EOF until it exits."""
        if "input" not in kwargs and "stdin" not in kwargs:
            kwargs["stdin"] = subprocess.DEVNULL
        if "stdout" in kwargs or "capture_output" in kwargs:
            kwargs.setdefault("text", True)
            proc = subprocess.run(self.cmd(*args), timeout=timeout, **kwargs)
        else:
            if isinstance(kwargs.get("input"), str):
                kwargs["input"] = kwargs["input"].encode()
            with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
                proc = subprocess.run(self.cmd(*args), timeout=timeout, stdout=out, stderr=err, **kwargs)
                out.seek(0)
                err.seek(0)
                proc.stdout = out.read().decode(errors="replace")
                proc.stderr = err.read().decode(errors="replace")
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(self.cmd(*args))} exited {proc.returncode}\n"
                                 f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc

    def new_id(self, prefix="t"):
        cid = f"{prefix}-{uuid.uuid4().hex[:10]}"
        self.created.append(cid)
        return cid

    def state(self, cid):
        return json.loads(self("state", cid).stdout)

    def wait_status(self, cid, wanted, timeout=5):
        """Poll `state` until the container's status is wanted; fail after timeout seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.state(cid)["status"] == wanted:
                return
            time.sleep(0.02)
        raise AssertionError(f"{cid} never became {wanted}: {self.state(cid)}")

    def cleanup(self):
        for cid in self.created:
            subprocess.run(self.cmd("delete", "--force", cid), capture_output=True, timeout=60)


def process_creating_syscalls(argv):
    """Run a runtime command (argv) under python-ptrace, tracing that process alone (not its
    children); return [(syscall name, clone3 flags or None, clone3 cgroup fd)] for every
    process-creating syscall it made. It must exit 0."""
    from ptrace.debugger import PtraceDebugger, ProcessExit, ProcessSignal, NewProcessEvent
    from ptrace.debugger.child import createChild
    from ptrace.func_call import FunctionCallOptions
    pid = createChild(argv, no_stdout=False, env=None)
    debugger = PtraceDebugger()
    made = []
    try:
        process = debugger.addProcess(pid, is_attached=True)
        process.syscall()
        while True:
            try:
                event_process = debugger.waitSyscall().process
            except ProcessExit as exit_:
                assert exit_.exitcode == 0, f"{argv} exited with {exit_.exitcode}"
                break
            except ProcessSignal as sig:
                sig.process.syscall(sig.signum)
                continue
            except NewProcessEvent as event:
                event.process.detach()
                event.process.parent.syscall()
                continue
            call = event_process.syscall_state.event(FunctionCallOptions())
            if call.result is None and call.name in ("clone", "clone3", "fork", "vfork"):
                flags = cgroup = None
                if call.name == "clone3":
                    args = event_process.readBytes(call.arguments[0].value, 88)
                    flags = int.from_bytes(args[0:8], "little")
                    cgroup = int.from_bytes(args[80:88], "little")
                made.append((call.name, flags, cgroup))
            event_process.syscall()
    finally:
        debugger.quit()
    return made


def console_server(path, timeout=30):
    """A --console-socket at path that accepts one connection, in a thread, and keeps what comes
    with SCM_RIGHTS: returns (thread, {"name": the payload, "fds": the fds}); join the thread."""
    import socket
    import threading
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    server.settimeout(timeout)
    received = {"fds": [], "name": None}

    def accept():
        try:
            conn, _ = server.accept()
            name, fds, _, _ = socket.recv_fds(conn, 1024, 4)
            received["name"], received["fds"] = name, fds
            conn.close()
        except OSError:
            pass
        finally:
            server.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    return thread, received


def read_pty(master, until, timeout=20, on_output=None):
    """What a pty master gives until `until` (bytes) has come, the other side closes, or timeout
    seconds pass; on_output(all read so far) is called after each chunk."""
    data = b""
    deadline = time.monotonic() + timeout
    while until not in data and time.monotonic() < deadline:
        try:
            chunk = os.read(master, 4096)
        except OSError:       # EIO: the slave side is closed
            break
        if not chunk:
            break
        data += chunk
        if on_output is not None:
            on_output(data)
    return data


def leftovers(rt, cid, bundle, is_containers_mount=None):
    """Everything on the host that still belongs to the container (after a failed create, or a
    delete), as readable strings: its state dir, processes (by id on the command line, or rooted
    in its rootfs), mounts of the bundle (and any line is_containers_mount(line) claims), cgroups."""
    import glob
    found = []
    if os.path.exists(os.path.join(rt.root, cid)):
        found.append(f"state dir {os.path.join(rt.root, cid)}")
    for proc in glob.glob("/proc/[0-9]*"):
        try:
            with open(f"{proc}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            root = os.readlink(f"{proc}/root")
        except OSError:
            continue
        if cid in cmdline or root.startswith(bundle.rootfs):
            found.append(f"process {proc}: {cmdline.strip()}")
    with open("/proc/self/mountinfo") as f:
        for line in f:
            if bundle.path in line or (is_containers_mount is not None and is_containers_mount(line)):
                found.append(f"mount {line.strip()}")
    for hierarchy in glob.glob("/sys/fs/cgroup/*"):
        for dirpath, dirnames, _ in os.walk(hierarchy):
            if cid in dirnames:
                found.append(f"cgroup {dirpath}/{cid}")
            if dirpath.count("/") > 8:
                dirnames[:] = []
    return found
