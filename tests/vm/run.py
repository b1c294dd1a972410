"""Run one command inside the pure cgroup v2 test VM and hand back its exit code and output.

    python -m tests.vm.run [--timeout S] [--boot-timeout S] [--env K=V] [--expose DIR] -- CMD ARGS...
    run_in_vm(argv, timeout) -> VMRun(exit_code, stdout, stderr, ...)

qemu (TCG: this machine's /dev/kvm cannot boot a stock kernel) boots Debian's kernel with the
host's / shared read-only over virtio-9p under a tmpfs overlay, so the checkout, the venv and every
tool sit at the same paths inside and nothing the guest does reaches the host. The command runs
in the same cwd with a small environment (PATH, HOME, TMPDIR=/tmp on a tmpfs), no TTY and no stdin,
its stdout/stderr/exit status carried back over virtio-serial ports into files. A boot that has
not started the command within boot_timeout is killed and retried (a rare TCG hang seen before
the kernel prints anything); the overall timeout kills qemu. qemu never outlives this call, nor
the calling process (PR_SET_PDEATHSIG).
"""

import argparse
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from tests.vm import cache

QEMU = "qemu-system-x86_64"
CHECKOUT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
GUEST_BUSYBOX = "/run/pyrun-vm/busybox"   # where guest_init.sh puts its busybox
POLL = 0.05
# The guest mounts its own tmpfs here, hiding the host's content; host paths under them that the
# command needs (its cwd, say) are overlaid back from the host (see guest_init.sh).
GUEST_TMPFS = ("/tmp", "/var/tmp", "/run", "/dev/shm")


class VMError(Exception):
    """The VM could not run the command (no qemu, boot failures, the guest died); carries the
    command's partial output and the tail of the guest console."""

    def __init__(self, message, stdout="", stderr="", console="", attempts=0):
        super().__init__(message + (f"\n--- guest console (tail) ---\n{console[-3000:]}" if console else ""))
        self.stdout, self.stderr, self.console, self.attempts = stdout, stderr, console, attempts


class VMTimeout(VMError):
    """The overall timeout expired; qemu was killed."""


class VMUnavailable(VMError):
    """qemu is missing: callers skip rather than fail."""


@dataclass
class VMRun:
    exit_code: int
    stdout: str
    stderr: str
    attempts: int = 1             # boots tried (a hung boot is retried)
    boot_seconds: float = 0.0     # qemu start -> the command starts, on the boot that worked
    command_seconds: float = 0.0  # the command starts -> it exits (host clock, ±0.1 s)
    total_seconds: float = 0.0    # the whole call, cache check and hung boots included
    console: str = field(default="", repr=False)


def job_script(argv, cwd, env):
    """The guest's job: cd, then exec the command with exactly env. Quoted for any argv."""
    if not argv:
        raise ValueError("run_in_vm: empty command")
    assignments = " ".join(shlex.quote(f"{k}={v}") for k, v in env.items())
    command = " ".join(shlex.quote(a) for a in argv)
    return (f"cd {shlex.quote(cwd)} || exit 125\n"
            f"exec {GUEST_BUSYBOX} env -i {assignments} {command}\n")


def hidden_paths(paths):
    """The given host paths that a guest tmpfs would hide, outermost first, without duplicates."""
    hidden = []
    for path in sorted({os.path.abspath(p) for p in paths}):
        if any(path == t or path.startswith(t + "/") for t in GUEST_TMPFS) and path not in GUEST_TMPFS:
            if not any(path.startswith(h + "/") for h in hidden):
                if any(c in path for c in ",:\n") or not os.path.isdir(path):
                    raise VMError(f"cannot show the host's {path!r} in the guest: not a directory, "
                                  f"or a ',' or ':' in the name (overlayfs options)")
                hidden.append(path)
    return hidden


def guest_env(extra=None):
    env = {"PATH": os.environ.get("PATH") or DEFAULT_PATH, "HOME": "/root", "TMPDIR": "/tmp",
           "LANG": "C.UTF-8", "PYRUN_TEST_VM": "1"}
    env.update(extra or {})
    return env


def qemu_argv(image, jobdir, memory_mib, cpus, paused=False):
    f = lambda name: os.path.join(jobdir, name)  # noqa: E731
    # clocksource=hpet: the guest calibrates its TSC with timing loops, which a busy host upsets
    # (a guest clock running ~3x fast was seen); qemu's HPET follows the host's clock whatever the
    # load, so sleeps and timeouts inside stay true.
    append = (f"console=ttyS0 quiet loglevel=4 panic=-1 cgroup_no_v1=all mitigations=off "
              f"clocksource=hpet pyrunvm.job={jobdir} pyrunvm.modules={image.modules_dir}")
    argv = [QEMU, "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            # qemu64 over "max": glibc then picks its SSE2 string functions, which TCG emulates
            # faster than the AVX2 ones (imports -18 %, a Python loop -25 %, measured A/B).
            "-machine", "pc", "-accel", "tcg,thread=multi", "-cpu", "qemu64",
            "-smp", str(cpus), "-m", str(memory_mib),
            "-kernel", image.vmlinux, "-initrd", image.initramfs, "-append", append,
            "-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap",
            "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot",
            "-device", "virtio-serial-pci"]
    for port in ("stdout", "stderr", "status"):
        argv += ["-chardev", f"file,id={port},path={f(port)}",
                 "-device", f"virtserialport,chardev={port},name=pyrun.{port}"]
    argv += ["-chardev", f"file,id=console,path={f('console')}", "-serial", "chardev:console"]
    if paused:
        argv.append("-S")   # the CPUs never start: a boot that hangs before printing anything
    return argv


def _die_with_us():
    """A preexec_fn giving the child PR_SET_PDEATHSIG=SIGKILL, so qemu dies even if we are killed
    with SIGKILL (no finally runs then). Imported here, in the parent: never import after fork."""
    from runtime import linux
    return lambda: linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except FileNotFoundError:
        return ""


class _Echo:
    """Copies what the guest wrote so far to our own stdout/stderr (for the CLI)."""

    def __init__(self, jobdir):
        self.sources = [(os.path.join(jobdir, "stdout"), sys.stdout), (os.path.join(jobdir, "stderr"), sys.stderr)]
        self.offsets = [0, 0]

    def pump(self):
        for i, (path, sink) in enumerate(self.sources):
            try:
                with open(path, "rb") as f:
                    f.seek(self.offsets[i])
                    data = f.read()
            except FileNotFoundError:
                continue
            if data:
                self.offsets[i] += len(data)
                sink.buffer.write(data)
                sink.flush()


def _boot_once(image, jobdir, deadline, boot_timeout, memory_mib, cpus, paused, echo):
    """One qemu run, killed and reaped before this returns. Returns ("exit", (code, boot_seconds,
    command_seconds)),
    ("timeout", boot_seconds), ("hung", why) for a boot worth retrying, or ("failed", why)."""
    for name in ("stdout", "stderr", "status", "console"):
        open(os.path.join(jobdir, name), "wb").close()
    echoer = _Echo(jobdir) if echo else None
    started_at = time.monotonic()
    with open(os.path.join(jobdir, "qemu.log"), "wb") as qemu_log:
        qemu = subprocess.Popen(qemu_argv(image, jobdir, memory_mib, cpus, paused),
                                stdin=subprocess.DEVNULL, stdout=qemu_log, stderr=qemu_log,
                                preexec_fn=_die_with_us(), close_fds=True)
    boot_seconds = command_seconds = None
    try:
        while True:
            exited = qemu.poll() is not None
            status = _read(os.path.join(jobdir, "status"))
            if echoer:
                echoer.pump()
            if boot_seconds is None and "start\n" in status:
                boot_seconds = time.monotonic() - started_at
            if command_seconds is None and boot_seconds is not None and "exit " in status:
                command_seconds = time.monotonic() - started_at - boot_seconds
            if exited:
                break
            now = time.monotonic()
            if now > deadline:
                return "timeout", boot_seconds
            if boot_seconds is None and now - started_at > boot_timeout:
                return "hung", f"the command had not started {boot_timeout:.0f} s after qemu did"
            time.sleep(POLL)
    finally:
        if qemu.poll() is None:
            qemu.kill()
        qemu.wait()
        if echoer:
            echoer.pump()
    for line in status.splitlines():
        if line.startswith("exit "):
            return "exit", (int(line.split()[1]), boot_seconds, command_seconds or 0.0)
        if line.startswith("fail "):
            return "failed", f"guest init failed: {line[5:]}"
    log = _read(os.path.join(jobdir, "qemu.log")).strip()
    if boot_seconds is None:
        return "hung", f"qemu exited {qemu.returncode} before the command started" + (f": {log}" if log else "")
    return "failed", f"the guest stopped during the command (qemu exited {qemu.returncode})" + (f": {log}" if log else "")


def run_in_vm(argv, timeout=600, *, cwd=None, env=None, expose=(), boot_timeout=60, tries=3, memory_mib=1024,
              cpus=2, echo=False, _hang_attempts=0):
    """Boot the VM, run argv in cwd (default: ours) with guest_env(env), power off.

    Every host path is at the same place in the guest (read-only underneath, writable on top),
    except under the guest's own tmpfs mounts (/tmp, /var/tmp, /run, /dev/shm): cwd, this checkout
    and the directories in expose are brought back there too.

    Returns VMRun; raises VMUnavailable (no qemu / cache tools), VMTimeout (qemu killed after
    timeout seconds in all) or VMError. _hang_attempts makes that many first boots hang (qemu -S),
    for the tests of the retry path."""
    began = time.monotonic()
    deadline = began + timeout
    if shutil.which(QEMU) is None:
        raise VMUnavailable(f"{QEMU} not found: install qemu-system-x86 (setup.sh does)")
    cwd = os.path.abspath(cwd or os.getcwd())
    try:
        image = cache.prepare()
    except cache.CacheError as e:
        raise VMError(f"preparing the VM cache: {e}") from e
    base = tempfile.gettempdir()
    if any(c.isspace() for c in base + image.modules_dir):
        raise VMError(f"paths with white space cannot go on the kernel command line: {base!r}, {image.modules_dir!r}")
    jobdir = tempfile.mkdtemp(prefix="pyrun-vm-", dir=base)
    try:
        with open(os.path.join(jobdir, "job.sh"), "w") as f:
            f.write(job_script(list(argv), cwd, guest_env(env)))
        with open(os.path.join(jobdir, "expose"), "w") as f:
            # The checkout (venv, launchers) too: CI may clone it under /tmp, which the guest covers.
            f.writelines(p + "\n" for p in hidden_paths([cwd, CHECKOUT, *expose]))
        problems = []
        for attempt in range(1, tries + 1):
            outcome, detail = _boot_once(image, jobdir, deadline, boot_timeout, memory_mib, cpus,
                                         paused=attempt <= _hang_attempts, echo=echo)
            output = dict(stdout=_read(os.path.join(jobdir, "stdout")), stderr=_read(os.path.join(jobdir, "stderr")),
                          console=_read(os.path.join(jobdir, "console")))
            if outcome == "exit":
                code, boot_seconds, command_seconds = detail
                return VMRun(code, output["stdout"], output["stderr"], attempt, boot_seconds, command_seconds,
                             time.monotonic() - began, output["console"])
            if outcome == "timeout":
                raise VMTimeout(f"timed out after {timeout} s (boot {attempt}); qemu was killed: {shlex.join(argv)}",
                                attempts=attempt, **output)
            if outcome == "failed":
                raise VMError(f"{detail}: {shlex.join(argv)}", attempts=attempt, **output)
            problems.append(f"boot {attempt}: {detail}")
        raise VMError(f"the VM did not start the command in {tries} boots: " + "; ".join(problems),
                      attempts=tries, **output)
    finally:
        shutil.rmtree(jobdir, ignore_errors=True)


def main(args=None):
    parser = argparse.ArgumentParser(prog="python -m tests.vm.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=600, help="seconds for everything (default 600)")
    parser.add_argument("--boot-timeout", type=float, default=60,
                        help="seconds for a boot to start the command before it is retried (default 60)")
    parser.add_argument("--tries", type=int, default=3, help="boots to try (default 3)")
    parser.add_argument("--memory", type=int, default=1024, help="guest memory in MiB (default 1024)")
    parser.add_argument("--env", action="append", default=[], metavar="K=V", help="extra guest environment")
    parser.add_argument("--expose", action="append", default=[], metavar="DIR",
                        help="a host directory under /tmp, /var/tmp, /run or /dev/shm the command needs "
                             "(the guest mounts its own tmpfs there; the cwd is exposed anyway)")
    parser.add_argument("--prepare", action="store_true", help="only fetch and build the cache, then exit")
    parser.add_argument("command", nargs="*")
    opts = parser.parse_args(args)
    # SIGTERM unwinds like Ctrl-C, so run_in_vm's cleanup kills qemu and removes the job dir.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if opts.prepare:
        try:
            image = cache.prepare()
        except cache.CacheError as e:
            print(f"pyrun-vm: {e}", file=sys.stderr)
            return 125
        print(f"kernel {image.kernel_version}: {image.vmlinux}\ninitramfs: {image.initramfs}")
        return 0
    if not opts.command:
        parser.error("no command given (put it after --)")
    extra = {}
    for item in opts.env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            parser.error(f"--env {item!r}: expected K=V")
        extra[key] = value
    try:
        result = run_in_vm(opts.command, opts.timeout, env=extra, expose=opts.expose, boot_timeout=opts.boot_timeout,
                           tries=opts.tries, memory_mib=opts.memory, echo=True)
    except VMTimeout as e:
        print(f"pyrun-vm: {e}", file=sys.stderr)
        return 124
    except (VMError, cache.CacheError) as e:
        print(f"pyrun-vm: {e}", file=sys.stderr)
        return 125
    print(f"pyrun-vm: exit {result.exit_code}, boot {result.boot_seconds:.1f} s, command {result.command_seconds:.1f} s, "
          f"total {result.total_seconds:.1f} s, {result.attempts} boot(s)", file=sys.stderr)
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
