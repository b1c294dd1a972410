"""pyrun exec: a new process in a running container, observed from inside and from /proc."""

import os
import subprocess
import time

import pytest

from testlib import needs_root, read_pty

pytestmark = needs_root


class Twins:
    """The same bundle config running under pyrun and under runc; exec() runs one exec in each."""

    def __init__(self, pyrun, runc, ours, theirs):
        self.pyrun, self.runc, self.ours, self.theirs = pyrun, runc, ours, theirs

    def exec(self, *args, check=True, **kwargs):
        """(pyrun's, runc's) completed exec; args are exec's flags, then the command."""
        cut = args.index("--") if "--" in args else len(args)
        flags, command = args[:cut], args[cut + 1:]
        return (self.pyrun("exec", *flags, self.ours, *command, check=check, **kwargs),
                self.runc("exec", *flags, self.theirs, *command, check=check, **kwargs))


PASSWD = "root:x:0:0:root:/root:/bin/sh\nu:x:1000:1000::/home/u:/bin/sh\n"


@pytest.fixture
def twins(pyrun, runc, make_bundle):
    """twins(change) -> Twins: change(process) edits the config's process before both start."""
    def start(change=None):
        ids = []
        for rt in (pyrun, runc):
            bundle = make_bundle(args=["sleep", "1000"])
            if change is not None:
                change(bundle.config["process"])
            bundle.save()
            with open(os.path.join(bundle.rootfs, "etc", "passwd"), "w") as f:
                f.write(PASSWD)
            cid = rt.new_id()
            rt("run", "-d", "-b", bundle.path, cid)
            ids.append(cid)
        return Twins(pyrun, runc, *ids)

    return start


def _status(text):
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


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


def test_exec_env_without_a_name_and_value_is_refused_as_runc(pyrun, running):
    """--env takes KEY=value, as config.json's process.env: runc exits 255 and runs nothing."""
    for entry in ("NOEQ", "=x"):
        proc = pyrun("exec", "--env", entry, running, "sh", "-c", "echo ran", check=False)
        assert (proc.returncode, proc.stdout) == (255, "")
        assert f'invalid environment variable: "{entry}"' in proc.stderr


def test_exec_process_file(pyrun, running, tmp_path):
    import json
    process = {"args": ["sh", "-c", "echo $X; id -u"], "env": ["X=from-file", "PATH=/bin"], "cwd": "/",
               "user": {"uid": 65534, "gid": 65534}}
    path = tmp_path / "process.json"
    path.write_text(json.dumps(process))
    assert pyrun("exec", "--process", str(path), running).stdout == "from-file\n65534\n"


def test_exec_process_file_rlimits_and_oom_score_as_a_non_root_user(twins, tmp_path):
    """process.json's rlimits and the container's oomScoreAdj (runc ignores process.json's), set on
    the new process by the runtime (from outside, before it switches to its user, as runc does),
    read from inside."""
    import json
    pair = twins(lambda process: process.update(oomScoreAdj=600))
    process = {"args": ["sh", "-c", "cat /proc/self/limits; cat /proc/self/oom_score_adj"], "env": ["PATH=/bin"],
               "cwd": "/", "user": {"uid": 1000, "gid": 1000}, "oomScoreAdj": 300,
               "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 300, "hard": 400},
                           {"type": "RLIMIT_NPROC", "soft": 50, "hard": 60}]}
    path = tmp_path / "process.json"
    path.write_text(json.dumps(process))
    ours, runcs = pair.exec("--process", str(path))
    lines = ours.stdout.splitlines()
    limits = {line[:26].strip(): line[26:68].split() for line in lines[1:-1]}
    assert limits["Max open files"] == ["300", "400"]
    assert limits["Max processes"] == ["50", "60"]
    assert lines[-1] == "600"
    assert ours.stdout == runcs.stdout


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


def test_exec_detach_pid_file_failure_leaves_no_process(pyrun, running, tmp_path):
    """A --pid-file that cannot be written fails exec (255) and kills the process it started, as
    runc does: nobody could find it otherwise."""
    marker = f"{os.getpid() % 1000 + 9000}"
    proc = pyrun("exec", "-d", "--pid-file", str(tmp_path / "missing" / "pid"), running, "sleep", marker,
                 check=False)
    assert proc.returncode == 255 and "missing" in proc.stderr
    left = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if f.read().split(b"\0")[:2] == [b"sleep", marker.encode()]:
                    left.append(entry)
        except OSError:
            continue
    assert left == []


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


# --- what the exec'd process gets, side by side with runc 1.1.5 ---

def test_exec_sets_home_from_the_containers_passwd_as_runc(twins):
    """Without HOME in the env, runc sets it to the user's home in the container's /etc/passwd,
    "/" for a user it does not list; a HOME given is kept."""
    pair = twins()
    cases = [(), ("--user", "1000"), ("--user", "2000:2000"), ("--env", "HOME=/given"), ("--env", "HOME=")]
    for flags in cases:
        ours, runcs = pair.exec(*flags, "--", "env")
        assert ours.stdout == runcs.stdout, flags
    assert [pair.exec(*flags, "--", "sh", "-c", "echo $HOME")[0].stdout for flags in cases] == \
        ["/root\n", "/home/u\n", "/\n", "/given\n", "/root\n"]


def test_exec_additional_gids_add_to_the_containers(twins):
    pair = twins(lambda process: process["user"].update(additionalGids=[10, 20]))
    ours, runcs = pair.exec("--additional-gids", "7", "--additional-gids", "8", "--", "id", "-G")
    assert ours.stdout == runcs.stdout == "0 7 8 10 20\n"


def test_exec_cap_is_not_made_inheritable(twins):
    """runc's --cap: bounding, effective, permitted, and ambient when the config has inheritable,
    but not inheritable itself, so the ambient raise fails and the cap is not kept across execve
    by a non-root process."""
    def change(process):
        process["capabilities"]["inheritable"] = ["CAP_KILL"]
        process["capabilities"]["ambient"] = ["CAP_KILL"]
    pair = twins(change)
    ours, runcs = pair.exec("--cap", "CAP_SYS_ADMIN", "--", "cat", "/proc/self/status")
    fields = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")
    assert [_status(ours.stdout)[f] for f in fields] == [_status(runcs.stdout)[f] for f in fields]
    assert not int(_status(ours.stdout)["CapAmb"], 16) & (1 << 21)
    ours, runcs = pair.exec("--cap", "CAP_SYS_ADMIN", "--user", "1000", "--", "cat", "/proc/self/status")
    assert _status(ours.stdout)["CapEff"] == _status(runcs.stdout)["CapEff"] == "0000000000000020"


def test_exec_process_file_without_capabilities_gets_the_containers(twins, tmp_path):
    """process.json without "capabilities": runc gives the container's, not none."""
    import json
    pair = twins()
    path = tmp_path / "process.json"
    path.write_text(json.dumps({"args": ["cat", "/proc/self/status"], "env": ["PATH=/bin"], "cwd": "/"}))
    ours, runcs = pair.exec("--process", str(path))
    fields = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs")
    assert [_status(ours.stdout)[f] for f in fields] == [_status(runcs.stdout)[f] for f in fields]
    assert int(_status(ours.stdout)["CapEff"], 16) != 0


def test_exec_console_socket_needs_detach_and_a_terminal(twins, tmp_path):
    """runc refuses a console socket unless it detaches and allocates a tty, before connecting to
    it, and a tty without one when it detaches; nothing is left in the container."""
    pair = twins()
    sock = str(tmp_path / "nowhere.sock")
    for flags in (("-t", "--console-socket", sock), ("-d", "--console-socket", sock),
                  ("--console-socket", sock), ("-d", "-t")):
        ours, runcs = pair.exec(*flags, "--", "true", check=False)
        assert ours.returncode == runcs.returncode == 255, flags
        assert ours.stderr.strip() in runcs.stderr, (flags, ours.stderr, runcs.stderr)
    assert pair.pyrun("ps", "--format", "json", pair.ours).stdout.strip() == \
        f"[{pair.pyrun.state(pair.ours)['pid']}]"


def test_exec_foreground_tty_has_our_size_and_follows_it(pyrun, running):
    """exec -t without a console socket: the pty has the caller's terminal size before the process
    runs, and a SIGWINCH to the runtime (the caller's terminal resized) resizes it, as runc's."""
    import fcntl
    import pty
    import struct
    import termios

    def set_size(fd, rows, cols):
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    master, slave = pty.openpty()
    set_size(slave, 40, 120)
    script = "stty size; trap 'stty size' WINCH; echo ready; i=0; while [ $i -lt 50 ]; do sleep 0.1; " \
             "i=$((i+1)); done; echo done"
    proc = subprocess.Popen(pyrun.cmd("exec", "-t", running, "sh", "-c", script), stdin=slave, stdout=slave,
                            stderr=slave, start_new_session=True,
                            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
    os.close(slave)
    resized = []

    def resize_once_ready(out):
        if b"ready" in out and not resized:
            resized.append(True)
            set_size(master, 50, 132)   # the kernel sends SIGWINCH to the runtime, the tty's foreground

    try:
        out = read_pty(master, b"done", on_output=resize_once_ready)
    finally:
        os.close(master)
        proc.wait(timeout=20)
    lines = out.decode().replace("\r", "").split("\n")
    assert lines[:3] == ["40 120", "ready", "50 132"], lines


def _sub_cgroups(init_pid, name):
    """Make NAME under the init's cgroup in every hierarchy (cpuset given its parent's cpus and
    mems); returns [(hierarchy key, directory)]."""
    from runtime.cgroups import v1
    mounts = v1.hierarchies()
    made = []
    with open(f"/proc/{init_pid}/cgroup") as f:
        for line in f:
            _, key, path = line.rstrip("\n").split(":", 2)
            if key not in mounts:
                continue
            sub = os.path.join(mounts[key] + path, name)
            os.makedirs(sub, exist_ok=True)
            if "cpuset" in key.split(","):
                for file in ("cpuset.cpus", "cpuset.mems"):
                    with open(os.path.join(os.path.dirname(sub), file)) as src:
                        value = src.read().strip()
                    with open(os.path.join(sub, file), "w") as dst:
                        dst.write(value)
            made.append((key, sub))
    return made


def test_exec_cgroup_joins_sub_cgroups(pyrun, running):
    """--cgroup PATH: the sub-cgroup in every hierarchy; --cgroup CTRL[,CTRL]:PATH: in those only;
    refusals in runc's words; a missing sub-cgroup fails and leaves nothing running."""
    init = pyrun.state(running)["pid"]
    made = _sub_cgroups(init, "sub")
    try:
        def cgroups(*flags):   # seen from inside, through the container's cgroup namespace
            lines = pyrun("exec", *flags, running, "cat", "/proc/self/cgroup").stdout.splitlines()
            return dict(line.split(":", 2)[1:] for line in lines)

        inits = cgroups()
        with_sub = {key for key, _ in made}
        assert cgroups("--cgroup", "sub") == {key: path.rstrip("/") + "/sub" if key in with_sub else path
                                              for key, path in inits.items()}
        if not os.path.exists("/sys/fs/cgroup/cgroup.controllers"):   # v1 controllers: the hybrid here
            assert cgroups("--cgroup", "pids:sub") == {key: path.rstrip("/") + "/sub" if key == "pids" else path
                                                       for key, path in inits.items()}
        for arg, message in (("../up", "../up is not a sub cgroup path"),
                             ("nope:sub", "unknown controller nope in SubCgroupPaths"),
                             ("a:b:c", "invalid --cgroup argument: a:b:c"),
                             ("missing", "missing")):
            proc = pyrun("exec", "--cgroup", arg, running, "true", check=False)
            assert proc.returncode == 255 and message in proc.stderr, (arg, proc.stderr)
        assert pyrun("ps", "--format", "json", running).stdout.strip() == f"[{init}]"
    finally:
        for _, sub in made:
            os.rmdir(sub)
