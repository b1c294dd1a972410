"""Rootless pyrun: an ordinary user (made for the test, with /etc/subuid and /etc/subgid ranges)
runs `pyrun spec --rootless` bundles on a busybox rootfs it owns, through runuser. Everything is
observed from inside the container and from the host's /proc and file system."""

import json
import os
import time

from rootlesslib import SUB_COUNT, SUB_START
from testlib import PYRUN, ROOT


def host_ids(pid):
    """(real uid, real gid) of a host pid, from /proc/PID/status."""
    uid = gid = None
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Uid:"):
                uid = int(line.split()[1])
            elif line.startswith("Gid:"):
                gid = int(line.split()[1])
    return uid, gid


def processes_of(uid):
    """Host pids whose real uid is uid (a failed create must leave none). Zombies do not count:
    a container process killed by an earlier test may wait a moment for the host's pid 1 to reap it."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if host_ids(name)[0] == uid and not _is_zombie(name):
                    found.append(int(name))
            except OSError:
                continue
    return found


def _is_zombie(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rpartition(")")[2].split()[0] == "Z"


def state_ids(user):
    root = os.path.join(user.xdg, "pyrun")
    return sorted(os.listdir(root)) if os.path.isdir(root) else []


def wait_stopped(rt, cid, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if rt.state(cid)["status"] == "stopped":
            return
        time.sleep(0.02)
    raise AssertionError(f"{cid} did not stop")


def test_spec_rootless_bundle_runs_as_the_user(user, user_bundle, as_user):
    """The config `pyrun spec --rootless` writes for the user works as it is: root inside is the
    user outside, its gid map written after setgroups was denied, the exit status comes back,
    and `run` leaves no state behind."""
    b = user_bundle(user).args("sh", "-c", "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map "
                                           "/proc/self/setgroups; exit 3")
    assert b.linux["uidMappings"] == [{"containerID": 0, "hostID": user.uid, "size": 1}]
    rt = as_user(user)
    cid = rt.new_id()
    proc = rt("run", "-b", b.path, cid, check=False)
    assert proc.returncode == 3, proc.stderr
    lines = [line.split() for line in proc.stdout.splitlines()]
    assert lines == [["0"], ["0"], ["0", str(user.uid), "1"], ["0", str(user.gid), "1"], ["deny"]]
    assert cid not in state_ids(user)


def test_lifecycle_state_under_xdg_runtime_dir(user, user_bundle, as_user):
    """create/state/start/exec/kill/delete as the user, with pyrun's default root: the state
    lives in $XDG_RUNTIME_DIR/pyrun, owned by the user; the init runs as the user on the host."""
    b = user_bundle(user).args("sleep", "60")
    rt = as_user(user)
    cid = rt.new_id()
    rt("create", "-b", b.path, cid)
    state_dir = os.path.join(user.xdg, "pyrun", cid)
    assert os.stat(state_dir).st_uid == user.uid
    st = rt.state(cid)
    assert st["status"] == "created"
    assert host_ids(st["pid"]) == (user.uid, user.gid)
    rt("start", cid)
    assert rt.state(cid)["status"] == "running"
    out = rt("exec", cid, "sh", "-c", "id -u; cat /proc/self/uid_map; tr '\\0' ' ' </proc/1/cmdline").stdout.split()
    assert out == ["0", "0", str(user.uid), "1", "sleep", "60"]
    assert [line.split()[0] for line in rt("list").stdout.splitlines()[1:]] == [cid]
    rt("kill", cid, "KILL")
    wait_stopped(rt, cid)
    rt("delete", cid)
    assert not os.path.exists(state_dir)


def test_files_the_runtime_makes_belong_to_the_mapped_root(user, user_bundle, as_user):
    """/dev (tmpfs), its mounts and links, and the cgroup tmpfs are owned by root inside and by
    the user outside; the host's device nodes, bound in, stay the host's (unmapped: nobody)."""
    b = user_bundle(user).args("sleep", "60")
    rt = as_user(user)
    cid = rt.new_id()
    rt("run", "-d", "-b", b.path, cid)
    made = ["/dev", "/dev/shm", "/dev/pts", "/dev/mqueue", "/sys/fs/cgroup"]
    out = rt("exec", cid, "stat", "-c", "%u:%g", *made, "/dev/null").stdout.split()
    assert out == ["0:0"] * len(made) + ["65534:65534"]
    pid = rt.state(cid)["pid"]
    for path in made + ["/dev/stdout", "/dev/ptmx"]:
        st = os.lstat(f"/proc/{pid}/root{path}")
        assert (st.st_uid, st.st_gid) == (user.uid, user.gid), path
    mounts = rt("exec", cid, "cat", "/proc/self/mountinfo").stdout
    # /sys is the host's, bound (runc's rootless spec): sysfs needs a network namespace of our own.
    assert any(line.split()[4] == "/sys" and " - sysfs " in line for line in mounts.splitlines())


def test_multiple_ids_through_newuidmap_and_newgidmap(user, user_bundle, as_user):
    """The user's own id plus its subordinate range: the helpers write both maps, setgroups
    stays allowed, and a file made by uid 1000 inside belongs to subordinate id 999 outside."""
    b = user_bundle(user)
    for key, own in (("uidMappings", user.uid), ("gidMappings", user.gid)):
        b.linux[key] = [{"containerID": 0, "hostID": own, "size": 1},
                        {"containerID": 1, "hostID": SUB_START, "size": SUB_COUNT}]
    b.config["root"]["readonly"] = False
    b.config["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [1001]}
    b.args("sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u; id -G; "
                       "touch /tmp/by1000")
    rt = as_user(user)
    proc = rt("run", "-b", b.path, rt.new_id())
    lines = [line.split() for line in proc.stdout.splitlines()]
    ranges = [["0", str(user.uid), "1"], ["1", str(SUB_START), str(SUB_COUNT)]]
    assert lines[:2] == ranges
    assert lines[2:4] == [["0", str(user.gid), "1"], ["1", str(SUB_START), str(SUB_COUNT)]]
    assert lines[4:] == [["allow"], ["1000"], ["1000", "1001"]]
    st = os.stat(os.path.join(b.rootfs, "tmp", "by1000"))
    assert (st.st_uid, st.st_gid) == (SUB_START + 999, SUB_START + 999)


def test_missing_mappings_are_refused_and_leave_nothing(user, user_bundle, as_user):
    b = user_bundle(user).args("true")
    del b.linux["gidMappings"]
    b.save()
    rt = as_user(user)
    proc = rt("run", "-b", b.path, rt.new_id(), check=False)
    assert proc.returncode != 0
    assert "linux.gidMappings" in proc.stderr
    assert state_ids(user) == []


def test_no_user_namespace_is_refused_clearly(user, user_bundle, as_user):
    b = user_bundle(user).args("true")
    b.linux["namespaces"] = [ns for ns in b.linux["namespaces"] if ns["type"] != "user"]
    del b.linux["uidMappings"], b.linux["gidMappings"]
    b.save()
    rt = as_user(user)
    proc = rt("run", "-b", b.path, rt.new_id(), check=False)
    assert proc.returncode == 1
    assert "requires a user namespace" in proc.stderr and "linux.namespaces" in proc.stderr
    assert state_ids(user) == []


def test_user_without_subordinate_range_gets_a_clear_error(users, user_bundle, as_user):
    """Mapping a range the user was never given: newuidmap refuses, pyrun says which mapping,
    what the helper said and what /etc/subuid holds for the user; nothing is left running."""
    _, plain = users
    b = user_bundle(plain).args("true")
    b.linux["uidMappings"] = [{"containerID": 0, "hostID": plain.uid, "size": 1},
                              {"containerID": 1, "hostID": SUB_START, "size": 1000}]
    b.save()
    rt = as_user(plain)
    proc = rt("run", "-b", b.path, rt.new_id(), check=False)
    assert proc.returncode == 1
    err = proc.stderr
    assert "linux.uidMappings" in err and "newuidmap" in err and "/etc/subuid" in err, err
    assert "gives none" in err and plain.name in err
    assert state_ids(plain) == []
    assert processes_of(plain.uid) == []


def test_cgroups_skipped_with_a_warning_and_limits_refused(user, user_bundle, as_user):
    """No delegated cgroup here (a v1/hybrid host): the container runs without one and --log gets
    a warning; a limit that could not be enforced is refused, naming the field."""
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        import pytest
        pytest.skip("a pure cgroup v2 host: delegation decides, not covered here")
    b = user_bundle(user).args("cat", "/proc/self/cgroup")
    b.linux["namespaces"] = [ns for ns in b.linux["namespaces"] if ns["type"] != "cgroup"]
    b.save()
    log = os.path.join(b.path, "pyrun.log")   # the user can write there
    rt = as_user(user)
    proc = rt("--log", log, "run", "-b", b.path, rt.new_id())
    ours = proc.stdout.splitlines()
    theirs = user.run(["cat", "/proc/self/cgroup"], capture_output=True, text=True).stdout.splitlines()
    assert ours == theirs   # the user's own cgroups: none was made for the container
    with open(log) as f:
        text = f.read()
    assert "level=warning" in text and "no cgroup" in text, text
    b.linux["resources"] = {"pids": {"limit": 50}}
    b.save()
    proc = rt("run", "-b", b.path, rt.new_id(), check=False)
    assert proc.returncode == 1
    assert "linux.resources.pids" in proc.stderr and "rootless" in proc.stderr
    assert state_ids(user) == []


def test_default_root_and_rootless_flag(user):
    """The default --root of an ordinary user is $XDG_RUNTIME_DIR/pyrun; root's stays /run/pyrun;
    --rootless takes runc's values and refuses others."""
    code = f"import sys; sys.path[:0] = [{ROOT!r}]; from runtime.cli import default_root; print(default_root())"
    py = os.path.join(os.path.dirname(PYRUN), "python3")
    out = user.run([py, "-I", "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == os.path.join(user.xdg, "pyrun"), out.stderr
    env = dict(os.environ, XDG_RUNTIME_DIR="/run/user/0")
    import subprocess
    assert subprocess.run([py, "-I", "-c", code], capture_output=True, text=True, env=env).stdout.strip() == \
        "/run/pyrun"
    bad = user.run([PYRUN, "--rootless", "maybe", "list"], capture_output=True, text=True)
    assert bad.returncode != 0 and "--rootless" in bad.stderr
    ok = user.run([PYRUN, "--rootless=true", "list", "-q"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr


def test_spec_rootless_as_the_user_matches_runc(user, workdir):
    """`pyrun spec --rootless` run by the user maps the user's ids; apart from the fields in which
    runc 1.1.5's default spec differs from 1.2's (version, hostname, the cgroup namespace) it is
    what runc writes for the same user."""
    import shutil
    import subprocess
    runc = shutil.which("runc") or "/usr/sbin/runc"
    if not os.path.exists(runc):
        import pytest
        pytest.skip("runc is not installed")
    docs = {}
    for name, binary in (("pyrun", PYRUN), ("runc", runc)):
        d = os.path.join(workdir, name)
        os.mkdir(d)
        os.chown(d, user.uid, user.gid)
        proc = user.run([binary, "spec", "--rootless", "-b", d] if name == "pyrun" else
                        ["sh", "-c", f"cd {d} && {binary} spec --rootless"], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        with open(os.path.join(d, "config.json")) as f:
            docs[name] = json.load(f)
    ours, theirs = docs["pyrun"], docs["runc"]
    assert ours["linux"]["uidMappings"] == theirs["linux"]["uidMappings"] == \
        [{"containerID": 0, "hostID": user.uid, "size": 1}]
    assert ours["linux"]["gidMappings"] == theirs["linux"]["gidMappings"]
    for doc in (ours, theirs):
        doc.pop("ociVersion"), doc.pop("hostname")
        doc["linux"]["namespaces"] = [ns for ns in doc["linux"]["namespaces"] if ns["type"] != "cgroup"]
    assert ours == theirs


def test_spec_rootless_as_written_runs_with_its_terminal(user, user_bundle, as_user):
    """Untouched `pyrun spec --rootless` (terminal: true, sh): the foreground run proxies a pty
    made in the container's own devpts, inside the user namespace."""
    b = user_bundle(user)
    b.config["process"]["terminal"] = True
    b.save()
    rt = as_user(user)
    proc = rt("run", "-b", b.path, rt.new_id(), input="id -u; tty; exit 7\n", check=False, timeout=30)
    assert proc.returncode == 7, proc.stderr
    assert "\n0\r\n/dev/pts/0" in proc.stdout.replace("\r\r", "\r"), repr(proc.stdout)
