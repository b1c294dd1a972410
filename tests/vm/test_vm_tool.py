"""Tests of the test VM tool itself: the cache's pieces (cpio writer, module order, kernel
extraction), the job script, the host check, and real boots: output and exit code, quoting, cwd
and env, a read-only host, a hung boot retried, the overall timeout, no qemu left behind."""

import lzma
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from tests.vm import cache, host, run

CHECKOUT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_PYTHON = os.path.join(CHECKOUT, ".venv", "bin", "python3")

VM_MARKS = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the VM cache in /var/cache)"),
    pytest.mark.skipif(shutil.which(run.QEMU) is None, reason="qemu-system-x86_64 is missing"),
    pytest.mark.skipif(host.in_test_vm(), reason="already inside the test VM"),
    pytest.mark.slow,
]


def needs_vm(test):
    """Marks a test that boots the VM; it should also take the no_qemu_left fixture."""
    for mark in VM_MARKS:
        test = mark(test)
    return test


HYBRID_MOUNTINFO = """\
25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
33 25 0:28 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
34 33 0:29 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
35 33 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,memory
"""
PURE_MOUNTINFO = """\
25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
33 25 0:28 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
"""


def qemu_pids(jobs_dir):
    """Pids of the qemu processes booting a job made under jobs_dir (their kernel command line
    names it), so VMs that other people run at the same time are not counted."""
    needle = f"pyrunvm.job={jobs_dir}/".encode()
    pids = set()
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue
            if cmdline.startswith(run.QEMU.encode()) and needle in cmdline:
                pids.add(int(pid))
    return pids


@pytest.fixture
def no_qemu_left(tmp_path, monkeypatch):
    """The test's VM jobs go under its own directory; fails the test if a qemu started for one of
    them is still running when it ends. Yields that directory (the CLI test passes it as TMPDIR)."""
    jobs_dir = tmp_path / "vm-jobs"
    jobs_dir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(jobs_dir))
    yield str(jobs_dir)
    left = qemu_pids(str(jobs_dir))
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"qemu left running: {left}"
    assert os.listdir(jobs_dir) == [], "job directories left behind"


# --- pure pieces -------------------------------------------------------------------------------

def test_host_check_tells_hybrid_from_pure_v2(tmp_path):
    hybrid, pure = tmp_path / "hybrid", tmp_path / "pure"
    hybrid.write_text(HYBRID_MOUNTINFO)
    pure.write_text(PURE_MOUNTINFO)
    assert not host.is_pure_cgroup_v2(str(hybrid))
    assert host.is_pure_cgroup_v2(str(pure))
    assert host.cgroup_mounts(str(hybrid)) == [("/sys/fs/cgroup/unified", "cgroup2"), ("/sys/fs/cgroup/memory", "cgroup")]


def test_newc_archive_reads_back_with_cpio(tmp_path):
    if shutil.which("cpio") is None:
        pytest.skip("cpio is not installed")
    data = bytes(range(256)) * 3 + b"odd"
    archive = cache.newc_archive([("bin", 0o40755, None), ("bin/tool", 0o100755, data), ("init", 0o100644, b"#!x\n")])
    out = tmp_path / "x"
    out.mkdir()
    subprocess.run(["cpio", "-idm", "--quiet"], input=archive, cwd=out, check=True)
    assert (out / "bin" / "tool").read_bytes() == data
    assert os.stat(out / "bin" / "tool").st_mode & 0o777 == 0o755
    assert (out / "init").read_bytes() == b"#!x\n"


def test_module_load_order_puts_dependencies_first():
    dep = ("kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko\n"
           "kernel/net/9p/9pnet.ko:\nkernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko\n"
           "kernel/fs/netfs/netfs.ko:\nkernel/fs/overlayfs/overlay.ko:\n")
    order = cache.module_load_order(dep, ["9p", "overlay"])
    assert [os.path.basename(p) for p in order] == ["netfs.ko", "fscache.ko", "9pnet.ko", "9p.ko", "overlay.ko"]
    with pytest.raises(cache.CacheError, match="virtio_blk"):
        cache.module_load_order(dep, ["virtio_blk"])


def test_extract_vmlinux_finds_the_elf_after_a_decoy():
    elf = b"\x7fELF" + os.urandom(1000)
    image = b"setup code" + b"\xfd7zXZ\x00 not a stream" + lzma.compress(elf, format=lzma.FORMAT_XZ) + b"trailer"
    assert cache.extract_vmlinux(image) == elf
    with pytest.raises(cache.CacheError):
        cache.extract_vmlinux(b"no kernel here")


def test_job_script_quotes_any_argv():
    argv = ["printf", "%s|", "a b", "it's", "$HOME", "`x`", "; rm -rf /"]
    script = run.job_script(argv, "/dir with space", {"K": "v w"})
    cd_line, exec_line = script.splitlines()
    assert shlex.split(cd_line)[:2] == ["cd", "/dir with space"]
    words = shlex.split(exec_line)
    assert words[:4] == ["exec", run.GUEST_BUSYBOX, "env", "-i"]
    assert "K=v w" in words and words[-len(argv):] == argv
    with pytest.raises(ValueError):
        run.job_script([], "/", {})


def test_hidden_paths_are_the_ones_under_guest_tmpfs(tmp_path):
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    assert str(tmp_path).startswith("/tmp/")
    assert run.hidden_paths([str(inner), str(tmp_path), "/tmp", "/usr/bin"]) == [str(tmp_path)]
    assert run.hidden_paths(["/usr/bin", "/var/lib"]) == []
    with pytest.raises(run.VMError, match="not a directory"):
        run.hidden_paths([str(tmp_path / "missing")])
    odd = tmp_path / "x,y"
    odd.mkdir()
    with pytest.raises(run.VMError, match="','"):
        run.hidden_paths([str(odd)])


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the VM cache in /var/cache)")
def test_prepare_is_idempotent_and_rebuilds_the_initramfs_when_init_changes(tmp_path, monkeypatch):
    kernel_dir = os.path.dirname(cache.prepare().vmlinux)     # fetched once, shared with the real cache
    directory = tmp_path / "cache"
    directory.mkdir()
    os.symlink(kernel_dir, directory / "kernel")
    first = cache.prepare(str(directory))
    assert cache.prepare(str(directory)) == first
    changed = tmp_path / "init.sh"
    changed.write_text(open(cache.GUEST_INIT).read() + "# changed\n")
    monkeypatch.setattr(cache, "GUEST_INIT", str(changed))
    second = cache.prepare(str(directory))
    assert second.initramfs != first.initramfs and not os.path.exists(first.initramfs)
    unpacked = tmp_path / "initramfs"
    unpacked.mkdir()
    with open(second.initramfs, "rb") as f:
        subprocess.run(["cpio", "-idm", "--quiet"], stdin=f, cwd=unpacked, check=True)
    assert (unpacked / "init").read_text().endswith("# changed\n")
    order = (unpacked / "modules" / "order").read_text().split()
    assert {f"{m}.ko" for m in cache.BOOT_MODULES} <= set(order)
    assert order.index("netfs.ko") < order.index("fscache.ko") < order.index("9p.ko") > order.index("9pnet.ko")
    assert order.index("virtio_ring.ko") < order.index("virtio.ko") < order.index("virtio_pci.ko")
    for module in order:
        assert (unpacked / "modules" / module).stat().st_size > 0
    assert os.access(unpacked / "bin" / "busybox", os.X_OK)


# --- real boots --------------------------------------------------------------------------------

@needs_vm
def test_runs_a_command_with_output_exit_code_cwd_and_env(tmp_path, no_qemu_left):
    keep = tmp_path / "keep"
    keep.write_text("host")
    probe = os.path.join(CHECKOUT, f".vm-write-probe-{os.getpid()}")
    script = (f'printf "%s|" "$@"; echo; pwd; echo "$PYRUN_TEST_VM $EXTRA $TMPDIR"; echo to-stderr >&2; '
              f'cat /proc/self/cgroup; stat -f -c %T "$TMPDIR"; '
              f'rm -f {keep}; echo guest > {tmp_path}/new; '
              f'test -x {VENV_PYTHON} && echo venv; date +%s; '
              f'touch {probe} && echo wrote-overlay; touch /run/pyrun-vm/host{tmp_path}/direct || echo ro-9p; '
              f'sleep 3; exit 42')
    before = time.time()
    result = run.run_in_vm(["sh", "-c", script, "sh", "a b", "it's", "$HOME"], 180, cwd=str(tmp_path),
                           env={"EXTRA": "x y"})
    after = time.time()
    lines = result.stdout.splitlines()
    assert result.exit_code == 42, result
    assert lines[0] == "a b|it's|$HOME|"
    assert lines[1] == str(tmp_path)
    assert lines[2] == "1 x y /tmp"
    assert lines[3] == "0::/init"
    assert lines[4] == "tmpfs"
    assert lines[5] == "venv"
    # The guest's clock keeps the host's time and pace (a 3 s sleep takes 3 s of ours).
    assert before - 2 <= int(lines[6]) <= after + 1
    assert 2.9 <= result.command_seconds < 60, result.command_seconds
    assert lines[7:] == ["wrote-overlay", "ro-9p"]
    assert "Read-only file system" in result.stderr
    assert result.stderr.startswith("to-stderr\n")
    assert result.attempts == 1 and 0 < result.boot_seconds < result.total_seconds
    # The guest changed its overlays, never the host; the host's / underneath refused writes.
    wrote_through = os.path.exists(probe)
    if wrote_through:
        os.unlink(probe)
    assert not wrote_through
    assert keep.read_text() == "host"
    assert not (tmp_path / "new").exists() and not (tmp_path / "direct").exists()


@needs_vm
def test_a_hung_boot_is_killed_and_retried(no_qemu_left):
    # 15 s: a real boot takes 4 s here, 8-13 s when the machine is very busy.
    result = run.run_in_vm(["echo", "second boot"], 180, boot_timeout=15, _hang_attempts=1)
    assert (result.exit_code, result.stdout) == (0, "second boot\n")
    assert result.attempts >= 2     # the hung one, then (unless the machine is swamped) the first real one


@needs_vm
def test_boots_that_never_start_give_up_with_a_clear_error(no_qemu_left):
    began = time.monotonic()
    with pytest.raises(run.VMError, match="did not start the command in 2 boots") as caught:
        run.run_in_vm(["true"], 60, boot_timeout=1.5, tries=2, _hang_attempts=2)
    assert caught.value.attempts == 2
    assert time.monotonic() - began < 20


@needs_vm
def test_the_overall_timeout_kills_qemu(no_qemu_left):
    began = time.monotonic()
    with pytest.raises(run.VMTimeout) as caught:
        run.run_in_vm(["sh", "-c", "echo begun; sleep 600"], 8)
    assert time.monotonic() - began < 15
    assert "timed out after 8 s" in str(caught.value)


@needs_vm
def test_cli_passes_the_exit_code_and_streams_output(no_qemu_left, tmp_path):
    scripts = tmp_path / "scripts"    # under the host's /tmp, which the guest's own tmpfs hides
    scripts.mkdir()
    (scripts / "job.sh").write_text("echo out; echo err >&2; exit 7\n")
    proc = subprocess.run([VENV_PYTHON, "-m", "tests.vm.run", "--timeout", "180", "--expose", str(scripts), "--",
                           "sh", str(scripts / "job.sh")],
                          cwd=CHECKOUT, capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL,
                          env={**os.environ, "TMPDIR": no_qemu_left})
    assert proc.returncode == 7, proc.stderr
    assert proc.stdout == "out\n"
    assert proc.stderr.startswith("err\n") and "pyrun-vm: exit 7" in proc.stderr
    bad = subprocess.run([VENV_PYTHON, "-m", "tests.vm.run", "--env", "NOEQUALS", "--", "true"],
                         cwd=CHECKOUT, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "NOEQUALS" in bad.stderr


@needs_vm
def test_qemu_dies_with_the_process_that_started_it(no_qemu_left):
    """Even a runner killed with SIGKILL (no finally clause runs) leaves no qemu behind."""
    cli = subprocess.Popen([VENV_PYTHON, "-m", "tests.vm.run", "--", "sleep", "600"], cwd=CHECKOUT,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env={**os.environ, "TMPDIR": no_qemu_left})
    try:
        deadline = time.monotonic() + 30
        while not qemu_pids(no_qemu_left) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert qemu_pids(no_qemu_left), "qemu never started"
    finally:
        cli.kill()
        cli.wait()
    deadline = time.monotonic() + 10
    while qemu_pids(no_qemu_left) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not qemu_pids(no_qemu_left)
    for leftover in os.listdir(no_qemu_left):   # the killed runner could not clean its job dir
        shutil.rmtree(os.path.join(no_qemu_left, leftover))


@needs_vm
def test_sigterm_to_the_runner_kills_qemu_and_cleans_up(no_qemu_left):
    cli = subprocess.Popen([VENV_PYTHON, "-m", "tests.vm.run", "--", "sleep", "600"], cwd=CHECKOUT,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env={**os.environ, "TMPDIR": no_qemu_left})
    try:
        deadline = time.monotonic() + 30
        while not qemu_pids(no_qemu_left) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert qemu_pids(no_qemu_left), "qemu never started"
        cli.terminate()
        assert cli.wait(timeout=10) == 128 + signal.SIGTERM
    finally:
        cli.kill()
        cli.wait()
    # no_qemu_left checks that qemu is gone and the job directory was removed.


@needs_vm
def test_a_guest_init_failure_is_reported_with_the_console_not_retried(no_qemu_left, tmp_path, monkeypatch):
    kernel_dir = os.path.dirname(cache.prepare().vmlinux)
    directory = tmp_path / "cache"
    directory.mkdir()
    os.symlink(kernel_dir, directory / "kernel")
    broken = tmp_path / "init.sh"
    text = open(cache.GUEST_INIT).read()
    assert '    echo boot >"$STATUS"\n' in text
    broken.write_text(text.replace('    echo boot >"$STATUS"\n', '    echo boot >"$STATUS"; fail "no 9p today"\n'))
    monkeypatch.setattr(cache, "GUEST_INIT", str(broken))
    monkeypatch.setenv("PYRUN_VM_CACHE", str(directory))
    with pytest.raises(run.VMError) as caught:
        run.run_in_vm(["true"], 120)
    assert str(caught.value).startswith("guest init failed: no 9p today")
    assert "pyrun-vm: no 9p today" in caught.value.console      # what PID 1 printed on ttyS0
    assert caught.value.attempts == 1                             # a reported failure is not retried
