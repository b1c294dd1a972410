"""Known runtime attacks, tried from inside a container, must fail."""

import os
import subprocess
import time

from testlib import needs_root

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
    assert os.readlink(f"/proc/{pid}/exe").startswith("/usr/bin/python3")
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
