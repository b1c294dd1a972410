"""The process side of the container boundary (exec, fds, credentials, the environment) attacked
by an untrusted image or an untrusted process already inside the container; each test fails if the
defence it names regresses. runc (Debian's 1.1.5) is run beside pyrun where it shows the correct
behaviour."""

import json
import os
import time

from testlib import leftovers, needs_root

pytestmark = needs_root

MARKER = "HOST-MARKER-7f3a"


def _status(text):
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _host_dir(tmp_path):
    """A host directory holding a marker file the container must never see."""
    host = tmp_path / "hostdir"
    host.mkdir()
    (host / MARKER).write_text("secret\n")
    return host


def _with_caps(bundle, *extra):
    for key in ("bounding", "effective", "permitted"):
        bundle.config["process"]["capabilities"][key] += list(extra)
    return bundle.save()


def _running(rt, make_bundle, args=("sleep", "1000"), change=None):
    bundle = make_bundle(args=list(args))
    if change is not None:
        change(bundle)
    bundle.save()
    cid = rt.new_id()
    rt("run", "-d", "-b", bundle.path, cid)
    return cid, bundle


# --- 1. CVE-2024-21626: host fds and cwd ---

def test_init_cwd_through_proc_self_fd_stays_in_the_container(pyrun, make_bundle, tmp_path):
    # An image's WorkingDir "/proc/self/fd/N" follows whatever fd the init holds when it enters
    # the cwd: a host directory would have `..` walk the host's filesystem (CVE-2024-21626). The
    # init holds no directory of the host (the exec fifo's O_PATH fd only), and a cwd outside the
    # root is refused, as runc's verifyCwd does.
    (tmp_path / MARKER).write_text("secret\n")    # <pyrun root>/<id>/../../MARKER
    reached = []
    for n in range(3, 10):
        bundle = make_bundle(args=["sh", "-c", f"readlink /proc/self/cwd; cat ../../{MARKER} 2>/dev/null"])
        bundle.config["process"]["cwd"] = f"/proc/self/fd/{n}"
        bundle.save()
        cid = pyrun.new_id()
        proc = pyrun("run", "-b", bundle.path, cid, check=False, timeout=30)
        if proc.returncode == 0 and (proc.stdout.startswith(str(tmp_path)) or "secret" in proc.stdout):
            reached.append((n, proc.stdout))
        assert leftovers(pyrun, cid, bundle) == []   # refused or run: either way nothing stays
    assert reached == [], f"the container's process started in a host directory: {reached}"


def test_exec_cwd_cannot_be_a_host_fd_inherited_from_the_caller(pyrun, runc, make_bundle, tmp_path):
    # A cwd (the image's, or --cwd) of /proc/self/fd/N aimed at a host directory the caller of
    # `pyrun exec` left open: exec closes what it inherited first, and a cwd outside the root is
    # refused. runc neither passes such fds on nor accepts such a cwd (verifyCwd).
    host = _host_dir(tmp_path)
    for rt in (runc, pyrun):
        cid, _ = _running(rt, make_bundle)
        fd = os.open(str(host), os.O_RDONLY | os.O_DIRECTORY)
        try:
            proc = rt("exec", "--cwd", f"/proc/self/fd/{fd}", cid, "sh", "-c", f"pwd; cat {MARKER}",
                      check=False, pass_fds=(fd,))
        finally:
            os.close(fd)
        assert "secret" not in proc.stdout, f"{rt.binary}: exec'd process in the host dir: {proc.stdout}"


def test_created_init_holds_no_host_directory_for_a_ptrace_capable_container(pyrun, runc, make_bundle,
                                                                              tmp_path):
    # Non-dumpable stops a container without CAP_SYS_PTRACE, but one given it (a common debugging
    # --cap-add) opens /proc/1/fd/N of the created init from an exec'd process: no host directory
    # may be there, neither the state directory nor one create's caller left open. runc's created
    # init holds only pipes and an O_PATH fd of exec.fifo, as pyrun's now does.
    host = _host_dir(tmp_path)
    script = ("for f in /proc/1/fd/*; do [ -d $f/ ] && echo DIR $(readlink $f); done; "
              f"for f in /proc/1/fd/*; do cat $f/{MARKER} $f/../../hostdir/{MARKER} 2>/dev/null; done; true")
    for rt in (runc, pyrun):
        bundle = _with_caps(make_bundle(args=["sleep", "100"]), "CAP_SYS_PTRACE")
        cid = rt.new_id()
        fd = os.open(str(host), os.O_RDONLY | os.O_DIRECTORY)
        try:
            rt("create", "-b", bundle.path, cid, pass_fds=(fd,))
        finally:
            os.close(fd)
        out = rt("exec", cid, "sh", "-c", script).stdout
        assert "DIR" not in out and "secret" not in out, f"{rt.binary}: {out}"


def test_created_init_does_not_carry_the_callers_environment(pyrun, runc, make_bundle):
    # The created init (and each exec's tenant) is a fork of pyrun: its /proc/PID/environ would be
    # the caller's whole environment, readable from /proc/1 by a container with CAP_SYS_PTRACE.
    # The forks wipe it (runc's init has only _LIBCONTAINER_* variables).
    env = dict(os.environ, REVIEW_HOST_SECRET="s3cr3t-token")
    for rt in (runc, pyrun):
        bundle = _with_caps(make_bundle(args=["sleep", "100"]), "CAP_SYS_PTRACE")
        cid = rt.new_id()
        rt("create", "-b", bundle.path, cid, env=env)
        out = rt("exec", cid, "sh", "-c", "tr '\\0' '\\n' < /proc/1/environ; true").stdout
        leaked = [line for line in out.splitlines() if "s3cr3t-token" in line]
        assert leaked == [], f"{rt.binary}: the container read the caller's environment: {leaked}"


def test_exec_helper_fds_not_reachable_by_a_ptrace_capable_container(pyrun, make_bundle, tmp_path):
    # The exec'd process's helper runs in the container's pid namespace before its execve: a
    # container process with CAP_SYS_PTRACE polling /proc/*/fd must not find there a host
    # directory the caller of `pyrun exec` left open (before the fix: ~10 of 20 execs; runc 0).
    host = _host_dir(tmp_path)
    watcher = ("while [ ! -e /stop ]; do for f in /proc/[0-9]*/fd/*; do "
               f"[ -e $f/{MARKER} ] && echo $f >> /found; done; done")
    cid, bundle = _running(pyrun, make_bundle, ["sh", "-c", watcher],
                           change=lambda b: _with_caps(b, "CAP_SYS_PTRACE"))
    found = os.path.join(bundle.rootfs, "found")
    try:
        for _ in range(40):
            fd = os.open(str(host), os.O_RDONLY | os.O_DIRECTORY)
            try:
                pyrun("exec", cid, "true", pass_fds=(fd,))
            finally:
                os.close(fd)
            if os.path.exists(found):
                break
    finally:
        open(os.path.join(bundle.rootfs, "stop"), "w").close()
    time.sleep(0.2)
    got = open(found).read() if os.path.exists(found) else ""
    assert got == "", f"the container opened the host dir through the exec helper: {got}"


# --- 3. credentials ---

def test_callers_supplementary_groups_and_caps_do_not_reach_exec(pyrun, runc, make_bundle):
    """Caller with extra groups; exec as root, as a uid with a passwd entry, and as one without."""
    ids = {rt: _running(rt, make_bundle)[0] for rt in (pyrun, runc)}
    fields = ("Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs")
    for flags in ([], ["--user", "1000:1000"], ["--user", "4242"]):
        views = []
        for rt in (pyrun, runc):
            out = rt("exec", *flags, ids[rt], "cat", "/proc/self/status",
                     preexec_fn=lambda: os.setgroups([4, 27, 4321])).stdout
            views.append([_status(out)[f].strip() for f in fields])
        assert views[0] == views[1], flags
        assert views[0][2] == "", flags                      # no supplementary group at all
        if flags:
            assert views[0][3:6] == ["0" * 16] * 3, flags    # no inheritable, permitted, effective


# --- 4. seccomp and no_new_privs in exec ---

def test_exec_applies_the_containers_seccomp_with_and_without_a_process_file(pyrun, make_bundle, tmp_path):
    def change(bundle):
        bundle.config["process"]["noNewPrivileges"] = False
        bundle.config["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
    cid, _ = _running(pyrun, make_bundle, change=change)
    script = "grep -E '^Seccomp:' /proc/self/status; mkdir /tmp/x$$ && echo MKDIR-OK; true"
    process = tmp_path / "process.json"
    process.write_text(json.dumps({"args": ["sh", "-c", script], "env": ["PATH=/bin"], "cwd": "/"}))
    for flags in ([], ["--no-new-privs"], ["--process", str(process)]):
        command = [] if "--process" in flags else ["sh", "-c", script]
        out = pyrun("exec", *flags, cid, *command).stdout
        assert "Seccomp:\t2" in out and "MKDIR-OK" not in out, (flags, out)


# --- 5. the runtime's environment ---

def test_exec_does_not_take_the_callers_environment(pyrun, make_bundle):
    cid, _ = _running(pyrun, make_bundle)
    env = dict(os.environ, REVIEW_HOST_SECRET="s3cr3t-token", LD_PRELOAD="/nonexistent.so")
    out = pyrun("exec", cid, "env", env=env).stdout
    leaked = [line for line in out.splitlines() if "s3cr3t-token" in line or "LD_PRELOAD" in line]
    assert leaked == [], leaked


# --- 6. pid file ---

def test_exec_pid_file_does_not_write_through_a_symlink(pyrun, runc, make_bundle, tmp_path):
    # Whoever can write the pid file's directory (a volume the container shares) plants a symlink
    # at the temporary name: root must not write through it, nor leave the pid file as that link.
    # The temporary file is made O_EXCL|O_NOFOLLOW (runc fails there, "file exists"); pyrun
    # unlinks what is in the way, without following it, and writes the real pid file.
    for rt in (runc, pyrun):
        cid, _ = _running(rt, make_bundle)
        shared = tmp_path / f"shared-{os.path.basename(rt.binary)}"
        shared.mkdir()
        victim = tmp_path / f"victim-{os.path.basename(rt.binary)}"
        victim.write_text("precious host file\n")
        for name in (".pid.tmp", ".pid"):
            os.symlink(str(victim), str(shared / name))
        rt("exec", "-d", "--pid-file", str(shared / "pid"), cid, "sleep", "5", check=False)
        assert victim.read_text() == "precious host file\n", f"{rt.binary} wrote through the symlink"
        assert not (shared / "pid").is_symlink(), f"{rt.binary}: the pid file is the planted symlink"
        if rt is pyrun:
            pid = (shared / "pid").read_text()
            assert pid.isdigit() and os.path.exists(f"/proc/{pid}"), pid
            assert not os.path.lexists(shared / ".pid.tmp")
