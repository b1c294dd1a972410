"""Helpers for the engine tests: running commands with timeouts, a private containerd and ctr bound to
one runtime, a private podman store and podman bound to one runtime, building the busybox OCI image,
and the careful teardown (processes found by our private paths, our cgroup trees, mounts under our dir).
"""

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DOCS = os.path.join(ROOT, "docs", "engines.md")
IMAGE = "localhost/busybox:latest"

sys.path.insert(0, os.path.join(ROOT, "tests"))  # tests/conftest.py puts it there too

from testlib import IS_ROOT, PYRUN, RUNC, build_busybox_rootfs  # noqa: E402  (the shared test helpers)


def need(*binaries):
    if not IS_ROOT:
        pytest.skip("needs root (engines create namespaces, mounts and cgroups)")
    for b in binaries:
        if not shutil.which(b):
            pytest.skip(f"{b} is not installed (run setup.sh)")


def run(cmd, timeout=30, check=False, **kwargs):
    """subprocess.run with text output captured, no stdin, and a timeout that fails the test."""
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    if "input" not in kwargs:
        kwargs.setdefault("stdin", subprocess.DEVNULL)
    try:
        proc = subprocess.run(cmd, timeout=timeout, **kwargs)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"{' '.join(cmd)} did not finish in {timeout}s\n"
                             f"stdout: {e.stdout!r}\nstderr: {e.stderr!r}") from None
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}\n"
                             f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
    return proc


def in_tty(cmd, timeout=40, env=None):
    """Runs cmd (a list) on a fresh pty under `script -qec`; returns (rc, non-empty output lines).

    The pty turns each newline into CR LF (twice over, through the engine's own pty), and script
    echoes the EOF of its empty stdin as "^@": both are dropped.
    """
    proc = run(["script", "-qec", shlex.join(cmd), "/dev/null"], timeout=timeout, env=env)
    text = proc.stdout.replace("^@", "").replace("\0", "").replace("\r", "\n")
    return proc.returncode, [line for line in text.split("\n") if line]


def wait_for(predicate, timeout=20, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@dataclass
class RuntimeUnderTest:
    name: str      # "runc" or "pyrun"
    binary: str


def mounts_under(path):
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mountpoint = line.split()[4].replace("\\040", " ")
            if mountpoint == path or mountpoint.startswith(path + "/"):
                found.append(mountpoint)
    return found


def unmount_under(path):
    for _ in range(3):
        left = mounts_under(path)
        if not left:
            return
        for mp in sorted(left, key=len, reverse=True):
            subprocess.run(["umount", "-l", mp], capture_output=True)


def pids_whose_cmdline_has(needle):
    """Pids of processes whose command line mentions needle (one of our private paths)."""
    return [int(e) for e in os.listdir("/proc")
            if e.isdigit() and int(e) != os.getpid() and needle in cmdline_of(e)]


def cmdline_of(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def kill_pids(pids, sig=signal.SIGKILL):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def cgroup_dirs(name):
    """The dirs named /<name> in every cgroup hierarchy on this host (v1 controllers and the v2 one)."""
    dirs = []
    for hierarchy in os.listdir("/sys/fs/cgroup"):
        d = os.path.join("/sys/fs/cgroup", hierarchy, name.strip("/"))
        if os.path.isdir(d):
            dirs.append(d)
    return dirs


def remove_cgroup_trees(name):
    """Kills what is left in our cgroup trees, then removes them, deepest first."""
    for top in cgroup_dirs(name):
        for dirpath, _dirs, files in os.walk(top):
            if "cgroup.procs" in files:
                try:
                    with open(os.path.join(dirpath, "cgroup.procs")) as f:
                        kill_pids(int(p) for p in f.read().split())
                except OSError:
                    pass
    time.sleep(0.1)
    for top in cgroup_dirs(name):
        subdirs = [dirpath for dirpath, _d, _f in os.walk(top)]
        for d in sorted(subdirs, key=len, reverse=True):
            for _ in range(20):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)


def build_oci_archive(work, image=IMAGE, cmd=("sh",)):
    """A busybox-static OCI image made with umoci, exported with skopeo as an oci-archive named image."""
    layout = os.path.join(work, "oci")
    bundle = os.path.join(work, "bundle")
    archive = os.path.join(work, "busybox.tar")
    os.makedirs(work)
    run(["umoci", "init", "--layout", layout], check=True)
    run(["umoci", "new", "--image", f"{layout}:busybox"], check=True)
    run(["umoci", "unpack", "--image", f"{layout}:busybox", bundle], check=True)
    shutil.rmtree(os.path.join(bundle, "rootfs"))
    build_busybox_rootfs(os.path.join(bundle, "rootfs"))
    run(["umoci", "repack", "--image", f"{layout}:busybox", bundle], check=True)
    config = ["umoci", "config", "--image", f"{layout}:busybox",
              "--config.env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
    for arg in cmd:
        config += ["--config.cmd", arg]
    run(config, check=True)
    run(["skopeo", "copy", "-q", f"oci:{layout}:busybox", f"oci-archive:{archive}:{image}"], check=True)
    shutil.rmtree(bundle)
    return archive


CONTAINERD_CONFIG = """\
version = 2
root = "{dir}/root"
state = "{dir}/state"
disabled_plugins = [{disabled}]

[grpc]
  address = "{dir}/containerd.sock"
[ttrpc]
  address = "{dir}/containerd.sock.ttrpc"
[debug]
  address = "{dir}/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "{dir}/opt"
"""
NOT_HERE = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
            "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]


def shim_socket(cmdline):
    """The socket a containerd-shim-runc-v2 listens on, from its command line (containerd 1.6:
    /run/containerd/s/<sha256 of address/namespace/id>)."""
    import hashlib
    args = cmdline.split("\0")
    try:
        address, namespace, cid = (args[args.index(flag) + 1] for flag in ("-address", "-namespace", "-id"))
    except (ValueError, IndexError):
        return None
    return "/run/containerd/s/" + hashlib.sha256(f"{address}/{namespace}/{cid}".encode()).hexdigest()


class Containerd:
    """A private containerd daemon and ctr bound to it, in one namespace of its own."""

    def __init__(self, dir, extra_config="", cri=False):
        self.dir = dir
        self.sock = os.path.join(dir, "containerd.sock")
        self.namespace = "k8s.io" if cri else f"pyrun-eng-{uuid.uuid4().hex[:8]}"
        self.log_path = os.path.join(dir, "containerd.log")
        self.proc = None
        os.makedirs(dir, exist_ok=True)
        disabled = NOT_HERE if cri else ["io.containerd.grpc.v1.cri", *NOT_HERE]
        self.config_path = os.path.join(dir, "config.toml")
        with open(self.config_path, "w") as f:
            f.write(CONTAINERD_CONFIG.format(dir=dir, disabled=", ".join(f'"{p}"' for p in disabled)))
            f.write(extra_config)

    def start(self):
        with open(self.log_path, "ab") as log:
            # close_fds: the daemon (and through it the shims) must not inherit pytest's descriptors.
            self.proc = subprocess.Popen(["containerd", "--config", self.config_path], stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, close_fds=True, start_new_session=True)
        wait_for(lambda: self.proc.poll() is not None or run(["ctr", "-a", self.sock, "version"]).returncode == 0,
                 timeout=20, interval=0.1, what="containerd to serve")
        if self.proc.poll() is not None:
            raise RuntimeError(f"containerd exited {self.proc.returncode}:\n{self.log_tail()}")

    def log_tail(self, lines=30):
        try:
            with open(self.log_path) as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def log_about(self, cid, lines=10):
        try:
            with open(self.log_path) as f:
                found = [line for line in f if cid in line and ("level=error" in line or "level=warn" in line)]
        except OSError:
            return ""
        return "".join(found[-lines:])

    def ctr(self, *args, timeout=30, check=False, **kwargs):
        return run(["ctr", "-a", self.sock, "-n", self.namespace, *args], timeout=timeout, check=check, **kwargs)

    def bundle(self, cid):
        return os.path.join(self.dir, "state", "io.containerd.runtime.v2.task", self.namespace, cid)

    def shim_log(self, cid):
        """The runtime's --log file that the shim reads errors from (<bundle>/log.json)."""
        try:
            with open(os.path.join(self.bundle(cid), "log.json")) as f:
                return f.read()
        except OSError as e:
            return f"<no log.json: {e.strerror}>"

    def tasks(self):
        """{id: (pid, STATUS)} from `ctr task ls`."""
        out = self.ctr("task", "ls", check=True).stdout.splitlines()[1:]
        return {f[0]: (int(f[1]), f[2]) for f in (line.split() for line in out) if len(f) == 3}

    def status(self, cid):
        return self.tasks().get(cid, (0, None))[1]

    def remove(self, cid):
        """Best effort: a runtime that hangs must not stop the cleanup of the rest."""
        for args in (("task", "delete", "--force", cid), ("container", "delete", cid)):
            try:
                self.ctr(*args, timeout=10)
            except AssertionError:
                pass

    def stop(self):
        out = self.ctr("container", "ls", "-q").stdout.split()
        for cid in out:
            self.remove(cid)
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # Shims outlive the daemon; ours name our private socket on their command line, and the
        # runtime calls they made name our dir (--log <bundle>/log.json).
        shims = pids_whose_cmdline_has(self.sock)
        sockets = [shim_socket(cmdline_of(pid)) for pid in shims]
        kill_pids(shims)
        kill_pids(pids_whose_cmdline_has(self.dir))
        for path in sockets:
            # A killed shim cannot remove its socket; it sits in the shared /run/containerd/s.
            if path and os.path.exists(path):
                os.unlink(path)
        remove_cgroup_trees(self.namespace)


class Ctr:
    """ctr bound to the private containerd and to one runtime, through ctr's own runc options."""

    def __init__(self, daemon, runtime, dir):
        self.daemon = daemon
        self.runtime = runtime
        self.runc_root = os.path.join(dir, "runc-root")   # the shim adds /<namespace>
        self.fifo_dir = os.path.join(dir, "fifo")
        os.makedirs(self.fifo_dir, exist_ok=True)
        self.ids = []

    def new_id(self, case):
        cid = f"{case}-{self.runtime.name}-{uuid.uuid4().hex[:6]}"
        self.ids.append(cid)
        return cid

    def runtime_flags(self):
        return ["--runc-binary", self.runtime.binary, "--runc-root", self.runc_root, "--fifo-dir", self.fifo_dir]

    def run(self, cid, *cmd, opts=(), timeout=30):
        """`ctr run --rm` (or with opts like -d): returns the CompletedProcess."""
        rm = [] if "-d" in opts or "--detach" in opts else ["--rm"]
        return self.daemon.ctr("run", *rm, *self.runtime_flags(), *opts, IMAGE, cid, *cmd, timeout=timeout)

    def __call__(self, *args, **kwargs):
        return self.daemon.ctr(*args, **kwargs)

    def explain(self, cid):
        """What the runtime and the daemon said about cid: for assertion messages."""
        return (f"\n--- {self.runtime.name} log.json of {cid}:\n{self.daemon.shim_log(cid)}"
                f"\n--- containerd's warnings and errors about it:\n{self.daemon.log_about(cid)}")

    def cleanup(self):
        for cid in self.ids:
            # A runtime call still running now is hung (e.g. a start that never returns): end it,
            # or the shim cannot delete the task. Found by our private --root and the id.
            kill_pids(p for p in pids_whose_cmdline_has(os.path.join(self.runc_root, self.daemon.namespace))
                      if cid in cmdline_of(p))
            self.daemon.remove(cid)


CONTAINERS_CONF = """\
[containers]
log_driver = "k8s-file"
# root here lacks CAP_SYS_RESOURCE and the hard NOFILE limit is 20000: stay under it.
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
lock_type = "file"
events_logger = "file"
cgroup_manager = "cgroupfs"
runtime = "runc"
runtime_supports_json = ["crun", "runc", "kata", "runsc", "youki", "krun", "pyrun"]

[engine.runtimes]
runc = ["{runc}"]
pyrun = ["{pyrun}"]

[network]
network_config_dir = "{dir}/net"
"""


def runtime_state_mentioning(text, roots):
    """Container state dirs under the given runtime roots whose files mention text (our private dir)."""
    found = []
    needle = text.encode()
    for root in roots:
        try:
            names = os.listdir(root)
        except OSError:
            continue
        for name in names:
            d = os.path.join(root, name)
            try:
                files = os.listdir(d)
            except OSError:
                continue
            for f in files:
                path = os.path.join(d, f)
                # Regular files only: a created container's exec.fifo must never be opened here.
                if not os.path.isfile(path) or os.path.islink(path):
                    continue
                try:
                    with open(path, "rb") as fh:
                        if needle in fh.read(1 << 20):
                            found.append(d)
                            break
                except OSError:
                    continue
    return found


class PodmanStore:
    """A private podman store (root, runroot, tmpdir, containers.conf) shared by both runtimes."""

    def __init__(self, dir, conf_text=None):
        self.dir = dir
        self.cgroup_parent = f"/pyrun-eng-{uuid.uuid4().hex[:8]}"
        for sub in ("root", "runroot", "tmp", "net"):
            os.makedirs(os.path.join(dir, sub), exist_ok=True)
        self.conf = os.path.join(dir, "containers.conf")
        with open(self.conf, "w") as f:
            f.write(conf_text or CONTAINERS_CONF.format(dir=dir, runc=RUNC, pyrun=PYRUN))

    def base(self):
        return ["podman", "--root", f"{self.dir}/root", "--runroot", f"{self.dir}/runroot",
                "--tmpdir", f"{self.dir}/tmp", "--storage-driver", "overlay", "--cgroup-manager", "cgroupfs",
                "--events-backend", "file"]

    def env(self, conf=None):
        env = dict(os.environ)
        env["CONTAINERS_CONF"] = conf or self.conf
        return env

    def __call__(self, *args, timeout=30, conf=None, **kwargs):
        return run([*self.base(), *args], timeout=timeout, env=self.env(conf), **kwargs)

    def stop(self):
        self("rm", "--all", "--force", "--time", "0", timeout=60)
        # conmon and anything else still running from this store name its private paths.
        kill_pids(pids_whose_cmdline_has(self.dir))
        remove_cgroup_trees(self.cgroup_parent)
        # podman calls runtimes without --root: their state for our containers is in the default roots.
        left = runtime_state_mentioning(self.dir, ("/run/runc", "/run/pyrun"))
        for path in left:
            shutil.rmtree(path, ignore_errors=True)
        if left:
            import warnings
            warnings.warn(f"runtime state left behind by podman containers of this session (removed): {left}")


class Podman:
    """podman on the private store with `--runtime <path>` of the runtime under test."""

    def __init__(self, store, runtime):
        self.store = store
        self.runtime = runtime
        self.names = []

    def new_name(self, case):
        name = f"{case}-{self.runtime.name}-{uuid.uuid4().hex[:6]}"
        self.names.append(name)
        return name

    def cmd(self, *args):
        return [*self.store.base(), "--runtime", self.runtime.binary, *args]

    def __call__(self, *args, timeout=30, **kwargs):
        return run(self.cmd(*args), timeout=timeout, env=self.store.env(), **kwargs)

    def run_opts(self):
        """What every container needs here: no network (the default one changes iptables), our cgroup parent."""
        return ["--network", "none", "--cgroup-parent", self.store.cgroup_parent]

    def inspect(self, name):
        proc = self("inspect", name)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)[0]

    def explain(self, name):
        """The container's state and the runtime's --log (conmon's oci-log), for assertion messages."""
        proc = self("inspect", name)
        if proc.returncode != 0:
            return f"\n--- {name}: {proc.stderr.strip()}"
        info = json.loads(proc.stdout)[0]
        state = info.get("State", {})
        text = f"\n--- {name}: {state.get('Status')} exit {state.get('ExitCode')} error {state.get('Error')!r}"
        oci_log = os.path.join(self.store.dir, "runroot", "overlay-containers", info["Id"], "userdata", "oci-log")
        if os.path.exists(oci_log):
            with open(oci_log, errors="replace") as f:
                text += f"\n--- {self.runtime.name} --log (oci-log):\n{f.read()[-3000:]}"
        return text

    def cleanup(self):
        if self.names:
            try:
                self("rm", "--force", "--time", "0", *self.names, timeout=60)
            except AssertionError:
                pass  # the session teardown kills what is left




# ---------------------------------------------------------------- configs shown in docs/engines.md

DOCS_BINARY = "/usr/local/bin/pyrun"
DOCS_ROOT = "/run/containerd/pyrun"


def docs_block(name):
    """The fenced block that follows `<!-- tested: name -->` (or `<!-- shown: name -->`) in docs/engines.md."""
    with open(DOCS) as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines):
        if line.strip() in (f"<!-- tested: {name} -->", f"<!-- shown: {name} -->"):
            start = i + 1
            fence = lines[start].strip()
            indent = len(lines[start]) - len(lines[start].lstrip())
            assert fence.startswith("```"), f"docs/engines.md: no code block after the {name} marker"
            end = next(j for j in range(start + 1, len(lines)) if lines[j].strip() == "```")
            return "\n".join(line[indent:] for line in lines[start + 1:end]) + "\n"
    raise AssertionError(f"docs/engines.md has no block marked {name}")


# The CRI plugin on a private containerd: loopback streaming, CNI dirs of its own (pods use the
# host's network, so no CNI plugin runs), a sandbox image we build, and the oom_score_adj of the
# sandbox kept at containerd's own (root here lacks CAP_SYS_RESOURCE to lower it).
CRI_CONFIG = """
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{pause}"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{dir}/cni/bin"
    conf_dir = "{dir}/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
"""
