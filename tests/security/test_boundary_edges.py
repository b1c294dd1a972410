"""Edges of the boundary's defences, where a defence could break what runc users rely on or leave
a corner open: the caller's fds the runtime keeps for itself (but not for the container), the exec
fifo reached only through a real procfs, the wiped command line, the pid file's temporary name,
mounts onto a procfs, tmpcopyup over mount points."""

import json
import os
import time

from testlib import leftovers, needs_root

pytestmark = needs_root


def _run(rt, bundle, *extra, **kwargs):
    bundle.save()
    return rt("run", *extra, "-b", bundle.path, rt.new_id(), check=False, **kwargs)


# --- fds, the exec fifo, the command line, the pid file ---

def test_exec_process_file_through_an_inherited_fd(pyrun, runc, make_bundle):
    """`exec -p /dev/fd/N` (process.json handed over on a pipe) works, as with runc: the runtime
    keeps its caller's fds; only the container's processes drop them."""
    for rt in (runc, pyrun):
        bundle = make_bundle(args=["sleep", "100"])
        cid = rt.new_id()
        rt("run", "-d", "-b", bundle.path, cid)
        process = dict(bundle.config["process"], args=["echo", "from-process-file"])
        r, w = os.pipe()
        os.write(w, json.dumps(process).encode())
        os.close(w)
        try:
            proc = rt("exec", "-p", f"/dev/fd/{r}", cid, check=False, pass_fds=(r,))
        finally:
            os.close(r)
        assert proc.returncode == 0 and "from-process-file" in proc.stdout, \
            f"{rt.binary}: {proc.returncode} {proc.stdout} {proc.stderr}"


def test_log_through_an_inherited_fd_keeps_the_error_line(pyrun, runc, make_bundle, tmp_path):
    """--log /dev/fd/N: the error line of a failed run reaches fd N, as with runc."""
    for rt in (runc, pyrun):
        log = tmp_path / f"log-{os.path.basename(rt.binary)}"
        fd = os.open(str(log), os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            bundle = make_bundle(args=["no-such-binary"])
            proc = rt("--log", f"/dev/fd/{fd}", "run", "-b", bundle.path, rt.new_id(), check=False,
                      pass_fds=(fd,))
        finally:
            os.close(fd)
        assert proc.returncode != 0
        assert "no-such-binary" in log.read_text(), f"{rt.binary}: nothing logged to the fd"


def test_exec_fifo_is_not_reopened_through_an_image_proc(pyrun, runc, make_bundle):
    """A config without a /proc mount (the image's /proc is then what the init sees), an image
    shipping /proc/self/fd/N as regular files: the init must not take one for the exec fifo,
    write its start byte there and run the process during create. Refused, as runc 1.1.5 does
    ("/proc/self/fd is not on procfs")."""
    for rt in (runc, pyrun):
        bundle = make_bundle(args=["sh", "-c", "echo started > /tmp/started; sleep 100"])
        bundle.config["mounts"] = [m for m in bundle.config["mounts"] if m["destination"] != "/proc"]
        fds = os.path.join(bundle.rootfs, "proc", "self", "fd")
        os.makedirs(fds)
        for n in range(3, 10):
            open(os.path.join(fds, str(n)), "w").close()
        bundle.save()
        cid = rt.new_id()
        created = rt("create", "-b", bundle.path, cid, check=False)
        time.sleep(1)
        started = os.path.exists(os.path.join(bundle.rootfs, "tmp", "started"))
        assert not started, f"{rt.binary}: the container's process ran before start"
        if rt is pyrun:
            assert created.returncode != 0 and "procfs" in created.stderr
            assert leftovers(pyrun, cid, bundle) == []


def test_pid_file_leftover_does_not_fail_create(pyrun, make_bundle, tmp_path):
    """A killed pyrun's leftover temporary pid file does not fail every later create with that
    --pid-file (runc fails on its own, ".pid"): it is unlinked, never followed."""
    bundle = make_bundle(args=["sleep", "100"])
    (tmp_path / ".c.pid.tmp").write_text("")
    cid = pyrun.new_id()
    proc = pyrun("create", "--pid-file", str(tmp_path / "c.pid"), "-b", bundle.path, cid, check=False)
    assert proc.returncode == 0, proc.stderr


def test_wiped_cmdline_has_no_trailing_empty_arguments(pyrun, make_bundle):
    """/proc/PID/cmdline of the created init is its title alone, not followed by the rest of the
    wiped argv area as empty arguments (psutil, xargs -0)."""
    bundle = make_bundle(args=["sleep", "100"])
    cid = pyrun.new_id()
    pyrun("create", "-b", bundle.path, cid)
    pid = pyrun.state(cid)["pid"]
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        args = f.read().split(b"\0")
    assert args == [b"pyrun init", b""], f"{len(args) - 2} empty trailing arguments"


# --- mounts ---

def test_cgroup_mount_onto_a_procfs_at_another_path_is_refused(pyrun, make_bundle):
    """A procfs at /p, then a cgroup mount at /p/sys/kernel covering its sysctls: refused, as a
    tmpfs there is."""
    bundle = make_bundle(args=["true"])
    bundle.config["mounts"].append({"destination": "/p", "type": "proc", "source": "proc"})
    bundle.config["mounts"].append({"destination": "/p/sys/kernel", "type": "cgroup", "source": "cgroup",
                                    "options": ["ro"]})
    proc = _run(pyrun, bundle)
    assert proc.returncode != 0 and "proc filesystem" in proc.stderr, proc.stdout + proc.stderr


def test_tmpcopyup_keeps_the_name_of_a_file_mount_point(pyrun, runc, make_bundle, tmp_path):
    """A file below the tmpcopyup directory with a bind on it keeps its name in the tmpfs (empty:
    the copy does not read across mounts), as a directory mount point does; runc lists it too."""
    src = tmp_path / "hostfile"
    src.write_text("host\n")
    for rt in (runc, pyrun):
        bundle = make_bundle(args=["sh", "-c", "ls /data"])
        os.makedirs(os.path.join(bundle.rootfs, "data"))
        for name in ("f", "g"):
            with open(os.path.join(bundle.rootfs, "data", name), "w") as f:
                f.write("image\n")
        bundle.config["mounts"].append({"destination": "/data/f", "type": "bind", "source": str(src),
                                        "options": ["bind"]})
        bundle.config["mounts"].append({"destination": "/data", "type": "tmpfs", "source": "tmpfs",
                                        "options": ["tmpcopyup"]})
        proc = _run(rt, bundle)
        assert proc.stdout.split() == ["f", "g"], f"{rt.binary}: {proc.stdout!r}"


def test_tmpcopyup_does_not_remake_what_is_mounted_on_a_name(pyrun, make_bundle, tmp_path):
    """A device bound on a file of the image, below a tmpcopyup directory: the tmpfs gets an
    empty file of that name, not the device node, nor the mounted file's owner and mode."""
    secret = tmp_path / "secret"
    secret.write_text("host\n")
    os.chmod(secret, 0o640)
    os.chown(secret, 0, 42)
    bundle = make_bundle(args=["sh", "-c", "ls -ln /data | tr -s ' ' | cut -d' ' -f1,3,4,5,9"])
    os.makedirs(os.path.join(bundle.rootfs, "data"))
    for name in ("kmsg", "secret"):
        open(os.path.join(bundle.rootfs, "data", name), "w").close()
    bundle.config["mounts"] += [
        {"destination": "/data/kmsg", "type": "bind", "source": "/dev/kmsg", "options": ["bind"]},
        {"destination": "/data/secret", "type": "bind", "source": str(secret), "options": ["bind"]},
        {"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup"]}]
    proc = _run(pyrun, bundle)
    assert proc.stdout.split("\n")[1:3] == ["-rw-r--r-- 0 0 0 kmsg", "-rw-r--r-- 0 0 0 secret"], \
        proc.stdout + proc.stderr
