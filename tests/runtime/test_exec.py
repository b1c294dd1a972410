"""pyrun exec: a new process in a running container, observed from inside and from /proc."""

import os
import subprocess
import time

import pytest

from testlib import needs_root

pytestmark = needs_root


@pytest.fixture
def running(pyrun, make_bundle):
    """A running container (sleep) and its id."""
    bundle = make_bundle(args=["sleep", "1000"])
    cid = pyrun.new_id()
    pyrun("run", "-d", "-b", bundle.path, cid)
    return cid


def test_exec_joins_every_namespace_and_the_cgroup(pyrun, running):
    init = pyrun.state(running)["pid"]
    out = pyrun("exec", running, "sh", "-c",
                "for n in ipc mnt net pid uts cgroup; do readlink /proc/self/ns/$n; done").stdout.split()
    expected = [os.readlink(f"/proc/{init}/ns/{n}") for n in ("ipc", "mnt", "net", "pid", "uts", "cgroup")]
    assert out == expected


def test_exec_process_is_in_the_containers_cgroups(pyrun, running, tmp_path):
    """In every hierarchy the init's cgroup (the child starts there: clone3 into the cgroup2 one,
    v1 through `tasks`), read from the host."""
    pid_file = tmp_path / "pid"
    pyrun("exec", "--detach", "--pid-file", str(pid_file), running, "sleep", "30")
    init = pyrun.state(running)["pid"]
    with open(f"/proc/{pid_file.read_text()}/cgroup") as ours, open(f"/proc/{init}/cgroup") as inits:
        assert sorted(ours.read().splitlines()) == sorted(inits.read().splitlines())


def test_exec_output_and_exit_code(pyrun, running):
    proc = pyrun("exec", running, "sh", "-c", "echo out; echo err >&2; exit 42", check=False)
    assert (proc.returncode, proc.stdout, proc.stderr) == (42, "out\n", "err\n")


def test_exec_options(pyrun, running):
    out = pyrun("exec", "--user", "1000:1000", "--additional-gids", "5", "--cwd", "/tmp", "--env", "FOO=bar",
                running, "sh", "-c", "id -u; id -g; id -G; pwd; echo $FOO").stdout.split("\n")
    assert out[:5] == ["1000", "1000", "1000 5", "/tmp", "bar"]


def test_exec_process_file(pyrun, running, tmp_path):
    import json
    process = {"args": ["sh", "-c", "echo $X; id -u"], "env": ["X=from-file", "PATH=/bin"], "cwd": "/",
               "user": {"uid": 65534, "gid": 65534}}
    path = tmp_path / "process.json"
    path.write_text(json.dumps(process))
    assert pyrun("exec", "--process", str(path), running).stdout == "from-file\n65534\n"


def test_exec_process_file_rlimits_and_oom_score_as_a_non_root_user(pyrun, running, tmp_path):
    """process.json's rlimits and oomScoreAdj, set on the new process by the runtime (from outside,
    before it switches to its user, as runc does), read from inside."""
    import json
    process = {"args": ["sh", "-c", "cat /proc/self/limits; cat /proc/self/oom_score_adj"], "env": ["PATH=/bin"],
               "cwd": "/", "user": {"uid": 1000, "gid": 1000}, "oomScoreAdj": 600,
               "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 300, "hard": 400},
                           {"type": "RLIMIT_NPROC", "soft": 50, "hard": 60}]}
    path = tmp_path / "process.json"
    path.write_text(json.dumps(process))
    lines = pyrun("exec", "--process", str(path), running).stdout.splitlines()
    limits = {line[:26].strip(): line[26:68].split() for line in lines[1:-1]}
    assert limits["Max open files"] == ["300", "400"]
    assert limits["Max processes"] == ["50", "60"]
    assert lines[-1] == "600"


def test_exec_rlimit_above_the_hard_limit_fails_and_leaves_no_process(pyrun, running, tmp_path):
    import json
    with open("/proc/self/limits") as f:
        hard = int(next(line for line in f if line.startswith("Max open files")).split()[4])
    process = {"args": ["sleep", "30"], "env": ["PATH=/bin"], "cwd": "/",
               "rlimits": [{"type": "RLIMIT_NOFILE", "soft": hard + 1000, "hard": hard + 1000}]}
    path = tmp_path / "process.json"
    path.write_text(json.dumps(process))
    proc = pyrun("exec", "--process", str(path), running, check=False)
    assert proc.returncode != 0 and "error setting rlimit type RLIMIT_NOFILE" in proc.stderr, proc.stderr
    assert pyrun("ps", "--format", "json", running).stdout.strip() == f"[{pyrun.state(running)['pid']}]"


def test_exec_caps_and_no_new_privs(pyrun, running):
    status = pyrun("exec", "--cap", "CAP_SYS_ADMIN", "--no-new-privs", running, "cat", "/proc/self/status").stdout
    fields = dict(line.split(":\t") for line in status.splitlines() if ":\t" in line)
    assert int(fields["CapEff"], 16) & (1 << 21)          # CAP_SYS_ADMIN added
    assert fields["NoNewPrivs"].strip() == "1"


def test_exec_missing_executable_exits_255(pyrun, running):
    proc = pyrun("exec", running, "no-such-tool", check=False)
    assert proc.returncode == 255 and "executable file not found" in proc.stderr


def test_exec_into_stopped_and_missing_container(pyrun, make_bundle):
    bundle = make_bundle(args=["true"])
    cid = pyrun.new_id()
    pyrun("run", "-d", "-b", bundle.path, cid)
    deadline = time.monotonic() + 5
    while pyrun.state(cid)["status"] != "stopped" and time.monotonic() < deadline:
        time.sleep(0.02)
    stopped = pyrun("exec", cid, "true", check=False)
    assert stopped.returncode == 255 and "stopped" in stopped.stderr
    missing = pyrun("exec", "no-such-container", "true", check=False)
    assert missing.returncode == 255 and "does not exist" in missing.stderr


def test_exec_detach_pid_file(pyrun, running, tmp_path):
    pid_file = tmp_path / "exec.pid"
    pyrun("exec", "--detach", "--pid-file", str(pid_file), running, "sleep", "100")
    raw = pid_file.read_text()
    assert raw.isdigit()
    with open(f"/proc/{raw}/cmdline", "rb") as f:
        assert f.read().split(b"\0")[:2] == [b"sleep", b"100"]
    init = pyrun.state(running)["pid"]
    assert os.readlink(f"/proc/{raw}/ns/pid") == os.readlink(f"/proc/{init}/ns/pid")


def test_exec_forwards_signals(pyrun, running):
    proc = subprocess.Popen(pyrun.cmd("exec", running, "sh", "-c",
                                      "trap 'echo caught; exit 5' TERM; echo ready; while :; do sleep 0.05; done"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    assert proc.stdout.readline() == "ready\n"
    proc.terminate()
    out, _ = proc.communicate(timeout=10)
    assert "caught" in out and proc.returncode == 5


def test_exec_tty(pyrun, running):
    cmd = " ".join(pyrun.cmd("exec", "-t", running, "sh", "-c", "tty; echo tty-ok"))
    proc = subprocess.run(["script", "-qc", cmd, "/dev/null"], capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL)
    assert "/dev/pts/" in proc.stdout and "tty-ok" in proc.stdout, proc.stdout + proc.stderr


def test_exec_no_host_fd_or_cwd_leaks(pyrun, running, tmp_path):
    """CVE-2024-21626: with extra fds open in the caller, only 0-2 reach the process, and its cwd is
    inside the container."""
    host_dir = os.open(str(tmp_path), os.O_RDONLY | os.O_DIRECTORY)
    try:
        proc = pyrun("exec", running, "sh", "-c", "ls /proc/self/fd; readlink /proc/self/cwd",
                     pass_fds=(host_dir,), cwd=str(tmp_path))
    finally:
        os.close(host_dir)
    lines = proc.stdout.split()
    assert lines[:-1] == ["0", "1", "2", "3"]     # 3 is ls's own directory fd
    assert lines[-1] == "/"
