"""The state document (runtime.md: State, Query State)."""

import os
import re

from conformance import host
from conformance.registry import area, case

area("state", "the state document's fields")

SEMVER = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


@case("state.ociVersion", "runtime.md#state", "MUST",
      "ociVersion is a SemVer string")
def oci_version(t):
    st = t.create(t.bundle("true")).state()
    v = st.get("ociVersion")
    t.check(isinstance(v, str) and SEMVER.match(v), f"ociVersion is not SemVer: {v!r}")


@case("state.id", "runtime.md#state", "MUST",
      "id is the container's id as given to create")
def state_id(t):
    c = t.create(t.bundle("true"))
    t.eq(c.state().get("id"), c.id, "state id")


@case("state.status_values", "runtime.md#state", "MUST",
      "status is 'created', then 'running', then 'stopped' as the container moves")
def status_values(t):
    c = t.create(t.bundle("echo up; exec sleep 30"))
    seen = [c.state().get("status")]
    c.start()
    c.wait_output("up")
    seen.append(c.state().get("status"))
    c.kill("KILL")
    c.wait(5)
    seen.append(c.state().get("status"))
    t.eq(seen, ["created", "running", "stopped"], "statuses seen")


@case("state.pid_is_host_pid", "runtime.md#state", "MUST",
      "pid is the container process as seen by the host: its root is the bundle's rootfs, pid 1 inside")
def pid_is_host_pid(t):
    b = t.bundle("echo up; exec sleep 30")
    c = t.create(b)
    c.start()
    c.wait_output("up")
    pid = c.state().get("pid")
    t.check(isinstance(pid, int) and host.alive(pid), f"state pid {pid!r} is not a live process")
    root = os.stat(f"/proc/{pid}/root/")
    rootfs = os.stat(b.rootfs)
    t.eq((root.st_dev, root.st_ino), (rootfs.st_dev, rootfs.st_ino), f"(dev, inode) of /proc/{pid}/root vs rootfs")
    nspid = host.status_field(pid, "NSpid").split()
    t.eq(nspid[-1], "1", "the process's pid inside its own pid namespace")


@case("state.pid_created", "runtime.md#state", "MUST",
      "pid is present and live while the container is 'created'")
def pid_created(t):
    st = t.create(t.bundle("true")).state()
    pid = st.get("pid")
    t.check(isinstance(pid, int) and pid > 0 and host.alive(pid), f"pid in 'created' state: {pid!r}")


@case("state.bundle_absolute", "runtime.md#state", "MUST",
      "bundle is the absolute path of the bundle directory, even when create got a relative one")
def bundle_absolute(t):
    b = t.bundle("true")
    c = t.create(b, cwd=b.path)  # create --bundle .
    got = c.state().get("bundle")
    t.check(isinstance(got, str) and os.path.isabs(got), f"bundle is not absolute: {got!r}")
    t.eq(os.path.realpath(got), os.path.realpath(b.path), "state bundle")


@case("state.annotations", "runtime.md#state", "MUST",
      "annotations in state are the config's annotations")
def state_annotations(t):
    b = t.bundle("true")
    b.config["annotations"] = {"org.example.key": "value", "com.example/other": "x y"}
    t.eq(t.create(b).state().get("annotations"), b.config["annotations"], "state annotations")


@case("state.annotations_absent", "runtime.md#state", "MUST",
      "with no annotations in the config, state's annotations are absent or empty")
def state_annotations_absent(t):
    st = t.create(t.bundle("true")).state()
    t.check(st.get("annotations") in (None, {}), f"annotations: {st.get('annotations')!r}")


@case("state.json_object", "runtime.md#query-state", "MUST",
      "state prints one JSON object with ociVersion, id, status, pid and bundle")
def state_json_object(t):
    st = t.create(t.bundle("true")).state()
    t.check(isinstance(st, dict), "state is not a JSON object")
    missing = [k for k in ("ociVersion", "id", "status", "pid", "bundle") if k not in st]
    t.check(not missing, f"state lacks {missing}")
