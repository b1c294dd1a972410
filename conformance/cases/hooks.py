"""POSIX-platform hooks (config.md#posix-platform-hooks, runtime.md#lifecycle): when each kind runs,
in which namespace, the state it gets on stdin, and what a failing hook does.

Hooks are busybox sh scripts run through the host's /bin/busybox (the same path exists in the
probe rootfs, so container-namespace hooks find it too). Each appends a line to a log file.
"""

import json
import os
import time

from conformance import host
from conformance.registry import area, case

area("hooks", "hooks: timing, namespace, state on stdin, failure")

BUSYBOX = "/bin/busybox"
CREATE_HOOKS = ("prestart", "createRuntime", "createContainer")


def _hook(b, kind, script, **kw):
    b.hook(kind, BUSYBOX, ["busybox", "sh", "-c", script], **kw)


def _log_path(b):
    """A log inside the rootfs: the host sees it at this path, a hook after pivot_root at /hooklog."""
    return os.path.join(b.rootfs, "hooklog")


def _log(b):
    try:
        with open(_log_path(b)) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def _order_bundle(t):
    b = t.bundle("echo program >> /hooklog; echo up; exec sleep 30")
    log = _log_path(b)
    for kind in ("prestart", "createRuntime", "createContainer", "poststart", "poststop"):
        _hook(b, kind, f"echo {kind} >> {log}")
    _hook(b, "startContainer", "echo startContainer >> /hooklog")
    return b


@case("hooks.create_time_hooks", "runtime.md#lifecycle", "MUST",
      "prestart, createRuntime and createContainer run during create, in that order, before the program")
def create_time_hooks(t):
    b = _order_bundle(t)
    c = t.create(b)
    t.eq(_log(b), ["prestart", "createRuntime", "createContainer"], "hooks run by create, in order")
    c.kill("KILL")


@case("hooks.start_time_hooks", "runtime.md#lifecycle", "MUST",
      "startContainer runs at start before the program, poststart after it started")
def start_time_hooks(t):
    b = _order_bundle(t)
    c = t.create(b)
    c.start()
    c.wait_output("up")
    deadline = time.monotonic() + 3
    while "poststart" not in _log(b) and time.monotonic() < deadline:
        time.sleep(0.02)
    log = _log(b)
    t.eq(log[:3], ["prestart", "createRuntime", "createContainer"], "hooks run by create")
    got = log[3:]
    t.eq(sorted(got), ["poststart", "program", "startContainer"], "what ran at start")
    t.check(got.index("startContainer") < got.index("program"), f"startContainer ran after the program: {got}")
    t.check(got.index("startContainer") < got.index("poststart"), f"poststart ran before startContainer: {got}")


@case("hooks.poststop_on_delete", "runtime.md#lifecycle", "MUST",
      "poststop runs when the container is deleted, after the program ended")
def poststop_on_delete(t):
    b = _order_bundle(t)
    c = t.create(b)
    c.start()
    c.wait_output("up")
    c.kill("KILL")
    c.wait(5)
    t.check("poststop" not in _log(b), "poststop ran before delete")
    c.delete()
    t.eq(_log(b)[-1:], ["poststop"], "last hook after delete")


def _ns_hook_bundle(t, kind):
    b = t.bundle("echo up; exec sleep 30")
    out = os.path.join(t.workdir, f"{kind}.ns")
    target = "/hookns" if kind == "startContainer" else out
    _hook(b, kind, f"for n in mnt uts pid; do readlink /proc/self/ns/$n; done > {target}")
    return b, (os.path.join(b.rootfs, "hookns") if kind == "startContainer" else out)


def _check_namespace(t, kind, in_container):
    b, out = _ns_hook_bundle(t, kind)
    c = t.create(b)
    if kind in ("startContainer", "poststart"):
        c.start()
        c.wait_output("up")
        deadline = time.monotonic() + 3
        while not os.path.exists(out) and time.monotonic() < deadline:
            time.sleep(0.02)
    t.check(os.path.exists(out), f"the {kind} hook did not run")
    with open(out) as f:
        mnt, uts, _ = f.read().split()
    if in_container:
        want = (host.ns_id(c.pid, "mnt"), host.ns_id(c.pid, "uts"))
        t.eq((mnt, uts), want, f"{kind} hook's (mnt, uts) namespaces vs the container's")
    else:
        want = (host.ns_id("self", "mnt"), host.ns_id("self", "uts"))
        t.eq((mnt, uts), want, f"{kind} hook's (mnt, uts) namespaces vs the runtime's")


for _kind, _inside in (("prestart", False), ("createRuntime", False), ("createContainer", True),
                       ("startContainer", True), ("poststart", False)):
    def _make(kind=_kind, inside=_inside):
        where = "the container namespace" if inside else "the runtime namespace"
        case(f"hooks.{kind}_namespace", "config.md#posix-platform-hooks", "MUST",
             f"{kind} hooks run in {where}")(lambda t: _check_namespace(t, kind, inside))
    _make()


def _state_from_hook(t, kind):
    b = t.bundle("echo up; exec sleep 30")
    if kind == "startContainer":  # runs after pivot_root: write inside the rootfs
        out = os.path.join(b.rootfs, "hookstate")
        _hook(b, kind, "cat > /hookstate")
    else:
        out = os.path.join(t.workdir, f"{kind}.state")
        _hook(b, kind, f"cat > {out}")
    c = t.create(b)
    if kind in ("poststart", "poststop", "startContainer"):
        c.start()
        c.wait_output("up")
    if kind == "poststop":
        c.kill("KILL")
        c.wait(5)
        c.delete()
    deadline = time.monotonic() + 3
    while not (os.path.exists(out) and os.path.getsize(out)) and time.monotonic() < deadline:
        time.sleep(0.02)
    t.check(os.path.exists(out), f"the {kind} hook did not run")
    try:
        with open(out) as f:
            st = json.load(f)
    except ValueError as e:
        raise AssertionError(f"{kind} hook's stdin is not the state JSON: {e}")
    t.eq(st.get("id"), c.id, f"id in the state given to {kind}")
    t.eq(os.path.realpath(st.get("bundle", "")), os.path.realpath(b.path), f"bundle in the state given to {kind}")
    t.check(st.get("ociVersion"), f"no ociVersion in the state given to {kind}")
    return st, c


@case("hooks.state_on_stdin_prestart", "config.md#posix-platform-hooks", "MUST",
      "prestart hooks get the container state on stdin, with the container's pid")
def state_prestart(t):
    st, c = _state_from_hook(t, "prestart")
    t.eq(st.get("pid"), c.pid, "pid in the state given to prestart")


@case("hooks.state_on_stdin_createRuntime", "config.md#posix-platform-hooks", "MUST",
      "createRuntime hooks get the container state on stdin, with the container's pid")
def state_create_runtime(t):
    st, c = _state_from_hook(t, "createRuntime")
    t.eq(st.get("pid"), c.pid, "pid in the state given to createRuntime")


@case("hooks.state_on_stdin_createContainer", "config.md#posix-platform-hooks", "MUST",
      "createContainer hooks get the container state on stdin")
def state_create_container(t):
    _state_from_hook(t, "createContainer")


@case("hooks.state_on_stdin_startContainer", "config.md#posix-platform-hooks", "MUST",
      "startContainer hooks get the container state on stdin")
def state_start_container(t):
    _state_from_hook(t, "startContainer")


@case("hooks.state_on_stdin_poststart", "config.md#posix-platform-hooks", "MUST",
      "poststart hooks get the container state on stdin")
def state_poststart(t):
    st, c = _state_from_hook(t, "poststart")
    t.eq(st.get("pid"), c.pid, "pid in the state given to poststart")


@case("hooks.state_on_stdin_poststop", "config.md#posix-platform-hooks", "MUST",
      "poststop hooks get the container state on stdin")
def state_poststop(t):
    _state_from_hook(t, "poststop")


@case("hooks.poststop_namespace", "config.md#posix-platform-hooks", "MUST",
      "poststop hooks run in the runtime namespace")
def poststop_namespace(t):
    b = t.bundle("true")
    out = os.path.join(t.workdir, "poststop.ns")
    _hook(b, "poststop", f"for n in mnt uts pid; do readlink /proc/self/ns/$n; done > {out}")
    c = t.create(b)
    c.start()
    c.wait()
    c.delete()
    t.check(os.path.exists(out), "the poststop hook did not run")
    with open(out) as f:
        mnt, uts, _ = f.read().split()
    t.eq((mnt, uts), (host.ns_id("self", "mnt"), host.ns_id("self", "uts")),
         "poststop hook's (mnt, uts) namespaces vs the runtime's")


@case("hooks.listed_order", "config.md#posix-platform-hooks", "MUST",
      "hooks of one kind run in the listed order")
def listed_order(t):
    b = t.bundle("true")
    log = os.path.join(t.workdir, "order.log")
    for n in ("first", "second", "third"):
        _hook(b, "prestart", f"echo {n} >> {log}")
    t.create(b)
    with open(log) as f:
        t.eq(f.read().split(), ["first", "second", "third"], "prestart hooks in run order")


@case("hooks.args_and_env", "config.md#posix-platform-hooks", "MUST",
      "a hook runs with exactly its configured args and env")
def args_and_env(t):
    b = t.bundle("true")
    out = os.path.join(t.workdir, "hook.out")
    b.hook("prestart", BUSYBOX, ["busybox", "sh", "-c", f'echo "$0|$1|$HOOKVAR|$PATH" > {out}', "arg zero", "one"],
           env=["HOOKVAR=hello world", "PATH=/hookpath"])
    t.create(b)
    with open(out) as f:
        t.eq(f.read().strip(), "arg zero|one|hello world|/hookpath", "hook's $0|$1|$HOOKVAR|$PATH")


def _failing_create_hook(t, kind):
    b = t.bundle("echo program-ran")
    _hook(b, kind, "exit 1")
    res, c = t.try_create(b)
    if res.rc == 0:
        # Some runtimes report a failed hook only at start; the program still must not run.
        t.rt("start", c.id)
        time.sleep(0.1)
        raise AssertionError(f"create succeeded although a {kind} hook failed"
                             + ("; the program ran" if "program-ran" in c.output() else ""))
    st = t.rt("state", c.id)
    if st.rc == 0:
        status = json.loads(st.out).get("status")
        t.check(status == "stopped", f"after the failed {kind} hook the container is {status!r}, not stopped/gone")


for _kind in CREATE_HOOKS:
    def _make_fail(kind=_kind):
        case(f"hooks.{kind}_failure", "runtime.md#lifecycle", "MUST",
             f"a failing {kind} hook makes create error and stops the container")(
            lambda t: _failing_create_hook(t, kind))
    _make_fail()


@case("hooks.startContainer_failure", "runtime.md#lifecycle", "MUST",
      "a failing startContainer hook makes start error; the program does not run")
def start_container_failure(t):
    b = t.bundle("echo program-ran")
    _hook(b, "startContainer", "exit 1")
    c = t.create(b)
    res = t.rt("start", c.id)
    time.sleep(0.1)
    t.check("program-ran" not in c.output(), "the program ran although startContainer failed")
    t.refused(res, "start with a failing startContainer hook")


@case("hooks.poststart_failure_warns", "runtime.md#lifecycle", "MUST",
      "a failing poststart hook only warns: start succeeds, later hooks run, the program keeps running")
def poststart_failure(t):
    b = t.bundle("echo up; exec sleep 30")
    marker = os.path.join(t.workdir, "second")
    _hook(b, "poststart", "exit 1")
    _hook(b, "poststart", f"touch {marker}")
    c = t.create(b)
    res = t.rt("start", c.id)
    t.eq(res.rc, 0, f"start exit code with a failing poststart hook ({res.why()})")
    c.wait_output("up")
    t.check(os.path.exists(marker), "the second poststart hook did not run")
    t.eq(c.state().get("status"), "running", "status after a failing poststart hook")


@case("hooks.poststop_failure_warns", "runtime.md#lifecycle", "MUST",
      "a failing poststop hook only warns: delete succeeds and later poststop hooks run")
def poststop_failure(t):
    b = t.bundle("true")
    marker = os.path.join(t.workdir, "second")
    _hook(b, "poststop", "exit 1")
    _hook(b, "poststop", f"touch {marker}")
    c = t.create(b)
    c.start()
    c.wait()
    res = t.rt("delete", c.id)
    t.eq(res.rc, 0, f"delete exit code with a failing poststop hook ({res.why()})")
    t.check(os.path.exists(marker), "the second poststop hook did not run")


@case("hooks.timeout", "config.md#posix-platform-hooks", "MUST",
      "a hook exceeding its timeout is aborted and counts as failed")
def hook_timeout(t):
    b = t.bundle("true")
    _hook(b, "prestart", "sleep 20", timeout=1)
    start = time.monotonic()
    res, _ = t.try_create(b)
    took = time.monotonic() - start
    t.refused(res, "create with a prestart hook that times out")
    t.check(took < 8, f"create took {took:.1f} s with a 1 s hook timeout")
