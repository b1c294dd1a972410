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
end=$(( $(date +%s) + 8 ))
while [ $(date +%s) -lt $end ]; do
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
    out, err = watcher.communicate(timeout=30)
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
