"""Lifecycle hooks: when each runs, in which namespace, with what on stdin, and what a failure does."""

import json
import os
import time

from testlib import needs_root

pytestmark = needs_root


NAMESPACES = ("mnt", "net", "uts", "ipc", "pid", "cgroup")


def recording_hook(out_path, extra=""):
    """A hook (run by the host's /bin/sh) that records its stdin, namespaces, args and its whole
    environment as execve gave it (tr's /proc/self/environ, inherited from the shell: only what
    the hook's env lists; not /proc/$$, which names another process where the hook's pid
    namespace is not the one /proc shows)."""
    links = "; ".join(f"printf '%s ' $(readlink /proc/self/ns/{n})" for n in NAMESPACES)
    script = (f'{{ cat; echo; {links}; echo; echo "$0 $1"; tr "\\0" " " < /proc/self/environ; echo; }} '
              f'> {out_path}; {extra}')
    return {"path": "/bin/sh", "args": ["sh", "-c", script, "zero", "one"], "env": ["HOOKVAR=hello", "B=2"]}


def read_record(path):
    """(state, namespaces "mnt:[..] net:[..] ...", args, env)"""
    lines = open(path).read().split("\n")
    return json.loads(lines[0]), lines[1].strip(), lines[2], lines[3].strip()


def namespaces_of(pid="self"):
    return " ".join(os.readlink(f"/proc/{pid}/ns/{n}") for n in NAMESPACES)


def host_mnt_ns():
    return namespaces_of()


def test_runtime_hooks_run_in_runtime_namespace_with_state(pyrun, make_bundle, tmp_path):
    bundle = make_bundle(args=["sleep", "100"])
    bundle.config["hooks"] = {
        "prestart": [recording_hook(tmp_path / "prestart")],
        "createRuntime": [recording_hook(tmp_path / "createRuntime")],
    }
    bundle.config["annotations"] = {"a": "b"}
    bundle.save()
    cid = pyrun.new_id()
    pyrun("create", "-b", bundle.path, cid)
    pid = pyrun.state(cid)["pid"]
    for kind in ("prestart", "createRuntime"):
        state, mnt, args, env = read_record(tmp_path / kind)
        assert state["id"] == cid and state["status"] == "creating" and state["pid"] == pid
        assert state["bundle"] == bundle.path and state["annotations"] == {"a": "b"}
        assert mnt == namespaces_of(), kind   # the runtime's namespaces, every one of them
        assert args == "zero one" and env == "HOOKVAR=hello B=2", kind


def test_create_container_hook_runs_in_container_namespace(pyrun, make_bundle, tmp_path):
    bundle = make_bundle(args=["sleep", "100"])
    # The path resolves in the runtime namespace: /usr/bin/env exists on the host, not in the rootfs.
    assert not os.path.exists(os.path.join(bundle.rootfs, "usr/bin/env"))
    hook = recording_hook(tmp_path / "cc")
    hook["path"] = "/usr/bin/env"
    hook["args"] = ["env", "/bin/sh"] + hook["args"][1:]
    bundle.config["hooks"] = {"createContainer": [hook]}
    bundle.save()
    cid = pyrun.new_id()
    pyrun("create", "-b", bundle.path, cid)
    pid = pyrun.state(cid)["pid"]
    state, mnt, args, env = read_record(tmp_path / "cc")
    assert state["status"] == "creating" and state["pid"] == pid
    assert mnt == namespaces_of(pid)   # every namespace of the container's (all new in this config)
    assert not set(mnt.split()) & set(namespaces_of().split())
    assert args == "zero one" and env == "HOOKVAR=hello B=2"


def test_start_container_hook_runs_in_every_container_namespace(pyrun, make_bundle):
    script = "; ".join(f"readlink /proc/self/ns/{n}" for n in NAMESPACES)
    bundle = make_bundle(args=["sh", "-c", f"cat /hook; echo ---; {script}"])
    bundle.config["hooks"] = {"startContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", f"{{ {script}; }} > /hook"]}]}
    bundle.save()
    hook, process = pyrun("run", "-b", bundle.path, pyrun.new_id()).stdout.split("---\n")
    assert hook == process and len(hook.split()) == len(NAMESPACES)
    assert not set(hook.split()) & set(namespaces_of().split())


def test_start_container_hook_runs_inside_before_the_process(pyrun, make_bundle):
    # Path and files resolve in the container: /bin/sh and / are the container's.
    bundle = make_bundle(args=["sh", "-c", "cat /started-by-hook"])
    bundle.config["hooks"] = {"startContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", "cat > /started-by-hook"]}]}
    bundle.save()
    proc = pyrun("run", "-b", bundle.path, pyrun.new_id())
    state = json.loads(proc.stdout)
    assert state["status"] == "created" and state["pid"] > 1


def test_failing_start_container_hook_fails_start_and_stops_the_container(pyrun, make_bundle):
    bundle = make_bundle(args=["sh", "-c", "echo ran > /ran"])
    bundle.config["hooks"] = {"startContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", "echo nope >&2; exit 4"]}]}
    bundle.save()
    cid = pyrun.new_id()
    pyrun("create", "-b", bundle.path, cid)
    proc = pyrun("start", cid, check=False)
    assert proc.returncode == 1 and "startContainer hook #0" in proc.stderr and "nope" in proc.stderr
    deadline = time.monotonic() + 5
    while pyrun.state(cid)["status"] != "stopped" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert pyrun.state(cid)["status"] == "stopped"
    assert not os.path.exists(os.path.join(bundle.rootfs, "ran"))   # the user's process never ran
    pyrun("delete", cid)


def test_poststart_runs_after_start_and_failure_only_warns(pyrun, make_bundle, tmp_path):
    bundle = make_bundle(args=["sleep", "100"])
    bundle.config["hooks"] = {"poststart": [
        {"path": "/bin/false"},
        recording_hook(tmp_path / "poststart")]}
    bundle.save()
    cid = pyrun.new_id()
    log = tmp_path / "log"
    pyrun("--log", str(log), "create", "-b", bundle.path, cid)
    assert not (tmp_path / "poststart").exists()
    pyrun("--log", str(log), "start", cid)       # a failing poststart hook does not fail start
    state, mnt, _, _ = read_record(tmp_path / "poststart")
    assert state["status"] == "running" and mnt == host_mnt_ns()
    assert "poststart hook #0" in log.read_text() and "warning" in log.read_text()


def test_poststop_runs_on_delete_and_failure_only_warns(pyrun, make_bundle, tmp_path):
    bundle = make_bundle(args=["true"])
    bundle.config["hooks"] = {"poststop": [{"path": "/bin/false"}, recording_hook(tmp_path / "poststop")]}
    bundle.save()
    cid = pyrun.new_id()
    pyrun("create", "-b", bundle.path, cid)
    pyrun("start", cid)
    deadline = time.monotonic() + 5
    while pyrun.state(cid)["status"] != "stopped" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not (tmp_path / "poststop").exists()
    deleted = pyrun("delete", cid)
    state, _, _, _ = read_record(tmp_path / "poststop")
    assert state["status"] == "stopped" and state["id"] == cid
    assert not os.path.exists(os.path.join(pyrun.root, cid))
    # without --log the warning is on delete's stderr, logrus's line as runc's (exit status still 0)
    assert deleted.returncode == 0
    assert 'level=warning msg="error running poststop hook #0: /bin/false: exit status 1' in deleted.stderr


def test_hooks_run_in_order(pyrun, make_bundle, tmp_path):
    order = tmp_path / "order"
    bundle = make_bundle(args=["true"])
    bundle.config["hooks"] = {
        kind: [{"path": "/bin/sh", "args": ["sh", "-c", f"echo {kind} >> {order}"]}]
        for kind in ("prestart", "createRuntime", "createContainer", "poststart", "poststop")}
    bundle.save()
    pyrun("run", "-b", bundle.path, pyrun.new_id())
    assert order.read_text().split() == ["prestart", "createRuntime", "createContainer", "poststart", "poststop"]
