"""podman 4.3 + conmon driving the runtime under test through `--runtime PATH`, on a private store
(--root/--runroot/--tmpdir), cgroupfs, no network, and a containers.conf that lists pyrun in
runtime_supports_json (so conmon passes --log-format=json --log) and keeps ulimits under the host's.

Every case runs with runc and with pyrun; the same assertions hold for both, and same_as_runc
checks that pyrun shows what runc showed.
"""

import json
import os
import shlex
import subprocess
import time

import pytest

from enginelib import IMAGE, in_tty, wait_for

pytestmark = [pytest.mark.engines, pytest.mark.timeout(120)]

TRAPS = "trap 'echo got-usr1' USR1; trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 0.05; done"


def read_file(path):
    with open(path) as f:
        return f.read()


def cgroup_file(pid, controller, name):
    """The host path of a cgroup v1 file of pid's cgroup (from /proc/PID/cgroup)."""
    for line in read_file(f"/proc/{pid}/cgroup").splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return read_file(f"/sys/fs/cgroup/{controller}{path}/{name}").strip()
    raise AssertionError(f"{pid} has no {controller} cgroup")


def start_detached(podman, case, *cmd, opts=()):
    name = podman.new_name(case)
    proc = podman("run", "-d", "--name", name, *podman.run_opts(), *opts, IMAGE, *cmd)
    assert proc.returncode == 0, f"{proc.stderr}{podman.explain(name)}"
    return name


def test_podman_run_rm(podman, same_as_runc):
    """run --rm: stdout and stderr pass through conmon, the exit code comes back, nothing is left."""
    name = podman.new_name("rm")
    proc = podman("run", "--rm", "--name", name, *podman.run_opts(), IMAGE,
                  "sh", "-c", "echo out; echo err >&2; echo $$; exit 5")
    assert (proc.returncode, proc.stdout) == (5, "out\n1\n"), f"{proc.stderr}{podman.explain(name)}"
    assert "err\n" in proc.stderr
    same_as_runc("rc+stdout", (proc.returncode, proc.stdout))
    assert podman("container", "exists", name).returncode == 1


def test_podman_config_seen_inside(podman, same_as_runc):
    """What podman's config asks for is what the process sees: ulimits, umask, hostname, cgroup mount."""
    name = podman.new_name("view")
    script = ("ulimit -n; ulimit -u; umask; hostname; grep -E '^(Seccomp|NoNewPrivs|SigBlk|SigIgn):' /proc/$$/status; "
              "ls /proc/$$/fd; "
              "ls /sys/fs/cgroup | grep -E '^(memory|pids)$'; cat /sys/fs/cgroup/pids/pids.max; "
              "test -f /run/.containerenv && echo containerenv")
    proc = podman("run", "--rm", "--name", name, "--hostname", "box", *podman.run_opts(), IMAGE, "sh", "-c", script)
    assert proc.returncode == 0, f"{proc.stderr}{podman.explain(name)}"
    # conmon starts the runtime with SIGPIPE ignored: the container must not inherit that (SigIgn is
    # busybox sh's own SIGQUIT); only fds 0-2 reach it.
    assert proc.stdout.splitlines() == ["1024", "4096", "0022", "box", "SigBlk:\t0000000000000000",
                                        "SigIgn:\t0000000000000004", "NoNewPrivs:\t0", "Seccomp:\t2", "0", "1", "2",
                                        "memory", "pids", "2048", "containerenv"], proc.stdout
    same_as_runc("stdout", proc.stdout)


def test_podman_detached_exec_signals_stop_rm(podman, same_as_runc):
    """run -d, exec (output and exit code), kill -s USR1, stop (TERM, the trap's exit code), start
    again (the runtime creates the same id anew), stop, rm."""
    name = start_detached(podman, "life", "sh", "-c", TRAPS)
    wait_for(lambda: "ready" in podman("logs", name).stdout, what="the container to start")
    info = podman.inspect(name)
    assert info["State"]["Status"] == "running"
    states = [info["State"]["Status"]]

    proc = podman("exec", "-w", "/etc", "-e", "X=y", name, "sh", "-c", 'echo "$X $(pwd)"; exit 6')
    assert (proc.returncode, proc.stdout) == (6, "y /etc\n"), f"{proc.stderr}{podman.explain(name)}"
    proc = podman("exec", name, "nosuchcmd")
    assert proc.returncode == 127, f"{proc.returncode} {proc.stderr}{podman.explain(name)}"

    proc = podman("kill", "--signal", "USR1", name)
    assert proc.returncode == 0, f"{proc.stderr}{podman.explain(name)}"
    wait_for(lambda: "got-usr1" in podman("logs", name).stdout, what="USR1 to arrive")

    started = time.monotonic()
    proc = podman("stop", "--time", "10", name)
    assert proc.returncode == 0, f"{proc.stderr}{podman.explain(name)}"
    assert time.monotonic() - started < 8, "stop fell back to SIGKILL: TERM did not arrive"
    info = podman.inspect(name)
    states.append(info["State"]["Status"])
    assert (info["State"]["Status"], info["State"]["ExitCode"]) == ("exited", 3), podman.explain(name)
    assert podman("logs", name).stdout == "ready\ngot-usr1\ngot-term\n"

    # start again: the same container id is created anew in the runtime (its old state must be gone).
    proc = podman("start", name)
    assert proc.returncode == 0, f"{proc.stderr}{podman.explain(name)}"
    wait_for(lambda: podman("logs", name).stdout.count("ready") == 2, what="the restarted container")
    states.append(podman.inspect(name)["State"]["Status"])
    proc = podman("stop", "--time", "10", name)
    assert proc.returncode == 0, f"{proc.stderr}{podman.explain(name)}"
    assert podman.inspect(name)["State"]["ExitCode"] == 3

    proc = podman("rm", name)
    assert proc.returncode == 0, f"{proc.stderr}{podman.explain(name)}"
    assert podman("container", "exists", name).returncode == 1
    same_as_runc("states", states)


def test_podman_user_mounts_read_only(podman, same_as_runc):
    """--user, exec -u, --read-only (podman adds tmpfs on /tmp, /run, /var/tmp), -v host:dst:ro, --tmpfs."""
    share = os.path.join(podman.store.dir, f"share-{podman.runtime.name}")
    os.makedirs(share, exist_ok=True)
    with open(os.path.join(share, "f"), "w") as f:
        f.write("hostdata\n")
    script = ("id; cat /mnt/f; touch /x 2>/dev/null || echo root-ro; touch /tmp/t && echo tmp-rw; "
              "touch /mnt/g 2>/dev/null || echo mnt-ro; touch /data/d && echo data-rw; "
              "grep -E ' /(data|tmp) ' /proc/mounts | cut -d' ' -f2,3 | sort; echo done")
    name = start_detached(podman, "user", "sh", "-c", f"{script}; sleep 1000",
                          opts=("--user", "1000:1000", "--read-only", "-v", f"{share}:/mnt:ro",
                                "--tmpfs", "/data:mode=1777"))
    wait_for(lambda: "done\n" in podman("logs", name).stdout, what="the container's output")
    out = podman("logs", name).stdout
    assert out.splitlines() == ["uid=1000(user) gid=1000(user) groups=1000(user)", "hostdata", "root-ro", "tmp-rw",
                                "mnt-ro", "data-rw", "/data tmpfs", "/tmp tmpfs", "done"], out
    proc = podman("exec", "-u", "65534", name, "id")
    assert proc.stdout == "uid=65534(nobody) gid=65534(nogroup)\n", \
        f"{proc.stdout}{proc.stderr}{podman.explain(name)}"
    assert os.listdir(share) == ["f"]
    same_as_runc("out", (out, proc.stdout))


def test_podman_knobs(podman, same_as_runc):
    """--cap-drop/--cap-add, --ulimit, --pids-limit, --shm-size and --sysctl (a net and an ipc one)
    reach the process; podman also lists /proc/sys in readonlyPaths, so sysctls must be written first."""
    name = podman.new_name("knobs")
    script = ("grep -E '^Cap(Eff|Bnd)' /proc/$$/status; ulimit -n; ulimit -Hn; cat /sys/fs/cgroup/pids/pids.max; "
              "df -k /dev/shm | tail -1 | awk '{print $2}'; cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax; "
              "grep ' /proc/sys ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1")
    proc = podman("run", "--rm", "--name", name, *podman.run_opts(), "--cap-drop", "chown", "--cap-add", "sys_admin",
                  "--ulimit", "nofile=500:600", "--ulimit", "nproc=4096:4096", "--pids-limit", "42", "--shm-size", "8m",
                  "--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.msgmax=4096", IMAGE, "sh", "-c", script)
    assert proc.returncode == 0, f"{proc.returncode} {proc.stderr}{podman.explain(name)}"
    assert proc.stdout.splitlines() == ["CapEff:\t00000000a82425fa", "CapBnd:\t00000000a82425fa", "500", "600", "42",
                                        "8192", "1", "4096", "ro"], proc.stdout
    same_as_runc("stdout", proc.stdout)


def test_podman_privileged(podman, same_as_runc):
    """--privileged: every capability, no seccomp, the host's devices, /sys read-write."""
    name = podman.new_name("priv")
    proc = podman("run", "--rm", "--name", name, *podman.run_opts(), "--privileged", IMAGE, "sh", "-c",
                  "grep -E '^(CapEff|Seccomp):' /proc/$$/status; test -c /dev/loop-control && echo loop-control; "
                  "grep ' /sys ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1; ls /dev | wc -l")
    assert proc.returncode == 0, f"{proc.returncode} {proc.stderr}{podman.explain(name)}"
    lines = proc.stdout.splitlines()
    assert lines[:4] == ["CapEff:\t000001fffeffffff", "Seccomp:\t0", "loop-control", "rw"], proc.stdout
    same_as_runc("stdout", proc.stdout)


def test_podman_user_namespace(podman, same_as_runc):
    """--uidmap/--gidmap: a user namespace; root inside owns the rootfs and maps to 100000 outside."""
    name = start_detached(podman, "userns", "sh", "-c",
                          "cat /proc/self/uid_map; id; touch /x && echo rootfs-rw; ls -ln /bin/busybox; sleep 1000",
                          opts=("--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536"))
    wait_for(lambda: "busybox" in podman("logs", name).stdout, what="the container's output")
    out = podman("logs", name).stdout.splitlines()
    assert out[0].split() == ["0", "100000", "65536"] and out[1:3] == ["uid=0(root) gid=0(root)", "rootfs-rw"], out
    assert out[3].split()[2:4] == ["0", "0"], out
    pid = podman.inspect(name)["State"]["Pid"]
    assert [line.split()[1] for line in read_file(f"/proc/{pid}/status").splitlines()
            if line.startswith(("Uid:", "Gid:"))] == ["100000", "100000"]
    same_as_runc("out", out[:3])


def test_podman_devices_and_host_namespaces(podman, same_as_runc):
    """--device (a host node under another name), --device-cgroup-rule, --oom-score-adj, --cpu-shares,
    --cpuset-cpus, --ipc host, --uts host, --group-add: as the process and its cgroup see them."""
    name = podman.new_name("dev")
    script = ("ls -l /dev/mynull | cut -c1-10; echo x > /dev/mynull && echo mynull-w; cat /proc/self/oom_score_adj; "
              "readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts; id -G; "
              "cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpuset/cpuset.cpus; "
              "grep -c . /sys/fs/cgroup/devices/devices.list")
    proc = podman("run", "--rm", "--name", name, *podman.run_opts(), "--device", "/dev/null:/dev/mynull:rw",
                  "--device-cgroup-rule", "c 1:5 r", "--oom-score-adj", "100", "--cpu-shares", "512",
                  "--cpuset-cpus", "0", "--ipc", "host", "--uts", "host", "--group-add", "5", IMAGE, "sh", "-c", script)
    assert proc.returncode == 0, f"{proc.returncode} {proc.stderr}{podman.explain(name)}"
    lines = proc.stdout.splitlines()
    assert lines[:8] == ["crw-rw-rw-", "mynull-w", "100", os.readlink("/proc/self/ns/ipc"),
                         os.readlink("/proc/self/ns/uts"), "0 5", "512", "0"], proc.stdout
    same_as_runc("stdout", proc.stdout)


def test_podman_init(podman, same_as_runc):
    """--init: podman's catatonit is pid 1 and the command runs under it."""
    name = podman.new_name("init")
    proc = podman("run", "--rm", "--name", name, *podman.run_opts(), "--init", IMAGE, "sh", "-c",
                  "tr '\\0' ' ' </proc/1/cmdline; echo; ps -o comm | sed -n 2,3p")
    assert proc.returncode == 0, f"{proc.returncode} {proc.stderr}{podman.explain(name)}"
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("/run/podman-init -- sh -c ") and lines[1:] == ["podman-init", "sh"], lines
    same_as_runc("stdout", proc.stdout)


def test_podman_stop_pid_host(podman, same_as_runc):
    """With --pid host, podman stops the container with `kill --all ID 15`; sleep dies of TERM (143)."""
    name = start_detached(podman, "pidhost", "sleep", "1000", opts=("--pid", "host"))
    proc = podman("stop", "--time", "10", name)
    assert proc.returncode == 0, f"{proc.stderr}{podman.explain(name)}"
    state = podman.inspect(name)["State"]
    result = (state["Status"], state["ExitCode"])
    assert result == ("exited", 143), podman.explain(name)
    same_as_runc("state", result)


def test_podman_rm_force_running(podman, same_as_runc):
    """rm --force on a running container (with an exec'd process too): nothing left in the runtime's
    default root, in the cgroup tree, or as a process."""
    name = start_detached(podman, "rmf", "sleep", "1000")
    info = podman.inspect(name)
    assert podman("exec", "-d", name, "sleep", "999").returncode == 0
    pid, cid = info["State"]["Pid"], info["Id"]
    proc = podman("rm", "--force", "--time", "0", name)
    assert proc.returncode == 0, f"{proc.stderr}{podman.explain(name)}"
    default_root = {"runc": "/run/runc", "pyrun": "/run/pyrun"}[podman.runtime.name]
    assert not os.path.exists(os.path.join(default_root, cid)), "runtime state left behind"
    assert not os.path.exists(f"/sys/fs/cgroup/memory{podman.store.cgroup_parent}/libpod-{cid}"), "cgroup left behind"
    wait_for(lambda: not os.path.exists(f"/proc/{pid}"), what="the container's init to be gone")
    same_as_runc("rc", proc.returncode)


def test_podman_stop_falls_back_to_kill(podman, same_as_runc):
    """stop on a pid 1 without a TERM handler: podman sends TERM (ignored), then KILL; exit code 137."""
    name = start_detached(podman, "stopkill", "sleep", "1000")
    proc = podman("stop", "--time", "1", name)
    assert proc.returncode == 0, f"{proc.stderr}{podman.explain(name)}"
    state = podman.inspect(name)["State"]
    result = (state["Status"], state["ExitCode"])
    assert result == ("exited", 137), podman.explain(name)
    same_as_runc("state", result)


def test_podman_stop_a_created_container(podman, same_as_runc):
    """`podman init` leaves the container created (the runtime's init waiting for start); stop
    sends TERM, which ends runc's waiting init at once (exit 2): pyrun's must not wait for the KILL."""
    name = podman.new_name("stopcreated")
    proc = podman("create", "--name", name, *podman.run_opts(), IMAGE, "sleep", "1000")
    assert proc.returncode == 0, proc.stderr
    proc = podman("init", name)
    assert proc.returncode == 0, f"{proc.stderr}{podman.explain(name)}"
    assert podman.inspect(name)["State"]["Status"] == "initialized"
    proc = podman("stop", "--time", "20", name)
    assert proc.returncode == 0, f"{proc.stderr}{podman.explain(name)}"
    state = podman.inspect(name)["State"]
    result = (state["Status"], state["ExitCode"])
    assert result == ("exited", 2), podman.explain(name)   # not 137: TERM did it
    same_as_runc("state", result)


def test_podman_run_it(podman, same_as_runc):
    """run -it and exec -it under a pty: the console socket, the tty, the exit code."""
    # (podman 4.3 can lose all of a short-lived -it container's output, with runc too: the sleeps
    # keep the process alive until podman is attached and until the pty is drained)
    # The outer pty is 45x123: podman sizes the container's console from it before the process runs.
    name = podman.new_name("tty")
    podman_run = shlex.join(podman.cmd("run", "-it", "--rm", "--name", name, *podman.run_opts(), IMAGE, "sh", "-c",
                                       "sleep 0.3; tty; test -t 0 && echo stdin-is-tty; stty size; sleep 0.3; exit 4"))
    rc, out = in_tty(["sh", "-c", f"stty rows 45 cols 123; exec {podman_run}"], env=podman.store.env())
    assert (rc, out) == (4, ["/dev/pts/0", "stdin-is-tty", "45 123"]), f"{rc} {out}{podman.explain(name)}"
    same_as_runc("rc+out", (rc, out))

    name = start_detached(podman, "ttyexec", "sleep", "1000")
    rc, out = in_tty([*podman.cmd("exec", "-it", name, "sh", "-c", "tty; exit 2")], env=podman.store.env())
    # (a resize race may add an error line of podman's own: the tty line is what matters)
    assert rc == 2 and any(line.startswith("/dev/pts/") for line in out), f"{rc} {out}{podman.explain(name)}"


def test_podman_memory_update(podman, same_as_runc):
    """--memory lands in the container's cgroup (host file and the container's own /sys/fs/cgroup);
    podman update changes it and the cpu quota in place."""
    name = start_detached(podman, "mem", "sleep", "1000", opts=("--memory", "32m"))
    pid = podman.inspect(name)["State"]["Pid"]
    assert int(cgroup_file(pid, "memory", "memory.limit_in_bytes")) == 32 << 20
    proc = podman("exec", name, "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
    assert proc.stdout.strip() == str(32 << 20), f"{proc.stderr}{podman.explain(name)}"

    proc = podman("update", "--memory", "64m", "--cpus", "0.5", name)
    assert proc.returncode == 0, f"{proc.stderr}{podman.explain(name)}"
    limits = (int(cgroup_file(pid, "memory", "memory.limit_in_bytes")),
              int(cgroup_file(pid, "cpu", "cpu.cfs_quota_us")), int(cgroup_file(pid, "cpu", "cpu.cfs_period_us")))
    assert limits == (64 << 20, 50000, 100000)
    same_as_runc("limits", limits)


def test_podman_pause_unpause(podman, same_as_runc):
    """pause freezes (state paused, freezer FROZEN, no output); unpause thaws."""
    name = start_detached(podman, "pause", "sh", "-c", "while :; do echo tick; sleep 0.05; done")
    pid = podman.inspect(name)["State"]["Pid"]
    wait_for(lambda: podman("logs", name).stdout.count("tick") >= 2, what="output")

    proc = podman("pause", name)
    assert proc.returncode == 0, f"{proc.stderr}{podman.explain(name)}"
    states = [podman.inspect(name)["State"]["Status"]]
    assert cgroup_file(pid, "freezer", "freezer.state") == "FROZEN"
    before = podman("logs", name).stdout.count("tick")
    time.sleep(0.3)
    assert podman("logs", name).stdout.count("tick") == before, "a paused container kept running"

    proc = podman("unpause", name)
    assert proc.returncode == 0, f"{proc.stderr}{podman.explain(name)}"
    states.append(podman.inspect(name)["State"]["Status"])
    assert cgroup_file(pid, "freezer", "freezer.state") == "THAWED"
    wait_for(lambda: podman("logs", name).stdout.count("tick") > before + 1, what="output after unpause")
    assert states == ["paused", "running"]
    same_as_runc("states", states)


def test_podman_missing_executable(podman, same_as_runc):
    """A missing executable: podman exits 127 and shows the runtime's own message (read from its JSON --log)."""
    name = podman.new_name("missing")
    cidfile = os.path.join(podman.store.dir, f"{name}.cid")
    proc = podman("run", "--rm", "--name", name, "--cidfile", cidfile, *podman.run_opts(), IMAGE, "/no/such/cmd")
    assert proc.returncode == 127, f"{proc.returncode} {proc.stderr}{podman.explain(name)}"
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Error: {podman.runtime.binary}: "), last
    assert "/no/such/cmd" in last and last.endswith(": OCI runtime attempted to invoke a command that was not found")
    same_as_runc("rc", proc.returncode)
    assert podman("container", "exists", name).returncode == 1
    # Nothing left: podman calls the runtime without --root, so its state is in the default root.
    cid = read_file(cidfile).strip()
    default_root = {"runc": "/run/runc", "pyrun": "/run/pyrun"}[podman.runtime.name]
    assert not os.path.exists(os.path.join(default_root, cid)), "runtime state left behind"
    assert not os.path.exists(f"/sys/fs/cgroup/memory{podman.store.cgroup_parent}/libpod-{cid}"), "cgroup left behind"


def test_podman_info_version(podman, same_as_runc):
    """podman info shows the runtime's path and the first lines of its --version."""
    proc = podman("info", "--format", "{{json .Host.OCIRuntime}}")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    version = subprocess.run([podman.runtime.binary, "--version"], capture_output=True, text=True, timeout=10)
    assert version.returncode == 0 and version.stdout.startswith(f"{podman.runtime.name} version "), version
    assert info["path"] == podman.runtime.binary
    assert info["version"] == version.stdout.strip()
    same_as_runc("name", info["name"] == podman.runtime.binary)
