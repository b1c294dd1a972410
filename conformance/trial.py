"""A Trial: what a case function gets. It runs the runtime under test (with a timeout and its own
--root), builds bundles, tracks every container it made, and offers checks that raise Fail.

Containers' stdout/stderr are files in the case's work dir: the probe (busybox sh) reports what it
sees there, and the host side reads /proc and the cgroup files (host.py). The runtime's own word
(`state`) is only trusted for what the spec says state must report.
"""

import dataclasses
import json
import os
import re
import signal
import subprocess
import time
import uuid

from conformance import host
from conformance.bundle import Bundle, base_config, build_probe_rootfs
from conformance.registry import Fail, Skip


@dataclasses.dataclass
class Result:
    """One runtime invocation: argv, exit code, stdout, stderr."""
    argv: list
    rc: int
    out: str
    err: str

    def why(self):
        """The runtime's last line of complaint, without a logfmt/JSON log line's time and level."""
        text = (self.err.strip() or self.out.strip()).splitlines()
        if not text:
            return f"exit {self.rc}, no output"
        line = text[-1]
        m = re.search(r'\bmsg="((?:[^"\\]|\\.)*)"', line)
        if m:
            line = m.group(1).replace('\\"', '"')
        elif line.startswith("{"):
            try:
                line = json.loads(line).get("msg", line)
            except (ValueError, AttributeError):
                pass
        return line[:300]


class Trial:
    def __init__(self, runtime, workdir, timeout=10.0, cache_dir=None, token=None):
        self.runtime = runtime
        self.workdir = workdir
        self.root = os.path.join(workdir, "state")
        self.timeout = timeout
        self.cache_dir = cache_dir or os.path.join(workdir, "cache")
        self.token = token or uuid.uuid4().hex[:8]
        self.cgroup_parent = f"/conformance-{self.token}"
        self.containers = []       # every id passed to create, for cleanup
        self.deleted = set()       # ids a plain or forced delete removed (no cleanup call needed)
        self.notes = []            # things worth reporting even on a pass
        self._bundles = 0
        self._calls = 0
        self.spawned = set()       # pids of children we started and wait for ourselves
        self.reaped = {}           # pid -> wait status of orphans the reaper collected
        self._reaper = None

    # -------------------------------------------------------------- bundles
    def bundle(self, script=None, args=None):
        """A new bundle with the probe rootfs and the base config; `script` runs under busybox sh."""
        self._bundles += 1
        path = os.path.join(self.workdir, f"bundle{self._bundles}")
        os.makedirs(path)
        build_probe_rootfs(os.path.join(path, "rootfs"), self.cache_dir)
        config = base_config()
        config["linux"]["cgroupsPath"] = f"{self.cgroup_parent}/b{self._bundles}"
        b = Bundle(path, config)
        if script is not None:
            b.sh(script)
        elif args is not None:
            b.args(*args)
        return b

    def new_id(self):
        return f"cf-{self.token}-{len(self.containers) + 1}"

    # -------------------------------------------------------------- the runtime
    def rt(self, *args, timeout=None, stdin=None, stdout=None, stderr=None, cwd=None, input=None,
           pass_fds=(), restore_signals=True):
        """Run `RUNTIME --root ROOT ARGS…`; a runtime that outlives the timeout is killed and Fails the case.

        Output goes to files, not pipes: a process the runtime leaves running (exec --detach, a
        container) may hold them open, and the harness waits for the runtime's exit, not for EOF."""
        argv = [self.runtime, "--root", self.root, *args]
        timeout = timeout or self.timeout
        self._calls += 1
        out_path = os.path.join(self.workdir, f"call{self._calls}.out")
        err_path = os.path.join(self.workdir, f"call{self._calls}.err")
        with open(out_path, "w+") as out_f, open(err_path, "w+") as err_f:
            try:
                proc = subprocess.Popen(argv, stdin=subprocess.PIPE if input is not None else (stdin or subprocess.DEVNULL),
                                        stdout=stdout or out_f, stderr=stderr or err_f, cwd=cwd,
                                        start_new_session=True, text=True, pass_fds=pass_fds,
                                        restore_signals=restore_signals)
            except OSError as e:
                raise Fail(f"cannot execute {self.runtime}: {e.strerror}")
            self.spawned.add(proc.pid)  # (already there when the reaper runs: see start_reaper)
            try:
                if input is not None:
                    try:
                        proc.stdin.write(input)
                        proc.stdin.close()
                    except BrokenPipeError:
                        pass
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                raise Fail(f"`{args[0] if args else ''}` hung: no exit within {timeout:g} s (killed)")
            out_f.seek(0)
            err_f.seek(0)
            return Result(argv, proc.returncode, out_f.read(), err_f.read())

    def create(self, bundle, cid=None, console_socket=None, pid_file=None, extra=(), cwd=None, **popen):
        """create the container; Fail unless it succeeds. Its stdio goes to files (Container.output())."""
        res, c = self.try_create(bundle, cid, console_socket, pid_file, extra, cwd, **popen)
        if res.rc != 0:
            raise Fail(f"create failed (exit {res.rc}): {res.why()}")
        return c

    def try_create(self, bundle, cid=None, console_socket=None, pid_file=None, extra=(), cwd=None, **popen):
        """create, returning (Result, Container) whatever happened."""
        bundle.save()
        cid = cid or self.new_id()
        self.containers.append(cid)
        self.deleted.discard(cid)  # an id can be reused after delete
        c = Container(self, cid, bundle)
        args = ["create", "--bundle", bundle.path if cwd is None else ".", *extra]
        if console_socket:
            args += ["--console-socket", console_socket]
        if pid_file:
            args += ["--pid-file", pid_file]
        with open(c.out_path, "w") as out, open(c.err_path, "w") as err:
            res = self.rt(*args, cid, stdout=out, stderr=err, cwd=cwd or bundle.path, **popen)
        res.err = c.stderr()
        res.out = c.output()
        return res, c

    def run(self, bundle, timeout=None):
        """create, start, wait for exit, delete: returns the exited Container (exit_code, output())."""
        c = self.create(bundle)
        c.start()
        c.wait(timeout)
        c.delete()
        return c

    def state(self, cid):
        res = self.rt("state", cid)
        if res.rc != 0:
            raise Fail(f"state {cid} failed (exit {res.rc}): {res.why()}")
        try:
            return json.loads(res.out)
        except ValueError:
            raise Fail(f"state {cid} printed no JSON: {res.out[:200]!r}")

    # -------------------------------------------------------------- checks
    def check(self, condition, message):
        if not condition:
            raise Fail(message)

    def eq(self, actual, expected, what):
        if actual != expected:
            raise Fail(f"{what}: expected {expected!r}, got {actual!r}")

    def refused(self, res, what):
        """The runtime must have refused (non-zero exit)."""
        if res.rc == 0:
            raise Fail(f"{what} was accepted (exit 0)")

    def start_reaper(self):
        """Reap orphans re-parented to us (we are pid 1 of the case's pid namespace) as a
        subreaper like containerd's shim would: an unreaped zombie container process looks alive
        to `kill`/`delete`. Exit statuses are kept for Container.wait().

        Children this process starts itself (every subprocess.Popen, patched here) are left to
        their Popen: a reaped one would report exit status 0. A lock makes "started" and
        "registered as ours" one step, so the reaper never sees one without the other."""
        import threading
        me = os.getpid()
        lock = threading.Lock()
        spawned = self.spawned
        original_init = subprocess.Popen.__init__

        def init(popen, *args, **kwargs):
            with lock:
                original_init(popen, *args, **kwargs)
                spawned.add(popen.pid)

        subprocess.Popen.__init__ = init

        def loop():
            while True:
                with lock:
                    for pid in host.pids():
                        if pid == me or pid in spawned or pid in self.reaped:
                            continue
                        if host.zombie_child_of(pid, me):
                            status = waitpid_status(pid)
                            if status is not None:
                                self.reaped[pid] = status
                time.sleep(0.01)

        self._reaper = threading.Thread(target=loop, daemon=True)
        self._reaper.start()

    def skip(self, reason):
        raise Skip(reason)

    def note(self, text):
        self.notes.append(text)

    # -------------------------------------------------------------- host facts for skips
    def need_v1(self, controller, file=None):
        point = host.cgroup_mounts().get(controller)
        if not point:
            self.skip(f"cgroup v1 controller {controller} not mounted on this host")
        if file and not os.path.exists(os.path.join(point, file)):
            self.skip(f"cgroup v1 file {controller}/{file} not available on this host")
        return point

    def need_v2(self, controller=None):
        if host.cgroup_version() != "v2":
            self.skip(f"cgroup v2 {'controller ' + controller if controller else ''} not available: "
                      f"this host is {host.cgroup_version()} (v1 controllers in use)".replace("  ", " "))
        if controller and controller not in host.v2_controllers():
            self.skip(f"cgroup v2 controller {controller} not available on this host")

    def need_v1_host(self):
        if host.cgroup_version() == "v2":
            self.skip("cgroup v1 not available: this host is cgroup v2 only")


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        proc.kill()
    except OSError:
        pass
    try:
        proc.wait(timeout=5)
    except Exception:
        pass


class Container:
    def __init__(self, trial, cid, bundle):
        self.trial = trial
        self.id = cid
        self.bundle = bundle
        n = len(trial.containers)
        self.out_path = os.path.join(trial.workdir, f"container{n}.out")
        self.err_path = os.path.join(trial.workdir, f"container{n}.err")
        self.exit_code = None
        self._pid = None

    @property
    def pid(self):
        """The container process's pid, from state (the spec's channel for it)."""
        if self._pid is None:
            pid = self.state().get("pid")
            self.trial.check(isinstance(pid, int) and pid > 0, f"state has no usable pid: {pid!r}")
            self._pid = pid
        return self._pid

    def state(self):
        return self.trial.state(self.id)

    def start(self):
        self.pid  # learn it while the process exists
        res = self.trial.rt("start", self.id)
        if res.rc != 0:
            raise Fail(f"start failed (exit {res.rc}): {res.why()}")
        return res

    def kill(self, sig="KILL", check=True):
        res = self.trial.rt("kill", self.id, str(sig))
        if check and res.rc != 0:
            raise Fail(f"kill {sig} failed (exit {res.rc}): {res.why()}")
        return res

    def delete(self, force=False, check=True):
        res = self.trial.rt("delete", *(["--force"] if force else []), self.id)
        if res.rc == 0:
            self.trial.deleted.add(self.id)
        if check and res.rc != 0:
            raise Fail(f"delete failed (exit {res.rc}): {res.why()}")
        return res

    def wait(self, timeout=None):
        """Wait for the container process to exit; reap it (the harness is the subreaper) for its code."""
        pid = self.pid
        deadline = time.monotonic() + (timeout or self.trial.timeout)
        while time.monotonic() < deadline:
            status = self.trial.reaped.get(pid)
            if status is None:
                try:
                    got, status = os.waitpid(pid, os.WNOHANG)
                    if got != pid:
                        status = None
                except ChildProcessError:
                    status = self.trial.reaped.get(pid)
                    if status is None and not host.alive(pid) and pid not in self.trial.reaped:
                        time.sleep(0.03)  # the reaper may be storing it right now
                        status = self.trial.reaped.get(pid)
                        if status is None:
                            return None
            if status is not None:
                self.exit_code = os.waitstatus_to_exitcode(status)
                if self.exit_code < 0:
                    self.exit_code = 128 - self.exit_code
                return self.exit_code
            time.sleep(0.01)
        raise Fail(f"container process {pid} still running after {timeout or self.trial.timeout:g} s")

    def output(self):
        try:
            with open(self.out_path) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def stderr(self):
        try:
            with open(self.err_path) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_output(self, marker, timeout=None):
        """Wait until the container printed `marker` on stdout (the probe says it is ready)."""
        deadline = time.monotonic() + (timeout or self.trial.timeout)
        while time.monotonic() < deadline:
            text = self.output()
            if marker in text:
                return text
            time.sleep(0.01)
        raise Fail(f"the container never printed {marker!r}; stdout {self.output()[-200:]!r}, "
                   f"stderr {self.stderr()[-200:]!r}")


def waitpid_status(pid):
    """Reap a child (or adopted orphan) without blocking; None if it has not exited."""
    try:
        got, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return None
    return status if got == pid else None


__all__ = ["Trial", "Container", "Result", "Fail", "Skip"]
