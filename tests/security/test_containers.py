"""Container-level checks: the same bundle run by pyrun and by Debian's runc, the process inside
reporting what the kernel gives it and trying to get more than it was given. Both runtimes must
agree, and the outcome must be the locked-down one."""

import array
import json
import os
import shutil
import socket
import subprocess
import threading

import pytest

from runtime import lsm
from spec.defaults import default_config

STATUS = "grep -E '^(Uid|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):' /proc/self/status"


class Bundle:
    def __init__(self, path, config, rootfs):
        self.path, self.config, self.rootfs = path, config, rootfs


@pytest.fixture
def make_bundle(tmp_path, rootfs_template):
    """Bundles sharing the session's busybox rootfs read-only (copying it costs ~0.5 s a test on a
    busy machine)."""
    counter = [0]

    def make(args):
        counter[0] += 1
        path = str(tmp_path / f"bundle{counter[0]}")
        os.makedirs(path)
        config = default_config()
        config["process"]["terminal"] = False
        config["process"]["args"] = list(args)
        config["root"] = {"path": rootfs_template, "readonly": True}
        return Bundle(path, config, rootfs_template)

    return make


def run(rt, make_bundle, script, change=None):
    """change(config) adjusts the bundle's config before the run."""
    bundle = make_bundle(["sh", "-c", script])
    if change:
        change(bundle.config)
    with open(os.path.join(bundle.path, "config.json"), "w") as f:
        json.dump(bundle.config, f)
    proc = rt("run", "--bundle", bundle.path, rt.new_id(), check=False, timeout=30)
    return proc.returncode, proc.stdout, proc.stderr


def both(make_bundle, pyrun, runc, script, change=None, view=None):
    """Run in both runtimes; they must agree on exit code and output (or view(output)).
    Returns runc's (code, output)."""
    ours = run(pyrun, make_bundle, script, change)
    theirs = run(runc, make_bundle, script, change)
    view = view or (lambda out: out)
    assert (ours[0], view(ours[1])) == (theirs[0], view(theirs[1])), f"pyrun: {ours}\nrunc:  {theirs}"
    return theirs[:2]


def status(out):
    return {k: v.strip() for k, _, v in (line.partition(":") for line in out.splitlines() if ":" in line)}


def caps(*names):
    return list(names)


def user(uid, **capsets):
    def change(config):
        config["process"]["user"] = {"uid": uid, "gid": uid}
        config["process"]["capabilities"] = capsets
    return change


@pytest.fixture(autouse=True)
def _needs_root(root):
    pass


def test_default_config(make_bundle, pyrun, runc):
    code, out = both(make_bundle, pyrun, runc, STATUS)
    got = status(out)
    assert code == 0
    # runc spec's default: CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE in B/E/P, no_new_privs
    assert got["CapBnd"] == got["CapEff"] == got["CapPrm"] == "0000000020000420"
    assert got["NoNewPrivs"] == "1"


def test_ambient_caps_for_non_root_user(make_bundle, pyrun, runc):
    nbs = caps("CAP_NET_BIND_SERVICE")
    change = user(1000, bounding=caps("CAP_NET_BIND_SERVICE", "CAP_KILL"), effective=nbs, permitted=nbs,
                  inheritable=nbs, ambient=nbs)
    # busybox httpd binds port 80, then goes to the background: rc 0 only if the bind worked
    code, out = both(make_bundle, pyrun, runc, STATUS + "; httpd -p 80 -h /tmp; echo bind=$?", change)
    got = status(out)
    assert got["Uid"].split() == ["1000"] * 4
    assert got["CapEff"] == got["CapAmb"] == "0000000000000400"
    assert "bind=0" in out


def test_ambient_cap_not_inheritable_is_dropped_not_fatal(make_bundle, pyrun, runc):
    change = user(1000, bounding=caps("CAP_KILL", "CAP_CHOWN"), permitted=caps("CAP_KILL", "CAP_CHOWN"),
                  effective=caps("CAP_KILL"), inheritable=caps("CAP_CHOWN"),
                  ambient=caps("CAP_KILL", "CAP_CHOWN"))
    code, out = both(make_bundle, pyrun, runc, STATUS, change)
    assert code == 0
    assert status(out)["CapAmb"] == status(out)["CapEff"] == "0000000000000001"   # CAP_CHOWN only


def test_non_root_without_the_cap_cannot_bind_port_80(make_bundle, pyrun, runc):
    change = user(1000, bounding=caps("CAP_KILL"), effective=caps("CAP_KILL"), permitted=caps("CAP_KILL"))
    code, out = both(make_bundle, pyrun, runc, "httpd -p 80 -h /tmp 2>&1; echo bind=$?", change)
    assert "bind=1" in out and "Permission denied" in out


STATUS_C = r"""
#include <fcntl.h>
#include <unistd.h>
int main(void) {
    char buf[8192];
    int fd = open("/proc/self/status", O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf);
    return n > 0 && write(1, buf, n) == n ? 0 : 1;
}
"""


@pytest.fixture(scope="session")
def status_binary(tmp_path_factory):
    """A static program printing its own /proc/self/status (busybox drops a setuid bit itself)."""
    out = tmp_path_factory.mktemp("suid")
    src = out / "status.c"
    src.write_text(STATUS_C)
    proc = subprocess.run(["gcc", "-static", "-O1", "-o", str(out / "status"), str(src)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot build a static helper (gcc, libc6-dev): {proc.stderr.strip()[:200]}")
    return str(out / "status")


@pytest.fixture(scope="session")
def suid_rootfs(status_binary, tmp_path_factory):
    """A rootfs holding only a setuid-root static program (no copy of busybox to make per test)."""
    rootfs = tmp_path_factory.mktemp("suid-rootfs")
    os.chmod(rootfs, 0o755)   # uid 1000 must be able to walk it
    for d in ("proc", "dev", "sys", "tmp", "bin"):
        (rootfs / d).mkdir(mode=0o755)
    suid = rootfs / "bin" / "suid-status"
    shutil.copy(status_binary, suid)
    os.chmod(suid, 0o4755)
    return str(rootfs)


@pytest.mark.parametrize("no_new_privs", [True, False])
def test_setuid_binary_cannot_exceed_the_bounding_set(make_bundle, pyrun, runc, suid_rootfs, no_new_privs):
    # uid 1000 runs a setuid-root program in the container.
    def change(config):
        user(1000, bounding=caps("CAP_CHOWN"), effective=[], permitted=[])(config)
        config["process"]["noNewPrivileges"] = no_new_privs
        config["process"]["args"] = ["/bin/suid-status"]
        config["root"]["path"] = suid_rootfs
    code, out = both(make_bundle, pyrun, runc, "", change,
                     view=lambda out: {k: v for k, v in status(out).items()
                                       if k in ("Uid", "CapEff", "CapPrm", "CapBnd", "NoNewPrivs")})
    got = status(out)
    assert code == 0
    if no_new_privs:
        assert got["Uid"].split() == ["1000"] * 4 and got["CapEff"] == "0000000000000000"
    else:
        assert got["Uid"].split() == ["1000", "0", "0", "0"]   # euid 0 from the setuid bit...
        assert got["CapEff"] == got["CapPrm"] == "0000000000000001"  # ...only what the bounding set allows


def test_mount_needs_cap_sys_admin(make_bundle, pyrun, runc):
    code, out = both(make_bundle, pyrun, runc, "mount -t tmpfs t /run 2>&1; echo rc=$?")
    assert "rc=1" in out and "permission denied" in out.lower()


def test_seccomp_errno_reaches_grandchildren(make_bundle, pyrun, runc):
    def change(config):
        config["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 75}]}
    code, out = both(make_bundle, pyrun, runc, "sh -c 'sh -c \"mkdir /tmp/a 2>&1; echo rc=\\$?\"'; " + STATUS,
                     change)
    assert "Value too large for defined data type" in out and "rc=1" in out  # EOVERFLOW from the filter
    assert status(out)["Seccomp"] == "2"


def test_seccomp_socket_family_condition(make_bundle, pyrun, runc):
    def change(config):
        config["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97,
             "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}]}
    code, out = both(make_bundle, pyrun, runc, "nc 127.0.0.1 1 2>&1; echo; nc ::1 1 2>&1; echo", change)
    inet, inet6 = out.split("\n\n")[:2]
    assert "socket: Address family not supported" in inet    # AF_INET refused by the filter
    assert "socket:" not in inet6                            # AF_INET6 got past socket()


def test_no_capabilities_config_means_none(make_bundle, pyrun, runc):
    def change(config):
        del config["process"]["capabilities"]
    code, out = both(make_bundle, pyrun, runc, STATUS, change)
    assert status(out)["CapBnd"] == "0000000000000000"


@pytest.mark.parametrize("runtime", ["runc", "pyrun"])
def test_notify_fd_reaches_the_agent(make_bundle, request, tmp_path, runtime):
    rt = request.getfixturevalue(runtime)
    path = str(tmp_path / "agent.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    listener.settimeout(0.1)
    got = {}
    done = threading.Event()

    def agent():
        try:
            serve()
        except Exception as err:  # surfaces in the test's assertion, not as a thread warning
            got["error"] = repr(err)

    def serve():
        while not done.is_set():
            try:
                conn, _ = listener.accept()
                break
            except socket.timeout:
                continue
        else:
            return
        conn.settimeout(5)
        fds = array.array("i")
        msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_LEN(4 * fds.itemsize))
        for _, _, data in anc:
            fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
        got["fd"] = os.readlink(f"/proc/self/fd/{fds[0]}") if fds else None
        for fd in fds:
            os.close(fd)   # no answer: the container's mkdir then fails with ENOSYS
        while True:        # one state per connection, then the runtime closes it
            more = conn.recv(65536)
            if not more:
                break
            msg += more
        conn.close()
        got["state"] = json.loads(msg)

    thread = threading.Thread(target=agent)
    thread.start()

    def change(config):
        config["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": path,
                                      "listenerMetadata": "meta", "syscalls": [
                                          {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}
    try:
        run(rt, make_bundle, "mkdir /tmp/a 2>&1; echo rc=$?", change)
    finally:
        done.set()
        thread.join(15)
        listener.close()
    assert "error" not in got, got["error"]
    assert got.get("fd") == "anon_inode:seccomp notify"
    assert got["state"]["fds"] == ["seccompFd"] and got["state"]["metadata"] == "meta"
    assert got["state"]["state"]["status"] == "creating"


REFUSED = {
    "apparmor": (lambda c: c["process"].update(apparmorProfile="docker-default"),
                 'apparmor profile "docker-default" requested but AppArmor is not enabled on this host'),
    "selinux": (lambda c: c["process"].update(selinuxLabel="system_u:system_r:container_t:s0"),
                'selinux label "system_u:system_r:container_t:s0" requested but SELinux is not enabled'),
    "intelRdt": (lambda c: c["linux"].update(intelRdt={"closID": "g1", "l3CacheSchema": "L3:0=f"}),
                 "intelRdt is specified in config, but Intel RDT is not supported or enabled"),
}
@pytest.mark.parametrize("what", sorted(REFUSED))
@pytest.mark.parametrize("runtime", ["runc", "pyrun"])
def test_unavailable_lsm_or_rdt_is_refused(make_bundle, request, runtime, what):
    # runc refuses all three on these hosts (AppArmor at init, the others up front); so must pyrun.
    if what != "intelRdt" and (lsm.apparmor_enabled() or lsm.selinux_enabled()):
        pytest.skip("this host has an LSM")
    if what == "intelRdt" and os.path.exists("/sys/fs/resctrl/info"):
        pytest.skip("this host has resctrl")
    change, message = REFUSED[what]
    code, out, err = run(request.getfixturevalue(runtime), make_bundle, "echo ran", change)
    assert code != 0 and "ran" not in out
    if runtime == "pyrun":
        assert message in err
