"""Known runtime attacks, tried from inside a container, must fail."""

import os
import subprocess
import time

import pytest

from testlib import PYRUN, PYRUN_PYTHON, leftovers, needs_root

pytestmark = needs_root

# Inside the container: watch every process that appears and try to reach its executable through
# /proc/PID/exe, as the CVE-2019-5736 exploit does with the runtime's own process. Any success is
# printed as "REACHED <target>".
WATCHER = r"""
end=$(( $(date +%s) + 120 ))
while [ ! -e /stop ] && [ $(date +%s) -lt $end ]; do
  for p in /proc/[0-9]*; do
    t=$(readlink $p/exe 2>/dev/null) || continue
    case "$t" in /bin/busybox|"") ;; *) echo "REACHED $t"; cat $p/exe >/dev/null 2>&1 && echo "READ $t";; esac
  done
done
echo watcher-done
"""


def test_runtime_processes_in_the_container_are_not_reachable_through_proc(pyrun, make_bundle):
    bundle = make_bundle(args=["sh", "-c", WATCHER])
    cid = pyrun.new_id()
    watcher = subprocess.Popen(pyrun.cmd("run", "-b", bundle.path, cid), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        probe = pyrun("state", cid, check=False)
        if probe.returncode == 0 and '"running"' in probe.stdout:
            break
        time.sleep(0.05)
    # Each exec puts a runtime (Python) process into the container's pid namespace until it execs.
    for _ in range(15):
        pyrun("exec", cid, "true")
    with open(os.path.join(bundle.rootfs, "stop"), "w"):
        pass                         # the watcher ends after its current sweep
    out, err = watcher.communicate(timeout=150)
    assert "watcher-done" in out, err
    assert "REACHED" not in out and "READ" not in out, out


def test_created_init_is_not_reachable_by_a_process_with_its_uid_and_caps(pyrun, make_bundle):
    """The created (not yet started) init is our interpreter. Give the container every capability
    but CAP_SYS_PTRACE and keep it root: a process exec'd into it then passes the kernel's uid and
    capability-subset checks for ptrace access, so only the init being non-dumpable keeps it
    from /proc/1/exe (a uid switch would make the kernel reset dumpability by itself)."""
    from runtime.capabilities import CAP_NAMES, last_cap
    with open("/proc/self/status") as f:
        host_bounding = int(next(line for line in f if line.startswith("CapBnd:")).split()[1], 16)
    caps = [name for number, name in enumerate(CAP_NAMES[:last_cap() + 1])
            if name != "CAP_SYS_PTRACE" and host_bounding & (1 << number)]
    bundle = make_bundle(args=["sleep", "100"])
    bundle.config["process"]["capabilities"] = {"bounding": caps, "effective": caps, "permitted": caps}
    bundle.save()
    cid = pyrun.new_id()
    pyrun("create", "-b", bundle.path, cid)
    pid = pyrun.state(cid)["pid"]
    # our interpreter: with CAP_LINUX_IMMUTABLE among its capabilities, a sealed copy of it
    assert os.readlink(f"/proc/{pid}/exe") in (PYRUN_PYTHON, "/memfd:pyrun (deleted)")
    out = pyrun("exec", cid, "sh", "-c", "readlink /proc/1/exe || echo denied").stdout
    assert out.split() == ["denied"], out


def test_no_host_fd_or_cwd_through_create_and_start(pyrun, make_bundle, tmp_path):
    """CVE-2024-21626 through the two-step path the engines use: extra inheritable fds (a directory,
    as the leaked fd of that attack was) open in the caller of create and of start, and a host cwd."""
    out_file = tmp_path / "out"
    bundle = make_bundle(args=["sh", "-c", "ls /proc/self/fd; readlink /proc/self/cwd"])
    host_dir = os.open(str(tmp_path), os.O_RDONLY | os.O_DIRECTORY)
    cid = pyrun.new_id()
    try:
        with open(out_file, "w") as out:
            subprocess.run(pyrun.cmd("create", "-b", bundle.path, cid), pass_fds=(host_dir,), cwd=str(tmp_path),
                           stdin=subprocess.DEVNULL, stdout=out, stderr=out, check=True, timeout=60)
        pyrun("start", cid, pass_fds=(host_dir,), cwd=str(tmp_path))
    finally:
        os.close(host_dir)
    deadline = time.monotonic() + 10
    while pyrun.state(cid)["status"] != "stopped" and time.monotonic() < deadline:
        time.sleep(0.02)
    lines = out_file.read_text().split()
    assert lines == ["0", "1", "2", "3", "/"], lines    # 3 is ls's own directory fd


# CVE-2019-5736 as published: the image replaces a program with a script whose interpreter is
# `/proc/self/exe`. When the runtime's process execs it in the container, the kernel resolves that
# link in the runtime's own process, so the container gets the runtime's executable (for pyrun, its
# Python interpreter) as a process of its own, dumpable, with the container's root. The exploit
# then reopens that file for writing once no process runs it, and the next `pyrun` runs its code
# on the host. The script below, given the file as TARGET, prints SEALED for a sealed memfd;
# otherwise it clears the immutable flag if it can (what CAP_LINUX_IMMUTABLE allows:
# "CLEARED-IMMUTABLE"), then reopens the file for writing, writes nothing and prints the open's
# errno. ETXTBSY (busy only while something runs it) or success mean the file is writable; EROFS
# (a read-only mount) and EPERM (immutable, without that capability) do not.
EVIL_SCRIPT = """#!/proc/self/exe -IS
import errno, fcntl, os
exe = os.open("TARGET", os.O_RDONLY)
try:
    sealed = fcntl.fcntl(exe, fcntl.F_GET_SEALS) & fcntl.F_SEAL_WRITE
except OSError:
    sealed = 0
if sealed:
    print("SEALED")
else:
    flags = bytearray(8)
    try:
        fcntl.ioctl(exe, 0x80086601, flags)      # FS_IOC_GETFLAGS
        if flags[0] & 0x10:                      # FS_IMMUTABLE_FL
            flags[0] &= ~0x10
            fcntl.ioctl(exe, 0x40086602, flags)  # FS_IOC_SETFLAGS
            print("CLEARED-IMMUTABLE")
    except OSError:
        pass
    try:
        os.close(os.open(f"/proc/self/fd/{exe}", os.O_WRONLY))
        print("OPENED-FOR-WRITE")
    except OSError as e:
        print(errno.errorcode[e.errno])
"""
# The container's pid 1 as the host's interpreter, waiting: what a later process attacks.
HOLD_SCRIPT = """#!/proc/self/exe -IS
import time
time.sleep(100)
"""
SAFE = (["EROFS"], ["SEALED"], ["EPERM"])


def _bundle_running_the_hosts_interpreter(make_bundle, args):
    """A busybox bundle with the host's /usr bound read-only (the interpreter's libraries and
    standard library, as an image with Python would bring its own), the evil script at /evil
    (aimed at its own executable) and at /evil-pid1 (at pid 1's), and /hold."""
    bundle = make_bundle(args=args)
    for link, target in (("lib", "usr/lib"), ("lib64", "usr/lib64")):
        if os.path.isdir(f"/{link}") and not os.path.lexists(os.path.join(bundle.rootfs, link)):
            os.symlink(target, os.path.join(bundle.rootfs, link))
    bundle.config["mounts"].append({"destination": "/usr", "type": "bind", "source": "/usr",
                                    "options": ["rbind", "ro"]})
    bundle.save()
    for name, text in (("evil", EVIL_SCRIPT.replace("TARGET", "/proc/self/exe")),
                       ("evil-pid1", EVIL_SCRIPT.replace("TARGET", "/proc/1/exe")), ("hold", HOLD_SCRIPT)):
        with open(os.path.join(bundle.rootfs, name), "w") as f:
            f.write(text)
        os.chmod(os.path.join(bundle.rootfs, name), 0o755)
    return bundle


def _run(cmd, *args):
    return subprocess.run(cmd(*args), capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)


def _run_quiet(cmd, *args):
    """For create and run -d, output to /dev/null: the container keeps what it is given open (a
    pipe here would never see its end). The exit status."""
    return subprocess.run(cmd(*args), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=60).returncode


def _run_evil_as_init_and_by_exec(rt, make_bundle, cmd=None):
    """The evil script as the container's program, then through exec (directly and as
    /proc/self/exe's script): what each printed."""
    cmd = cmd or rt.cmd
    bundle = _bundle_running_the_hosts_interpreter(make_bundle, ["/evil"])
    out = _run(cmd, "run", "-b", bundle.path, rt.new_id())
    outputs = [("init", out.stdout.split(), out.stderr)]
    bundle = _bundle_running_the_hosts_interpreter(make_bundle, ["sleep", "100"])
    cid = rt.new_id()
    assert _run_quiet(cmd, "run", "-d", "-b", bundle.path, cid) == 0
    for program in (["/evil"], ["/proc/self/exe", "-IS", "/evil"]):
        out = _run(cmd, "exec", cid, *program)
        outputs.append((program[0], out.stdout.split(), out.stderr))
    return outputs


def test_runtime_executable_cannot_be_overwritten_through_proc_self_exe(pyrun, make_bundle):
    for where, printed, err in _run_evil_as_init_and_by_exec(pyrun, make_bundle):
        assert printed in SAFE, (where, printed, err)


def test_setup_installs_the_launchers_interpreter_read_only_and_immutable():
    from runtime import sealed_exe
    assert PYRUN_PYTHON == sealed_exe.INSTALLED
    fd = os.open(PYRUN_PYTHON, os.O_RDONLY)
    try:
        assert sealed_exe.seal_of(fd) == "read-only", f"{PYRUN_PYTHON} is not bound read-only: run setup.sh"
    finally:
        os.close(fd)
    assert "i" in subprocess.run(["lsattr", PYRUN_PYTHON], capture_output=True, text=True).stdout.split()[0]


@pytest.fixture
def private_interpreter(tmp_path):
    """private_interpreter(read_only) -> (launcher, interpreter): a launcher like setup.sh's on an
    immutable copy of the interpreter of our own (bound read-only over itself if asked), so that a
    failing test can only ever clear the flag of, or write, that copy."""
    made = []

    def make(read_only):
        home = tmp_path / f"interp{len(made)}"
        (home / "bin").mkdir(parents=True)
        (home / "pyvenv.cfg").write_text("home = /usr/bin\n")
        python = home / "bin" / "python3"
        subprocess.run(["cp", os.path.realpath("/usr/bin/python3"), str(python)], check=True)
        with open(PYRUN) as f:
            body = f.read().split("\n", 1)[1]
        launcher = home / "pyrun"
        launcher.write_text(f"#!{python} -IS\n{body}")
        launcher.chmod(0o755)
        made.append(str(python))
        if subprocess.run(["chattr", "+i", str(python)], capture_output=True).returncode != 0:
            pytest.skip("chattr +i does not work here (filesystem or CAP_LINUX_IMMUTABLE)")
        if read_only:
            subprocess.run(["mount", "--bind", str(python), str(python)], check=True)
            subprocess.run(["mount", "-o", "remount,bind,ro", str(python)], check=True)
        return str(launcher), str(python)

    yield make
    for python in made:
        while subprocess.run(["mountpoint", "-q", python]).returncode == 0:
            subprocess.run(["umount", "-l", python], check=True)
        subprocess.run(["chattr", "-i", python], check=False)


def test_a_process_given_cap_linux_immutable_later_cannot_unseal_the_interpreter(pyrun, make_bundle,
                                                                                 private_interpreter):
    """Found in review: the immutable flag alone gives way to CAP_LINUX_IMMUTABLE. The container's
    pid 1 holds the host's interpreter (/hold); a process exec'd later with that capability
    attacks pid 1's executable. On a read-only mount it cannot clear the flag or write; an
    interpreter that is only immutable is not run from at all (a sealed memfd copy is)."""
    # read-only (and immutable): the flag stays (its ioctl is refused on a read-only mount), the
    # open for writing fails, on the flag (EPERM) or the mount (EROFS), whichever the kernel asks first
    for read_only, expected in ((True, (["EPERM"], ["EROFS"])), (False, (["SEALED"],))):
        launcher, python = private_interpreter(read_only)
        cmd = lambda *args: [launcher, "--root", pyrun.root, *args]   # noqa: E731
        bundle = _bundle_running_the_hosts_interpreter(make_bundle, ["/hold"])
        cid = pyrun.new_id()
        assert _run_quiet(cmd, "run", "-d", "-b", bundle.path, cid) == 0
        out = _run(cmd, "exec", "--cap", "CAP_LINUX_IMMUTABLE", cid, "/evil-pid1")
        assert out.stdout.split() in expected, (read_only, out.stdout, out.stderr)
        assert "i" in subprocess.run(["lsattr", python], capture_output=True, text=True).stdout.split()[0]


def test_a_writable_interpreter_reruns_from_a_sealed_copy(pyrun, make_bundle):
    """The same code run by the venv's interpreter (Debian's /usr/bin/python3.11, writable by root):
    create, run and exec re-execute from a sealed memfd copy (runc 1.1's way), so the container
    reaches only that; the re-executed command keeps its name, and a process.json piped to exec
    (read after the re-execution) arrives."""
    from runtime import sealed_exe
    venv_python = os.path.join(os.path.dirname(PYRUN), "python3")
    fd = os.open(venv_python, os.O_RDONLY)
    try:
        if sealed_exe.seal_of(fd) is not None:
            pytest.skip(f"{venv_python} is itself immutable or read-only here")
    finally:
        os.close(fd)
    cmd = lambda *args: [venv_python, "-IS", PYRUN, "--root", pyrun.root, *args]   # noqa: E731
    for where, printed, err in _run_evil_as_init_and_by_exec(pyrun, make_bundle, cmd):
        assert printed == ["SEALED"], (where, printed, err)
    bundle = make_bundle(args=["sleep", "100"])
    cid = pyrun.new_id()
    assert _run_quiet(cmd, "create", "-b", bundle.path, cid) == 0
    pid = pyrun.state(cid)["pid"]
    assert os.readlink(f"/proc/{pid}/exe").startswith("/memfd:pyrun")
    with open(f"/proc/{pid}/comm") as f:
        assert f.read().strip() == "python3"   # what it was called before, not the memfd's fd number
    pyrun("start", cid)
    process = '{"args": ["echo", "from-a-pipe"], "env": ["PATH=/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}}'
    out = subprocess.run(cmd("exec", "--process", "/dev/stdin", cid), input=process, capture_output=True,
                         text=True, timeout=60)
    assert out.stdout.strip() == "from-a-pipe", out.stderr


def test_the_read_only_bind_is_made_again_after_a_reboot(pyrun, make_bundle):
    """setup.sh's bind does not survive a reboot: the first create after one finds it gone, makes
    it and re-executes through it. Done in a mount namespace of its own, so the host's bind stays."""
    from runtime import sealed_exe
    bundle = make_bundle(args=["true"])
    script = (f'umount -l {sealed_exe.INSTALLED} && '
              f'findmnt -n {sealed_exe.INSTALLED} >/dev/null && echo still-bound; '
              f'"$@" && findmnt -n -o OPTIONS {sealed_exe.INSTALLED} | cut -d, -f1')
    out = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
                          *pyrun.cmd("run", "-b", bundle.path, pyrun.new_id())],
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode == 0 and out.stdout.split() == ["ro"], (out.stdout, out.stderr)


def test_a_re_execution_that_is_still_not_sealed_stops(pyrun, make_bundle):
    """No loop: a command that finds itself re-executed and still writable fails, saying so."""
    venv_python = os.path.join(os.path.dirname(PYRUN), "python3")
    bundle = make_bundle(args=["true"])
    cid = pyrun.new_id()
    out = subprocess.run([venv_python, "-IS", PYRUN, "--root", pyrun.root, "run", "-b", bundle.path, cid],
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                         env={**os.environ, "_PYRUN_SEALED_REEXEC": "pyrun"})
    assert out.returncode == 1 and "still neither on a read-only mount nor a sealed copy" in out.stderr, out
    assert leftovers(pyrun, cid, bundle) == []


def test_an_interpreter_on_a_read_only_mount_is_sealed(tmp_path):
    """A read-only bind over the file (setup.sh's seal, and the test VM's) is what counts."""
    from runtime import sealed_exe
    path = tmp_path / "python3"
    path.write_bytes(b"not an interpreter")
    fd = os.open(path, os.O_RDONLY)
    try:
        assert sealed_exe.seal_of(fd) is None
    finally:
        os.close(fd)
    subprocess.run(["mount", "--bind", path, path], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", path, path], check=True)
        fd = os.open(path, os.O_RDONLY)
        try:
            assert sealed_exe.seal_of(fd) == "read-only"
        finally:
            os.close(fd)
    finally:
        subprocess.run(["umount", "-l", path], check=True)


def test_procfs_writes_refuse_a_file_with_a_mount_over_it_or_its_path():
    """runtime.procfs, which sysctls and the LSM exec labels go through (CVE-2025-52881): in a
    private mount namespace, a procfs file bound over another, and a directory over /proc/sys/vm,
    are refused; the same files without them, and /proc/thread-self/attr/exec, open."""
    from testlib import ROOT
    script = f"""
import os, sys
sys.path.insert(0, {ROOT!r})
from runtime import procfs
from runtime.errors import SetupError
def opens(relative):
    try:
        os.close(procfs.open_for_write(relative))
        return "opens"
    except SetupError as err:
        return "refused" if "mounted over it" in err.message else err.message
print(opens("sys/kernel/domainname"), opens("sys/vm/overcommit_ratio"), opens("thread-self/attr/exec"))
os.system("mount --bind /proc/sys/kernel/hostname /proc/sys/kernel/domainname && mount -t tmpfs none /proc/sys/vm")
print(opens("sys/kernel/domainname"), opens("sys/vm/overcommit_ratio"), opens("thread-self/attr/exec"))
"""
    out = subprocess.run(["unshare", "--mount", "--propagation", "private", PYRUN_PYTHON, "-IS", "-c", script],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["opens opens opens", "refused refused opens"], out.stdout
