"""Operations and state transitions (runtime.md: Lifecycle, Operations, Errors)."""

import os
import time

from conformance import host
from conformance.registry import area, case

area("lifecycle", "operations and state transitions")


def _status(t, cid):
    return t.state(cid)["status"]


def _gone(t, cid, what):
    res = t.rt("state", cid)
    t.check(res.rc != 0, f"{what}: `state {cid}` still succeeds: {res.out.strip()[:120]}")


@case("lifecycle.create_status_created", "runtime.md#create", "MUST",
      "after create the container exists in status 'created' with a live container process")
def create_status_created(t):
    c = t.create(t.bundle("echo ran"))
    st = c.state()
    t.eq(st.get("status"), "created", "status after create")
    t.check(host.alive(c.pid), f"the container process {c.pid} is not alive after create")


@case("lifecycle.create_program_not_run", "runtime.md#create", "MUST",
      "process.args MUST NOT be applied until start: the program does not run at create")
def create_program_not_run(t):
    c = t.create(t.bundle("echo ran-too-early"))
    time.sleep(0.2)
    t.eq(c.output(), "", "container stdout before start")
    t.check(host.cmdline(c.pid) != "sh -c echo ran-too-early",
            "the container process is already the program before start")
    c.start()
    c.wait()
    t.check("ran-too-early" in c.output(), "the program did not run at start")


@case("lifecycle.create_config_frozen", "runtime.md#create", "MUST",
      "changes made to config.json after create have no effect on the container")
def create_config_frozen(t):
    b = t.bundle("echo original")
    c = t.create(b)
    b.sh("echo changed").save()
    c.start()
    c.wait()
    t.eq(c.output().strip(), "original", "program output after editing config.json post-create")


@case("lifecycle.create_duplicate_id", "runtime.md#create", "MUST",
      "create with an id already in use MUST error and MUST NOT disturb the existing container")
def create_duplicate_id(t):
    c = t.create(t.bundle("sleep 30"))
    pid = c.pid
    res, _ = t.try_create(t.bundle("sleep 30"), cid=c.id)
    t.refused(res, "a second create with the same id")
    st = c.state()
    t.eq((st.get("status"), st.get("pid")), ("created", pid), "first container's status and pid")


@case("lifecycle.create_error_leaves_nothing", "runtime.md#errors", "MUST",
      "a failed create leaves no container, process or cgroup behind")
def create_error_leaves_nothing(t):
    b = t.bundle("true")
    b.mount("/mnt/x", "bind", os.path.join(t.workdir, "no-such-source"), ["rbind"])
    before = set(host.pids())
    res, c = t.try_create(b)
    t.refused(res, "create with a bind mount of a missing source")
    _gone(t, c.id, "after a failed create")
    time.sleep(0.05)
    left = [p for p in set(host.pids()) - before if host.alive(p)]
    t.check(not left, f"processes left by the failed create: {[host.cmdline(p) for p in left]}")
    for ctrl, point in host.cgroup_mounts().items():
        d = os.path.join(point, b.linux["cgroupsPath"].lstrip("/"))
        t.check(not os.path.exists(d), f"cgroup {d} left by the failed create")


@case("lifecycle.start_runs_program", "runtime.md#start", "MUST",
      "start runs the user-specified program; the status becomes 'running'")
def start_runs_program(t):
    c = t.create(t.bundle("echo started; exec sleep 30"))
    c.start()
    c.wait_output("started")
    t.eq(c.state().get("status"), "running", "status after start")


@case("lifecycle.start_running_errors", "runtime.md#start", "MUST",
      "start on a running container MUST error and have no effect")
def start_running_errors(t):
    c = t.create(t.bundle("echo up; exec sleep 30"))
    c.start()
    c.wait_output("up")
    res = t.rt("start", c.id)
    t.refused(res, "start of a running container")
    st = c.state()
    t.eq((st.get("status"), st.get("pid")), ("running", c.pid), "status and pid after the second start")
    t.eq(c.output().count("up"), 1, "times the program ran")


@case("lifecycle.start_stopped_errors", "runtime.md#start", "MUST",
      "start on a stopped container MUST error and not run the program again")
def start_stopped_errors(t):
    c = t.create(t.bundle("echo once"))
    c.start()
    c.wait()
    res = t.rt("start", c.id)
    t.refused(res, "start of a stopped container")
    time.sleep(0.1)
    t.eq(c.output().count("once"), 1, "times the program ran")


@case("lifecycle.start_unknown_errors", "runtime.md#start", "MUST",
      "start of a container that does not exist MUST error")
def start_unknown_errors(t):
    t.refused(t.rt("start", "no-such-container"), "start of an unknown id")


@case("lifecycle.state_unknown_errors", "runtime.md#query-state", "MUST",
      "state of a container that does not exist MUST error")
def state_unknown_errors(t):
    t.refused(t.rt("state", "no-such-container"), "state of an unknown id")


@case("lifecycle.ops_require_id", "runtime.md#operations", "MUST",
      "state, start, kill and delete without a container id MUST error")
def ops_require_id(t):
    for op in (["state"], ["start"], ["kill"], ["delete"]):
        t.refused(t.rt(*op), f"`{op[0]}` without an id")


@case("lifecycle.kill_delivers_signal", "runtime.md#kill", "MUST",
      "kill sends the given signal to the container process")
def kill_delivers_signal(t):
    c = t.create(t.bundle("trap 'echo got-USR1' USR1; echo ready; while true; do sleep 0.05; done"))
    c.start()
    c.wait_output("ready")
    c.kill("USR1")
    c.wait_output("got-USR1")


@case("lifecycle.kill_term_stops", "runtime.md#kill", "MUST",
      "kill TERM reaches a program that exits on it; the status becomes 'stopped'")
def kill_term_stops(t):
    # The process is pid 1 of its pid namespace: only signals it handles reach it (kernel rule).
    c = t.create(t.bundle("trap 'exit 42' TERM; echo ready; while true; do sleep 0.05; done"))
    c.start()
    c.wait_output("ready")
    c.kill("TERM")
    code = c.wait(5)
    if code is not None:
        t.eq(code, 42, "exit status (the TERM trap exits 42)")
    t.eq(c.state().get("status"), "stopped", "status after the process died")


@case("lifecycle.kill_created", "runtime.md#kill", "MUST",
      "kill on a created container sends the signal to its process")
def kill_created(t):
    c = t.create(t.bundle("true"))
    pid = c.pid
    c.kill("KILL")
    c.wait(5)
    t.check(not host.alive(pid), "the container process survived SIGKILL")
    t.eq(c.state().get("status"), "stopped", "status after killing a created container")


@case("lifecycle.kill_stopped_errors", "runtime.md#kill", "MUST",
      "kill on a stopped container MUST error")
def kill_stopped_errors(t):
    c = t.create(t.bundle("true"))
    c.start()
    c.wait()
    t.refused(t.rt("kill", c.id, "KILL"), "kill of a stopped container")
    t.eq(c.state().get("status"), "stopped", "status after the refused kill")


@case("lifecycle.delete_running_errors", "runtime.md#delete", "MUST",
      "delete of a running container MUST error and have no effect")
def delete_running_errors(t):
    c = t.create(t.bundle("echo up; exec sleep 30"))
    c.start()
    c.wait_output("up")
    t.refused(t.rt("delete", c.id), "delete (without --force) of a running container")
    t.check(host.alive(c.pid), "the container process died after the refused delete")
    t.eq(c.state().get("status"), "running", "status after the refused delete")


@case("lifecycle.delete_created_errors", "runtime.md#delete", "MUST",
      "delete of a created (not stopped) container MUST error and have no effect")
def delete_created_errors(t):
    c = t.create(t.bundle("true"))
    pid = c.pid
    t.refused(t.rt("delete", c.id), "delete (without --force) of a created container")
    t.check(host.alive(pid), "the container process died after the refused delete")


@case("lifecycle.delete_stopped", "runtime.md#delete", "MUST",
      "delete of a stopped container removes it and the resources create made (cgroups)")
def delete_stopped(t):
    b = t.bundle("true")
    c = t.create(b)
    dirs = [host.cgroup_dir(c.pid, k) for k in host.proc_cgroups(c.pid)]
    made = [d for d in dirs if d and b.linux["cgroupsPath"].lstrip("/") in d]
    c.start()
    c.wait()
    c.delete()
    _gone(t, c.id, "after delete")
    for d in made:
        t.check(not os.path.exists(d), f"cgroup {d} still exists after delete")


@case("lifecycle.delete_unknown_errors", "runtime.md#delete", "MUST",
      "delete of a container that does not exist MUST error")
def delete_unknown_errors(t):
    t.refused(t.rt("delete", "no-such-container"), "delete of an unknown id")


@case("lifecycle.exit_status_stopped", "runtime.md#lifecycle", "MUST",
      "when the container process exits the status becomes 'stopped'")
def exit_status_stopped(t):
    c = t.create(t.bundle("exit 3"))
    c.start()
    code = c.wait()
    if code is not None:
        t.eq(code, 3, "container exit code")
    t.eq(c.state().get("status"), "stopped", "status after exit")


@case("lifecycle.id_reusable_after_delete", "runtime.md#delete", "MUST",
      "after delete the id is free: a new create with it succeeds")
def id_reusable_after_delete(t):
    c = t.create(t.bundle("true"))
    c.start()
    c.wait()
    c.delete()
    c2 = t.create(t.bundle("true"), cid=c.id)
    t.eq(c2.state().get("status"), "created", "status of the second container with the same id")


@case("lifecycle.start_without_process", "runtime.md#start", "MUST",
      "a config without process MUST make start (or create) error")
def start_without_process(t):
    b = t.bundle()
    del b.config["process"]
    res, c = t.try_create(b)
    if res.rc == 0:
        t.refused(t.rt("start", c.id), "start of a container without process")
