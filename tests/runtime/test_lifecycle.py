"""The container lifecycle through the real CLI: create, start, state, kill, delete, run, list,
and what each says in each state. Observed from /proc on the host and the state directory."""

import ctypes
import json
import marshal
import os
import signal
import subprocess
import threading
import time

import pytest

from testlib import needs_root

PR_SET_CHILD_SUBREAPER = 36

pytestmark = needs_root


def _start_time(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[19]


def test_create_start_state_kill_delete(pyrun, make_bundle, tmp_path):
    bundle = make_bundle(args=["sleep", "100"])
    cid = pyrun.new_id()
    pid_file = tmp_path / "pid"
    proc = pyrun("create", "--bundle", bundle.path, "--pid-file", str(pid_file), cid)
    assert proc.stdout == "" and proc.stderr == ""   # stdout/stderr are the container's
    raw = pid_file.read_text()
    assert raw.isdigit(), f"pid file must hold the bare pid, no newline: {raw!r}"
    pid = int(raw)
    st = pyrun.state(cid)
    assert st["status"] == "created" and st["pid"] == pid and st["id"] == cid
    assert st["bundle"] == bundle.path and st["ociVersion"].startswith("1.")
    assert "annotations" not in st          # only when non-empty
    # The init waits before execve: still our interpreter, not sleep.
    assert os.readlink(f"/proc/{pid}/exe") != "/bin/busybox"
    pyrun("start", cid)
    pyrun.wait_status(cid, "running")
    deadline = time.monotonic() + 5
    while os.readlink(f"/proc/{pid}/exe").endswith("python3.11") and time.monotonic() < deadline:
        time.sleep(0.01)
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        assert f.read().split(b"\0")[0] == b"sleep"
    refused = pyrun("delete", cid, check=False)
    assert refused.returncode == 1 and "that is not stopped: running" in refused.stderr
    pyrun("kill", cid, "KILL")
    pyrun.wait_status(cid, "stopped")
    assert pyrun.state(cid)["pid"] == 0
    again = pyrun("kill", cid, "TERM", check=False)
    assert again.returncode == 1 and "container not running" in again.stderr
    pyrun("delete", cid)
    assert not os.path.exists(os.path.join(pyrun.root, cid))
    gone = pyrun("state", cid, check=False)
    assert gone.returncode == 1 and f"container {cid} does not exist" in gone.stderr
    assert pyrun("delete", "--force", cid).returncode == 0   # containerd deletes twice


def test_start_twice_and_start_stopped(pyrun, make_bundle):
    bundle = make_bundle(args=["true"])
    cid = pyrun.new_id()
    pyrun("create", "-b", bundle.path, cid)
    pyrun("start", cid)
    pyrun.wait_status(cid, "stopped")
    second = pyrun("start", cid, check=False)
    assert second.returncode == 1 and "stopped" in second.stderr


def test_delete_created_container_kills_its_init(pyrun, make_bundle):
    bundle = make_bundle(args=["sleep", "100"])
    cid = pyrun.new_id()
    pyrun("create", "-b", bundle.path, cid)
    pid = pyrun.state(cid)["pid"]
    pyrun("delete", cid)     # runc deletes a created container without --force
    assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split(") ")[1][0] == "Z"


def test_delete_force_running(pyrun, make_bundle):
    bundle = make_bundle(args=["sleep", "100"])
    cid = pyrun.new_id()
    pyrun("run", "--detach", "-b", bundle.path, cid)
    pid = pyrun.state(cid)["pid"]
    pyrun("delete", "--force", cid)
    time.sleep(0.05)
    assert not os.path.exists(f"/proc/{pid}/exe") or not os.readlink(f"/proc/{pid}/exe")
    assert not os.path.exists(os.path.join(pyrun.root, cid))


@pytest.mark.parametrize("sig", ["TERM", "SIGTERM", "15", "term"])
def test_kill_signal_names_and_numbers(pyrun, make_bundle, sig):
    # pid 1 of a pid namespace ignores signals it has no handler for: give it one.
    bundle = make_bundle(args=["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.05; done"])
    cid = pyrun.new_id()
    pyrun("run", "-d", "-b", bundle.path, cid)
    pyrun("kill", cid, sig)
    pyrun.wait_status(cid, "stopped")


@pytest.fixture
def subreaper():
    """This process adopts the orphaned inits meanwhile, so that a test can wait for one."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    yield
    libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def _created_init_after(rt, bundle, sig):
    """(status, exit status or None) of a created container's init after `kill ID sig`."""
    cid = rt.new_id()
    rt("create", "-b", bundle.path, cid)
    pid = rt.state(cid)["pid"]
    rt("kill", cid, sig)
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is not None:
            break
        time.sleep(0.02)
    status = rt.state(cid)["status"]
    exited = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG)
    rt("delete", "--force", cid)
    return status, exited and (exited.si_code, exited.si_status)


@pytest.mark.parametrize("sig", ["TERM", "HUP", "INT", "QUIT", "USR1", "WINCH"])
def test_kill_of_a_created_container_as_runc(pyrun, runc, make_bundle, subreaper, sig):
    """A created init is pid 1 of its namespace, which the kernel shields from signals it has no
    handler for; runc's (Go) init catches them all and dies of TERM, HUP, INT and QUIT with
    status 2, and lets USR1 and WINCH be. Engines stop a never-started container with TERM."""
    bundle = make_bundle(args=["sleep", "100"])
    ours = _created_init_after(pyrun, bundle, sig)
    assert ours == _created_init_after(runc, bundle, sig)
    assert ours == (("stopped", (os.CLD_EXITED, 2)) if sig in ("TERM", "HUP", "INT", "QUIT") else ("created", None))


def test_kill_unknown_signal(pyrun, make_bundle):
    bundle = make_bundle(args=["sleep", "100"])
    cid = pyrun.new_id()
    pyrun("run", "-d", "-b", bundle.path, cid)
    bad = pyrun("kill", cid, "NOSUCH", check=False)
    assert bad.returncode == 1 and "NOSUCH" in bad.stderr
    assert pyrun.state(cid)["status"] == "running"


def test_state_detects_reaped_init_and_pid_reuse(pyrun, make_bundle):
    """A record whose pid now names another process (or none) reads as stopped."""
    bundle = make_bundle(args=["sleep", "100"])
    cid = pyrun.new_id()
    pyrun("run", "-d", "-b", bundle.path, cid)
    state_file = os.path.join(pyrun.root, cid, "state")
    with open(state_file, "rb") as f:
        record = marshal.load(f)
    stranger = subprocess.Popen(["sleep", "100"])   # stands in for a process that reused the pid
    try:
        record["pid"] = stranger.pid
        with open(state_file, "wb") as f:
            marshal.dump(record, f)
        assert pyrun.state(cid)["status"] == "stopped"
        record["start_time"] = int(_start_time(stranger.pid))
        with open(state_file, "wb") as f:
            marshal.dump(record, f)
        assert pyrun.state(cid)["status"] == "running"   # same pid and start time: that process
    finally:
        stranger.kill()
        stranger.wait()
    assert pyrun.state(cid)["status"] == "stopped"       # reaped: gone


def test_run_foreground_exit_code_and_output(pyrun, make_bundle):
    bundle = make_bundle(args=["sh", "-c", "echo out; echo err >&2; exit 7"])
    cid = pyrun.new_id()
    proc = pyrun("run", "-b", bundle.path, cid, check=False)
    assert proc.returncode == 7
    assert proc.stdout == "out\n" and proc.stderr == "err\n"
    assert not os.path.exists(os.path.join(pyrun.root, cid))   # deleted after exit


def test_run_foreground_killed_by_signal(pyrun, make_bundle):
    bundle = make_bundle(args=["sh", "-c", "echo ready; while true; do sleep 0.05; done"])
    cid = pyrun.new_id()
    proc = subprocess.Popen(pyrun.cmd("run", "-b", bundle.path, cid), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    assert proc.stdout.readline() == "ready\n"
    pyrun("kill", cid, "KILL")
    proc.communicate(timeout=10)
    assert proc.returncode == 128 + 9


def test_run_forwards_signals(pyrun, make_bundle):
    bundle = make_bundle(args=["sh", "-c", "trap 'echo got-usr1; exit 3' USR1; echo ready; "
                                           "while true; do sleep 0.05; done"])
    proc = subprocess.Popen(pyrun.cmd("run", "-b", bundle.path, pyrun.new_id()),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    assert proc.stdout.readline() == "ready\n"
    proc.send_signal(signal.SIGUSR1)
    out, err = proc.communicate(timeout=10)
    assert "got-usr1" in out and proc.returncode == 3, err


def test_two_creates_one_id_exactly_one_wins(pyrun, make_bundle):
    bundle = make_bundle(args=["sleep", "100"])
    cid = pyrun.new_id()
    results = []

    def create():
        results.append(pyrun("create", "-b", bundle.path, cid, check=False))

    threads = [threading.Thread(target=create) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.returncode for r in results)
    assert codes == [0, 1, 1], [r.stderr for r in results]
    assert all("already exists" in r.stderr for r in results if r.returncode)
    assert pyrun.state(cid)["status"] == "created"


def _at_once(rt, *args, n=4):
    """Run the same command n times concurrently; the CompletedProcesses."""
    results = []
    threads = [threading.Thread(target=lambda: results.append(rt(*args, check=False))) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_starts_run_the_process_once(pyrun, make_bundle):
    """The exec fifo is opened by exactly one start; the others are refused, and the program
    (which appends a line per run) ran once."""
    bundle = make_bundle(args=["sh", "-c", "echo ran >> /runs; sleep 100"])
    cid = pyrun.new_id()
    pyrun("create", "-b", bundle.path, cid)
    results = _at_once(pyrun, "start", cid)
    assert sorted(r.returncode for r in results) == [0, 1, 1, 1], [r.stderr for r in results]
    pyrun.wait_status(cid, "running")
    deadline = time.monotonic() + 5
    runs = os.path.join(bundle.rootfs, "runs")
    while not os.path.exists(runs) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    assert open(runs).read() == "ran\n"


def test_concurrent_force_deletes_leave_nothing(pyrun, make_bundle):
    """containerd and a user may delete at once: every delete --force succeeds (the container
    being gone is fine), and nothing of it remains."""
    from testlib import leftovers
    bundle = make_bundle(args=["sleep", "100"])
    cid = pyrun.new_id()
    pyrun("run", "-d", "-b", bundle.path, cid)
    pid = pyrun.state(cid)["pid"]
    results = _at_once(pyrun, "delete", "--force", cid)
    assert [r.returncode for r in results] == [0] * 4, [r.stderr for r in results]
    assert leftovers(pyrun, cid, bundle) == []
    assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split(") ")[1][0] == "Z"


def test_state_during_concurrent_kill_and_delete_is_always_whole(pyrun, make_bundle):
    """state read while another pyrun deletes: either the whole document or "does not exist"."""
    bundle = make_bundle(args=["sleep", "100"])
    cid = pyrun.new_id()
    pyrun("run", "-d", "-b", bundle.path, cid)
    seen = []
    stop = threading.Event()

    def poll():
        while not stop.is_set():
            seen.append(pyrun("state", cid, check=False))

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        time.sleep(0.1)
        pyrun("delete", "--force", cid)
        time.sleep(0.1)
    finally:
        stop.set()
        poller.join()
    for proc in seen:
        if proc.returncode == 0:
            assert json.loads(proc.stdout)["id"] == cid
        else:
            assert f"container {cid} does not exist" in proc.stderr, proc.stderr
    assert seen and seen[-1].returncode == 1


def test_list_table_json_quiet(pyrun, make_bundle):
    bundle = make_bundle(args=["sleep", "100"])
    ids = [pyrun.new_id() for _ in range(2)]
    for cid in ids:
        pyrun("create", "-b", bundle.path, cid)
    listed = json.loads(pyrun("list", "--format", "json").stdout)
    assert sorted(d["id"] for d in listed) == sorted(ids)
    assert all(d["status"] == "created" for d in listed)
    assert pyrun("list", "-q").stdout.split() == sorted(ids)
    table = pyrun("list").stdout.splitlines()
    assert table[0].split() == ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]
    assert len(table) == 3


def test_annotations_in_state(pyrun, make_bundle):
    bundle = make_bundle(args=["sleep", "100"])
    bundle.config["annotations"] = {"org.example.key": "value"}
    bundle.save()
    cid = pyrun.new_id()
    pyrun("create", "-b", bundle.path, cid)
    assert pyrun.state(cid)["annotations"] == {"org.example.key": "value"}


def test_operations_on_missing_container(pyrun, runc):
    for args in (["state", "nope"], ["start", "nope"], ["kill", "nope"], ["delete", "nope"], ["pause", "nope"],
                 ["resume", "nope"], ["ps", "nope"], ["exec", "nope", "true"], ["events", "--stats", "nope"],
                 ["update", "--pids-limit", "10", "nope"]):
        proc = pyrun(*args, check=False)
        assert "container nope does not exist" in proc.stderr, args
        assert proc.returncode == runc(*args, check=False).returncode == (255 if args[0] == "exec" else 1), args


def test_invalid_container_id(pyrun, make_bundle):
    bundle = make_bundle()
    proc = pyrun("create", "-b", bundle.path, "../escape", check=False)
    assert proc.returncode == 1 and "invalid container ID format" in proc.stderr
    assert not os.path.exists(os.path.join(os.path.dirname(pyrun.root), "escape"))
