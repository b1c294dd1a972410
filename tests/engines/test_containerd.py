"""containerd 1.6 (ctr + containerd-shim-runc-v2) driving the runtime under test through
`ctr run --runc-binary R --runc-root DIR --fifo-dir DIR`, on a private daemon.

Every case runs with runc and with pyrun; the same assertions hold for both, and same_as_runc
checks that pyrun shows what runc showed (outputs, exit codes, task states).
"""

import json
import os
import time

import pytest

from enginelib import IMAGE, in_tty, run, wait_for

pytestmark = [pytest.mark.engines, pytest.mark.timeout(120)]

LOOP = "trap 'echo got-usr1' USR1; trap 'echo got-term; exit 9' TERM; echo ready; while :; do sleep 0.05; done"


def exit_code_of_delete(proc):
    """ctr task delete reports a non-zero exit as a warning: 'task X exit with non-zero exit code N'."""
    marker = "exit with non-zero exit code "
    if marker in proc.stderr:
        return int(proc.stderr.split(marker)[1].split('"')[0].split()[0])
    return 0


def read_file(path):
    with open(path) as f:
        return f.read()


def run_detached(ctr, cid, *cmd, opts=()):
    """ctr run -d with the container's stdout/stderr in a file (the shim writes it: --log-uri file://)."""
    log = os.path.join(ctr.fifo_dir, f"{cid}.out")
    open(log, "w").close()
    proc = ctr.run(cid, *cmd, opts=("-d", "--log-uri", f"file://{log}", *opts))
    assert proc.returncode == 0, f"ctr run -d failed: {proc.stderr}{ctr.explain(cid)}"
    return log


def test_ctr_run_rm(ctr, same_as_runc):
    """run --rm: stdout and stderr pass through, the exit code comes back, nothing is left."""
    cid = ctr.new_id("rm")
    proc = ctr.run(cid, "sh", "-c", "echo out; echo err >&2; exit 7")
    assert (proc.returncode, proc.stdout) == (7, "out\n"), f"{proc.stderr}{ctr.explain(cid)}"
    assert "err\n" in proc.stderr
    same_as_runc("rc+stdout", (proc.returncode, proc.stdout))
    assert cid not in ctr("container", "ls", "-q").stdout.split()
    assert not os.path.exists(os.path.join(ctr.runc_root, ctr.daemon.namespace, cid)), "runtime state left behind"
    left = [d for d in os.listdir("/sys/fs/cgroup") if os.path.exists(f"/sys/fs/cgroup/{d}/{ctr.daemon.namespace}/{cid}")]
    assert not left, f"cgroups left behind in {left}"


def test_ctr_run_env_cwd_user_view(ctr, same_as_runc):
    """--env and --cwd reach the process; it is pid 1, root with containerd's caps, and it inherits
    only fds 0-2 (the shim leaks its socket as fd 3 into create) and no blocked signals."""
    cid = ctr.new_id("env")
    proc = ctr.run(cid, "sh", "-c", 'echo "$FOO|$(pwd)|$$|$(id -u)"; ls /proc/$$/fd; '
                                    'grep -E "^(CapEff|NoNewPrivs|SigBlk|SigIgn)" /proc/$$/status',
                   opts=("--env", "FOO=bar baz", "--cwd", "/tmp"))
    assert proc.returncode == 0, f"{proc.stderr}{ctr.explain(cid)}"
    assert proc.stdout.splitlines() == [
        "bar baz|/tmp|1|0", "0", "1", "2",
        "SigBlk:\t0000000000000000", "SigIgn:\t0000000000000004",  # busybox sh ignores SIGQUIT itself
        "CapEff:\t00000000a80425fb",  # containerd's 14 default capabilities
        "NoNewPrivs:\t1"], proc.stdout
    same_as_runc("stdout", proc.stdout)


def test_ctr_run_tty(ctr, same_as_runc):
    """run -t under a pty: the console socket hands over a pty; the exit code comes back."""
    cid = ctr.new_id("tty")
    rc, out = in_tty(["ctr", "-a", ctr.daemon.sock, "-n", ctr.daemon.namespace, "run", "--rm", "-t",
                      *ctr.runtime_flags(), IMAGE, cid, "sh", "-c", "tty; test -t 0 && echo stdin-is-tty; exit 3"])
    assert rc == 3, f"rc {rc}: {out}{ctr.explain(cid)}"
    assert out == ["/dev/pts/0", "stdin-is-tty"], out
    same_as_runc("rc+out", (rc, out))


def test_ctr_exec_ps(ctr, same_as_runc):
    """run -d, then task exec (plain and -t), task ps lists host pids of init and a detached exec."""
    cid = ctr.new_id("exec")
    run_detached(ctr, cid, "sleep", "1000")
    tasks = ctr.daemon.tasks()
    assert tasks[cid][1] == "RUNNING", tasks
    init_pid = tasks[cid][0]

    proc = ctr("task", "exec", "--exec-id", "e1", "--cwd", "/etc", cid,
               "sh", "-c", 'echo "$PATH $(pwd) $$"; exit 4')
    assert proc.returncode == 4, f"{proc.stderr}{ctr.explain(cid)}"
    assert proc.stdout.split()[:2] == ["/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "/etc"], proc.stdout
    same_as_runc("exec rc+out", (proc.returncode, proc.stdout.split()[:2]))

    proc = ctr("task", "exec", "--exec-id", "e1u", "--user", "1000", cid, "id")
    assert proc.stdout == "uid=1000(user) gid=1000(user) groups=1000(user)\n", f"{proc.stdout}{proc.stderr}{ctr.explain(cid)}"
    same_as_runc("exec --user", proc.stdout)

    rc, out = in_tty(["ctr", "-a", ctr.daemon.sock, "-n", ctr.daemon.namespace, "task", "exec", "-t",
                      "--exec-id", "e2", cid, "sh", "-c", "tty; exit 5"])
    # (ctr may add "resize pty" errors of its own after the exit: the tty line is what matters)
    assert rc == 5 and any(line.startswith("/dev/pts/") for line in out), f"rc {rc}: {out}{ctr.explain(cid)}"

    proc = ctr("task", "exec", "-d", "--exec-id", "e3", cid, "sleep", "999")
    assert proc.returncode == 0, f"{proc.stderr}{ctr.explain(cid)}"
    proc = ctr("task", "ps", cid)
    assert proc.returncode == 0, proc.stderr
    pids = [int(line.split()[0]) for line in proc.stdout.splitlines()[1:]]
    assert init_pid in pids and len(pids) == 2, proc.stdout
    exec_pid = next(p for p in pids if p != init_pid)
    assert read_file(f"/proc/{exec_pid}/cmdline").split("\0")[:2] == ["sleep", "999"]
    # The exec'd process is in the container's namespaces and cgroup.
    for ns in ("pid", "mnt", "net", "uts", "ipc"):
        assert os.readlink(f"/proc/{exec_pid}/ns/{ns}") == os.readlink(f"/proc/{init_pid}/ns/{ns}"), ns
    assert read_file(f"/proc/{exec_pid}/cgroup") == read_file(f"/proc/{init_pid}/cgroup")
    same_as_runc("ps count", len(pids))


def test_ctr_kill_signals(ctr, same_as_runc):
    """task kill delivers USR1 and TERM (by name and by number); the trap's exit code comes back."""
    cid = ctr.new_id("kill")
    log = run_detached(ctr, cid, "sh", "-c", LOOP)
    wait_for(lambda: "ready" in read_file(log), what="the container to start")
    assert ctr("task", "kill", "-s", "SIGUSR1", cid).returncode == 0
    wait_for(lambda: "got-usr1" in read_file(log), what="USR1 to arrive")
    proc = ctr("task", "kill", "-s", "15", cid)
    assert proc.returncode == 0, f"{proc.stderr}{ctr.explain(cid)}"
    wait_for(lambda: ctr.daemon.status(cid) == "STOPPED", what="the task to stop")
    assert read_file(log) == "ready\ngot-usr1\ngot-term\n"
    # Killing a stopped task: containerd reports it as not found, from the runtime's "not running".
    proc = ctr("task", "kill", "-s", "SIGKILL", cid)
    assert proc.returncode != 0 and "not found" in proc.stderr, proc.stderr
    proc = ctr("task", "delete", cid)
    assert proc.returncode == 0, f"{proc.stderr}{ctr.explain(cid)}"
    same_as_runc("exit", exit_code_of_delete(proc))
    assert exit_code_of_delete(proc) == 9


def test_ctr_kill_all_sigkill(ctr, same_as_runc):
    """task kill --all SIGKILL ends the init and an exec'd process; the exit code is 137."""
    cid = ctr.new_id("killall")
    run_detached(ctr, cid, "sleep", "1000")
    assert ctr("task", "exec", "-d", "--exec-id", "bg", cid, "sleep", "998").returncode == 0
    pids = [int(line.split()[0]) for line in ctr("task", "ps", cid).stdout.splitlines()[1:]]
    proc = ctr("task", "kill", "--all", "-s", "SIGKILL", cid)
    assert proc.returncode == 0, f"{proc.stderr}{ctr.explain(cid)}"
    wait_for(lambda: ctr.daemon.status(cid) == "STOPPED", what="the task to stop")
    wait_for(lambda: not any(os.path.exists(f"/proc/{p}") and "sleep" in read_file(f"/proc/{p}/cmdline")
                             for p in pids), what="every container process to be gone")
    proc = ctr("task", "delete", cid)
    assert exit_code_of_delete(proc) == 137, proc.stderr
    same_as_runc("exit", exit_code_of_delete(proc))


def test_ctr_pause_resume(ctr, same_as_runc):
    """task pause freezes the container (freezer cgroup FROZEN, output stops); resume thaws it."""
    cid = ctr.new_id("pause")
    log = run_detached(ctr, cid, "sh", "-c", "while :; do echo tick; sleep 0.05; done")
    wait_for(lambda: read_file(log).count("tick") >= 2, what="output")
    freezer = f"/sys/fs/cgroup/freezer/{ctr.daemon.namespace}/{cid}/freezer.state"

    proc = ctr("task", "pause", cid)
    assert proc.returncode == 0, f"{proc.stderr}{ctr.explain(cid)}"
    statuses = [ctr.daemon.status(cid)]
    assert read_file(freezer).strip() == "FROZEN"
    before = read_file(log).count("tick")
    time.sleep(0.3)
    assert read_file(log).count("tick") == before, "a paused container kept running"

    proc = ctr("task", "resume", cid)
    assert proc.returncode == 0, f"{proc.stderr}{ctr.explain(cid)}"
    statuses.append(ctr.daemon.status(cid))
    assert read_file(freezer).strip() == "THAWED"
    wait_for(lambda: read_file(log).count("tick") > before + 1, what="output after resume")
    assert statuses == ["PAUSED", "RUNNING"]
    same_as_runc("statuses", statuses)


def test_ctr_metrics(ctr, same_as_runc):
    """task metrics: the shim reads the cgroup files of the runtime's cgroup (memory limit, pids, cpu)."""
    cid = ctr.new_id("metrics")
    run_detached(ctr, cid, "sh", "-c", "sleep 1000 & sleep 1000 & wait", opts=("--memory-limit", str(48 << 20)))

    def metrics():
        proc = ctr("task", "metrics", "--format", "json", cid)
        assert proc.returncode == 0, f"{proc.stderr}{ctr.explain(cid)}"
        return json.loads(proc.stdout)

    wait_for(lambda: metrics()["pids"]["current"] == 3, what="sh and its two sleeps in pids.current")
    metrics = metrics()
    assert metrics["memory"]["usage"]["limit"] == 48 << 20, metrics["memory"]
    assert metrics["memory"]["usage"]["usage"] > 0, metrics["memory"]
    assert metrics["cpu"]["usage"]["total"] > 0
    same_as_runc("limit+pids", (metrics["memory"]["usage"]["limit"], metrics["pids"]["current"]))


def test_ctr_memory_cpus(ctr, same_as_runc):
    """--memory-limit and --cpus land in the container's cgroup; an allocation past the limit is OOM-killed."""
    cid = ctr.new_id("mem")
    run_detached(ctr, cid, "sleep", "1000", opts=("--memory-limit", str(32 << 20), "--cpus", "0.5"))
    ns = ctr.daemon.namespace
    limits = (int(read_file(f"/sys/fs/cgroup/memory/{ns}/{cid}/memory.limit_in_bytes")),
              int(read_file(f"/sys/fs/cgroup/cpu/{ns}/{cid}/cpu.cfs_quota_us")),
              int(read_file(f"/sys/fs/cgroup/cpu/{ns}/{cid}/cpu.cfs_period_us")))
    assert limits == (32 << 20, 50000, 100000)
    same_as_runc("limits", limits)
    # 64 MiB in a shell variable under a 32 MiB limit (no swap here): the kernel kills the exec'd shell.
    proc = ctr("task", "exec", "--exec-id", "oom", cid, "sh", "-c", "x=$(head -c 67108864 /dev/zero | tr '\\0' a); echo survived")
    assert proc.returncode == 137 and "survived" not in proc.stdout, (proc.returncode, proc.stdout, proc.stderr)
    assert int(read_file(f"/sys/fs/cgroup/memory/{ns}/{cid}/memory.failcnt")) > 0


def test_ctr_read_only_mount(ctr, same_as_runc, engine_dir):
    """--read-only makes the rootfs read-only; --mount binds a host dir (ro) at the destination."""
    share = os.path.join(engine_dir, f"share-{ctr.runtime.name}")
    os.makedirs(share, exist_ok=True)
    with open(os.path.join(share, "f"), "w") as f:
        f.write("hostdata\n")
    cid = ctr.new_id("ro")
    proc = ctr.run(cid, "sh", "-c", "cat /mnt/f; touch /x 2>/dev/null || echo root-ro; "
                                    "touch /mnt/g 2>/dev/null || echo mnt-ro; grep ' /mnt ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1",
                   opts=("--read-only", "--mount", f"type=bind,src={share},dst=/mnt,options=rbind:ro"))
    assert proc.returncode == 0, f"{proc.stderr}{ctr.explain(cid)}"
    assert proc.stdout == "hostdata\nroot-ro\nmnt-ro\nro\n"
    assert os.listdir(share) == ["f"]
    same_as_runc("stdout", proc.stdout)


def test_ctr_seccomp(ctr, same_as_runc):
    """--seccomp applies containerd's default profile: filter mode, and unshare of a user ns is refused."""
    cid = ctr.new_id("seccomp")
    proc = ctr.run(cid, "sh", "-c", "grep '^Seccomp:' /proc/self/status; unshare -U true 2>/dev/null; echo unshare=$?",
                   opts=("--seccomp",))
    assert proc.returncode == 0, f"{proc.stderr}{ctr.explain(cid)}"
    assert proc.stdout == "Seccomp:\t2\nunshare=1\n"
    same_as_runc("stdout", proc.stdout)


def test_ctr_delete_created_task(ctr, same_as_runc):
    """A task left created (ctr fails to write its --pid-file before start) never runs its process;
    `task delete` refuses it, `task delete --force` kills and deletes it with 137."""
    cid = ctr.new_id("created")
    log = os.path.join(ctr.fifo_dir, f"{cid}.out")
    proc = ctr.run(cid, "sh", "-c", "echo started", opts=("-d", "--log-uri", f"file://{log}",
                                                           "--pid-file", "/nonexistent/dir/pid"))
    assert proc.returncode != 0 and "/nonexistent/dir" in proc.stderr, proc.stderr
    pid, status = ctr.daemon.tasks().get(cid, (0, None))
    assert status == "CREATED", f"{status}{ctr.explain(cid)}"
    assert os.path.exists(f"/proc/{pid}")
    proc = ctr("task", "delete", cid)
    assert proc.returncode != 0 and "must be stopped" in proc.stderr, proc.stderr
    proc = ctr("task", "delete", "--force", cid)
    assert proc.returncode == 0, f"{proc.stderr}{ctr.explain(cid)}"
    assert exit_code_of_delete(proc) == 137
    assert cid not in ctr.daemon.tasks()
    wait_for(lambda: not os.path.exists(f"/proc/{pid}"), what="the created init to be gone")
    assert read_file(log) == "", "the created task's process ran"
    assert not os.path.exists(os.path.join(ctr.runc_root, ctr.daemon.namespace, cid)), "runtime state left behind"
    same_as_runc("exit", exit_code_of_delete(proc))


def test_ctr_missing_executable(ctr, same_as_runc):
    """A missing executable: the runtime's own message reaches ctr through its JSON --log, and the
    failed create leaves no task, no runtime state and no cgroup behind."""
    cid = ctr.new_id("missing")
    proc = ctr.run(cid, "/no/such/cmd")
    assert proc.returncode == 1, f"{proc.stderr}{ctr.explain(cid)}"
    first = proc.stderr.splitlines()[0]
    assert first.startswith("ctr: failed to create shim task: OCI runtime create failed: "), first
    assert first.endswith('exec: "/no/such/cmd": stat /no/such/cmd: no such file or directory: unknown'), first
    assert "unable to retrieve OCI runtime error" not in first
    assert cid not in ctr.daemon.tasks()
    assert not os.path.exists(os.path.join(ctr.runc_root, ctr.daemon.namespace, cid)), "runtime state left behind"
    left = [d for d in os.listdir("/sys/fs/cgroup") if os.path.exists(f"/sys/fs/cgroup/{d}/{ctr.daemon.namespace}/{cid}")]
    assert not left, f"cgroups left behind in {left}"
    same_as_runc("rc", proc.returncode)


def test_ctr_runtime_state_and_list(ctr, same_as_runc):
    """What the runtime itself reports about a container the shim made: state and list under the
    shim's --root (absolute rootfs from containerd's relative root.path), then "does not exist"."""
    cid = ctr.new_id("state")
    run_detached(ctr, cid, "sleep", "1000")
    root = os.path.join(ctr.runc_root, ctr.daemon.namespace)
    proc = run([ctr.runtime.binary, "--root", root, "state", cid])
    assert proc.returncode == 0, proc.stderr
    state = json.loads(proc.stdout)
    bundle = ctr.daemon.bundle(cid)
    assert (state["id"], state["status"], state["pid"], state["bundle"], state["rootfs"]) == \
        (cid, "running", ctr.daemon.tasks()[cid][0], bundle, os.path.join(bundle, "rootfs"))
    same_as_runc("state keys", sorted(state))

    listed = json.loads(run([ctr.runtime.binary, "--root", root, "list", "--format", "json"], check=True).stdout)
    mine = [c for c in listed if c["id"] == cid]
    assert len(mine) == 1 and mine[0]["status"] == "running" and mine[0]["pid"] == state["pid"], listed
    same_as_runc("list keys", sorted(mine[0]))

    assert ctr("task", "kill", "-s", "SIGKILL", cid).returncode == 0
    wait_for(lambda: ctr.daemon.status(cid) == "STOPPED", what="the task to stop")
    proc = run([ctr.runtime.binary, "--root", root, "state", cid])
    assert proc.returncode == 0 and json.loads(proc.stdout)["status"] == "stopped", (proc.stdout, proc.stderr)
    same_as_runc("stopped pid", json.loads(proc.stdout)["pid"])
    assert ctr("task", "delete", cid).returncode == 0
    proc = run([ctr.runtime.binary, "--root", root, "state", cid])
    assert proc.returncode == 1 and "does not exist" in proc.stderr, (proc.returncode, proc.stderr)
    same_as_runc("after delete", proc.returncode)


def test_ctr_user_namespace(ctr, same_as_runc):
    """--uidmap/--gidmap: a user namespace (the snapshot chowned by ctr); root inside is 200000 outside."""
    cid = ctr.new_id("userns")
    log = run_detached(ctr, cid, "sh", "-c", "id -u; touch /x && echo rootfs-rw; exec sleep 1000",
                       opts=("--uidmap", "0:200000:65536", "--gidmap", "0:200000:65536"))
    wait_for(lambda: "rootfs-rw" in read_file(log), what="the container's output")
    assert read_file(log) == "0\nrootfs-rw\n"
    pid = ctr.daemon.tasks()[cid][0]
    assert read_file(f"/proc/{pid}/uid_map").split() == ["0", "200000", "65536"]
    status = [line for line in read_file(f"/proc/{pid}/status").splitlines() if line.startswith(("Uid:", "Gid:"))]
    assert status == ["Uid:\t200000\t200000\t200000\t200000", "Gid:\t200000\t200000\t200000\t200000"], status
    same_as_runc("status", status)


def test_ctr_privileged_net_host(ctr, same_as_runc):
    """--privileged --net-host: every capability, no seccomp, host devices, /sys rw, the host's network."""
    cid = ctr.new_id("priv")
    proc = ctr.run(cid, "sh", "-c", "grep -E '^(CapEff|Seccomp):' /proc/$$/status; test -c /dev/loop-control && "
                                    "echo loop-control; readlink /proc/self/ns/net; grep ' /sys ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1",
                   opts=("--privileged", "--net-host"))
    assert proc.returncode == 0, f"{proc.stderr}{ctr.explain(cid)}"
    assert proc.stdout.splitlines() == ["CapEff:\t000001fffeffffff", "Seccomp:\t0", "loop-control",
                                        os.readlink("/proc/self/ns/net"), "rw"], proc.stdout
    same_as_runc("stdout", proc.stdout)


def test_ctr_caps_tmpfs_bind(ctr, same_as_runc, engine_dir):
    """--cap-add/--cap-drop, a tmpfs --mount with size= and mode=, a read-write bind, --annotation."""
    share = os.path.join(engine_dir, f"rwshare-{ctr.runtime.name}")
    os.makedirs(share, exist_ok=True)
    cid = ctr.new_id("caps")
    proc = ctr.run(cid, "sh", "-c", "grep '^CapEff:' /proc/$$/status; grep -E ' /(scratch|share) ' /proc/mounts | "
                                    "cut -d' ' -f2,3; stat -c %a /scratch; df -k /scratch | tail -1 | awk '{print $2}'; "
                                    "echo y > /share/g && echo share-rw",
                   opts=("--cap-add", "CAP_SYS_ADMIN", "--cap-drop", "CAP_CHOWN", "--annotation", "a=b",
                         "--mount", "type=tmpfs,src=tmpfs,dst=/scratch,options=size=1m:mode=0700",
                         "--mount", f"type=bind,src={share},dst=/share,options=rbind:rw"))
    assert proc.returncode == 0, f"{proc.stderr}{ctr.explain(cid)}"
    lines = proc.stdout.splitlines()
    assert lines[0] == "CapEff:\t00000000a82425fa" and lines[1] == "/scratch tmpfs" and lines[3:] == \
        ["700", "1024", "share-rw"], proc.stdout
    assert read_file(os.path.join(share, "g")) == "y\n"
    same_as_runc("stdout", proc.stdout)


def test_ctr_any_id_is_free(ctr, same_as_runc):
    """The runtime's --root holds containers only: after a --seccomp container, an id that matches a
    name the runtime might use for its own files still creates a container."""
    first = ctr.new_id("seccomp")
    assert ctr.run(first, "true", opts=("--seccomp",)).returncode == 0
    for cid in ("seccomp-cache", "cache", "lock"):
        ctr.ids.append(cid)
        proc = ctr.run(cid, "echo", "hi")
        assert (proc.returncode, proc.stdout) == (0, "hi\n"), f"{cid}: {proc.stderr}{ctr.explain(cid)}"
        same_as_runc(cid, proc.stdout)


def test_ctr_exec_failures(ctr, same_as_runc):
    """A failed exec (missing executable, missing cwd): the runtime's message reaches ctr through its
    JSON --log, the task keeps running; a uid without a passwd entry still execs."""
    cid = ctr.new_id("execfail")
    run_detached(ctr, cid, "sleep", "1000")
    proc = ctr("task", "exec", "--exec-id", "missing", cid, "/no/such")
    assert proc.returncode == 1, proc.stderr
    msg = proc.stderr.strip()
    assert msg.startswith("ctr: OCI runtime exec failed: ") and msg.endswith(
        'exec: "/no/such": stat /no/such: no such file or directory: unknown'), msg
    assert "unable to retrieve OCI runtime error" not in msg
    proc = ctr("task", "exec", "--exec-id", "nocwd", "--cwd", "/nonexistent", cid, "true")
    assert proc.returncode == 1 and "/nonexistent" in proc.stderr and \
        "no such file or directory" in proc.stderr.lower(), proc.stderr
    assert ctr.daemon.status(cid) == "RUNNING"
    proc = ctr("task", "exec", "--exec-id", "uid", "--user", "4321", cid, "id")
    assert proc.stdout == "uid=4321 gid=0(root) groups=0(root)\n", f"{proc.stdout}{proc.stderr}{ctr.explain(cid)}"
    same_as_runc("uid", proc.stdout)
