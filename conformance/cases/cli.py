"""runc's command-line contract that engines rely on (not in the spec: level 'compat'):
pid file, delete --force, signal names, run, exec, pause/resume, ps, JSON error log, error texts.
Facts from /work/shared/notes/engines.md (what containerd and podman call and parse)."""

import json
import os
import re

from conformance import host
from conformance.registry import area, case

area("cli", "runc-compatible command line (what engines rely on)")


def _running(t, script="echo up; exec sleep 30", b=None):
    b = b or t.bundle()
    b.sh(script)
    c = t.create(b)
    c.start()
    c.wait_output("up")
    return c


@case("cli.pid_file", "runc create --pid-file", "compat",
      "--pid-file holds the container pid in decimal without a trailing newline when create exits")
def pid_file(t):
    path = os.path.join(t.workdir, "init.pid")
    c = t.create(t.bundle("true"), pid_file=path)
    with open(path) as f:
        text = f.read()
    t.check(re.fullmatch(r"[0-9]+", text), f"pid file content {text!r}")
    t.eq(int(text), c.pid, "pid file vs state pid")


@case("cli.delete_force_running", "runc delete --force", "compat",
      "delete --force kills a running container and removes it")
def delete_force_running(t):
    c = _running(t)
    pid = c.pid
    c.delete(force=True)
    c.wait(5)
    t.check(not host.alive(pid), "the container process survived delete --force")
    t.refused(t.rt("state", c.id), "state after delete --force")


@case("cli.delete_force_gone", "runc delete --force", "compat",
      "delete --force of a container that does not exist exits 0 (containerd always repeats it)")
def delete_force_gone(t):
    res = t.rt("delete", "--force", "no-such-container")
    t.eq(res.rc, 0, f"exit code ({res.why()})")


@case("cli.kill_signal_forms", "runc kill", "compat",
      "kill accepts a signal as a number, a name, and a SIG-prefixed name")
def kill_signal_forms(t):
    c = _running(t, "trap 'echo got' USR1; echo up; while true; do sleep 0.05; done")
    for sig in ("10", "USR1", "SIGUSR1"):
        res = c.kill(sig, check=False)
        t.eq(res.rc, 0, f"kill {sig} exit code ({res.why()})")
        c.wait_output("got\n" * (("10", "USR1", "SIGUSR1").index(sig) + 1))


@case("cli.kill_all", "runc kill --all", "compat",
      "kill --all signals every process of the container")
def kill_all(t):
    b = t.bundle()
    b.drop_namespace("pid")
    c = _running(t, "sleep 30 & echo up; exec sleep 30", b)
    res = t.rt("kill", "--all", c.id, "KILL")
    t.eq(res.rc, 0, f"kill --all exit code ({res.why()})")
    c.wait(5)


@case("cli.state_stopped_pid_zero", "runc state", "compat",
      "a stopped container's state has pid 0")
def state_stopped_pid_zero(t):
    c = t.create(t.bundle("true"))
    c.start()
    c.wait()
    t.eq(c.state().get("pid"), 0, "pid of a stopped container")


@case("cli.error_texts", "runc error messages", "compat",
      "errors engines parse: 'does not exist' for unknown ids, 'not running' for kill of a stopped one")
def error_texts(t):
    res = t.rt("state", "no-such-container")
    t.check("does not exist" in res.err, f"state of an unknown id said {res.why()!r}")
    c = t.create(t.bundle("true"))
    c.start()
    c.wait()
    res = t.rt("kill", c.id, "KILL")
    t.check("not running" in res.err, f"kill of a stopped container said {res.why()!r}")


@case("cli.log_json", "runc --log --log-format json", "compat",
      "a failed create writes one JSON error line (level, msg, RFC3339 time) to --log")
def log_json(t):
    log = os.path.join(t.workdir, "log.json")
    b = t.bundle("true")
    b.config["root"]["path"] = "no-such-rootfs"
    b.save()
    res = t.rt("--log", log, "--log-format", "json", "create", "--bundle", b.path, t.new_id())
    t.refused(res, "create with a missing rootfs")
    with open(log) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    errors = [e for e in lines if e.get("level") == "error"]
    t.check(errors and errors[-1].get("msg"), f"no error entry with a msg in --log: {lines}")
    t.check(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", errors[-1].get("time", "")),
            f"time is not RFC3339: {errors[-1].get('time')!r}")


@case("cli.run_foreground", "runc run", "compat",
      "run creates, starts and waits: the program's output and exit code come back, then it is gone")
def run_foreground(t):
    b = t.bundle("echo via-run; exit 5").save()
    cid = t.new_id()
    t.containers.append(cid)
    res = t.rt("run", "--bundle", b.path, cid)
    t.eq((res.rc, res.out.strip()), (5, "via-run"), "run's exit code and output")
    t.refused(t.rt("state", cid), "state after run returned")


@case("cli.exec", "runc exec", "compat",
      "exec runs a process inside a running container, in its namespaces, output and exit code back")
def exec_(t):
    c = _running(t)
    res = t.rt("exec", c.id, "sh", "-c", "hostname; readlink /proc/self/ns/uts; exit 3")
    lines = res.out.split()
    t.eq(res.rc, 3, f"exec exit code ({res.why()})")
    t.eq(lines, ["conformance", host.ns_id(c.pid, "uts")], "hostname and uts namespace seen by exec")


@case("cli.exec_detach_pid_file", "runc exec --detach", "compat",
      "exec --detach --pid-file leaves the process running and writes its pid")
def exec_detach(t):
    c = _running(t)
    path = os.path.join(t.workdir, "exec.pid")
    res = t.rt("exec", "--detach", "--pid-file", path, c.id, "sleep", "30")
    t.eq(res.rc, 0, f"exec --detach exit code ({res.why()})")
    with open(path) as f:
        pid = int(f.read())
    t.check(host.alive(pid), "the exec'd process is not running")
    t.eq(host.ns_id(pid, "pid"), host.ns_id(c.pid, "pid"), "pid namespace of the exec'd process")


@case("cli.pause_resume", "runc pause/resume", "compat",
      "pause freezes the container (status 'paused', cgroup frozen); resume thaws it")
def pause_resume(t):
    c = _running(t)
    t.eq(t.rt("pause", c.id).rc, 0, "pause exit code")
    t.eq(c.state().get("status"), "paused", "status after pause")
    if host.cgroup_version() == "v2":
        frozen = host.read(os.path.join(host.cgroup_dir(c.pid, ""), "cgroup.freeze")).strip() == "1"
    else:
        frozen = host.read(os.path.join(host.cgroup_dir(c.pid, "freezer"), "freezer.state")).strip() == "FROZEN"
    t.check(frozen, "the container's cgroup is not frozen")
    t.eq(t.rt("resume", c.id).rc, 0, "resume exit code")
    t.eq(c.state().get("status"), "running", "status after resume")


@case("cli.ps_json", "runc ps", "compat",
      "ps --format json lists the container's host pids")
def ps_json(t):
    c = _running(t)
    res = t.rt("ps", "--format", "json", c.id)
    t.eq(res.rc, 0, f"ps exit code ({res.why()})")
    try:
        pids = json.loads(res.out)
    except ValueError:
        raise AssertionError(f"ps printed no JSON: {res.out[:100]!r}")
    t.check(c.pid in pids, f"the container pid {c.pid} is not in {pids}")


@case("cli.version", "runc --version", "compat",
      "--version exits 0 and names the version on its first line")
def version(t):
    res = t.rt("--version")
    t.eq(res.rc, 0, "exit code")
    t.check("version" in (res.out.splitlines() or [""])[0].lower(), f"first line: {res.out[:80]!r}")
