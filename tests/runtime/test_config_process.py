"""config.json "process" as runtime-spec 1.2 says: args, env, cwd, user, umask, rlimits,
oomScoreAdj, noNewPrivileges and capabilities, each observed from inside the container
(/proc/1/* of the exec'd process, /proc/self/status, id) and compared with runc where telling."""

import os

import pytest

from test_config_lib import bundle, failed, needs_root, out, run, status_field  # noqa: F401
from testlib import HAS_CAP_SYS_RESOURCE

pytestmark = needs_root

PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def test_args_reach_execve_exactly(pyrun, bundle):
    b = bundle()
    b.process["args"] = ["sh", "-c", 'printf "%s|" "$0" "$@"; cat /proc/1/cmdline | tr "\\0" "#"',
                         "zero", "a b", "", "c"]
    assert run(pyrun, b).stdout == "zero|a b||c|sh#-c#" + b.process["args"][2] + "#zero#a b##c#"


def test_args_executable_not_found_is_a_clear_error(pyrun, bundle):
    b = bundle()
    b.process["args"] = ["no-such-program"]
    proc = failed(pyrun, b)
    assert "no-such-program" in proc.stderr


def test_env_is_exactly_the_configured_list(pyrun, runc, bundle, monkeypatch):
    """The configured list, in order, and nothing of the runtime's; HOME added from the
    container's /etc/passwd when the list has none, as runc does."""
    monkeypatch.setenv("PYRUN_HOST_ONLY", "leak")
    b = bundle()
    b.process["env"] = [PATH, "A=1", "B=x=y", "EMPTY=", "SPACES=a b  c"]
    b.process["args"] = ["cat", "/proc/self/environ"]  # no shell: it would add SHLVL and PWD
    environ = run(pyrun, b).stdout.split("\0")
    assert environ[:-1] == b.process["env"] + ["HOME=/root"] and environ[-1] == ""
    assert run(runc, b).stdout.split("\0") == environ
    b.process["user"] = {"uid": 4242, "gid": 4242}   # not in /etc/passwd: HOME=/
    environ = run(pyrun, b).stdout.split("\0")
    assert environ[:-1] == b.process["env"] + ["HOME=/"] and run(runc, b).stdout.split("\0") == environ
    b.process["env"].append("HOME=/elsewhere")        # a HOME of its own is kept
    assert run(pyrun, b).stdout.split("\0")[:-1] == b.process["env"]


def test_cwd_is_the_working_directory(pyrun, bundle):
    b = bundle()
    os.makedirs(os.path.join(b.rootfs, "srv/work"))
    b.process["cwd"] = "/srv/work"
    assert out(pyrun, b, "pwd; readlink /proc/1/cwd") == "/srv/work\n/srv/work\n"


def test_missing_cwd_is_created_as_runc_does(pyrun, runc, bundle):
    b = bundle()
    b.process["cwd"] = "/does/not/exist"
    assert out(pyrun, b, "pwd") == out(runc, b, "pwd") == "/does/not/exist\n"


def test_cwd_only_root_may_enter_works_for_another_user_as_runc(pyrun, runc, bundle):
    """runc enters process.cwd as root, before switching to process.user (an image whose
    WORKDIR only root may enter, run as a non-root USER); the user's own access is tried only
    after root was refused."""
    b = bundle()
    os.makedirs(os.path.join(b.rootfs, "priv"), mode=0o700)
    os.chmod(os.path.join(b.rootfs, "priv"), 0o700)
    b.process["cwd"] = "/priv"
    b.process["user"] = {"uid": 1000, "gid": 1000}
    assert out(pyrun, b, "pwd; id -u; ls . 2>&1 >/dev/null | grep -c denied") == \
        out(runc, b, "pwd; id -u; ls . 2>&1 >/dev/null | grep -c denied") == "/priv\n1000\n1\n"


def test_cwd_absent_from_config_is_refused(pyrun, bundle):
    b = bundle()
    del b.process["cwd"]
    assert "cwd" in failed(pyrun, b).stderr


def test_user_uid_gid_and_additional_gids(pyrun, bundle):
    b = bundle()
    b.process["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [5, 65534]}
    text = out(pyrun, b, "id; grep -E '^(Uid|Gid|Groups):' /proc/self/status")
    lines = text.splitlines()
    assert lines[0] == "uid=1000(user) gid=1000(user) groups=5(tty),65534(nogroup)"
    assert status_field(text, "Uid").split() == ["1000"] * 4
    assert status_field(text, "Gid").split() == ["1000"] * 4
    assert status_field(text, "Groups").split() == ["5", "65534"]


def test_user_without_additional_gids_has_no_supplementary_groups(pyrun, bundle):
    b = bundle()
    b.process["user"] = {"uid": 65534, "gid": 65534}
    text = out(pyrun, b, "grep -E '^(Uid|Gid|Groups):' /proc/self/status")
    assert status_field(text, "Uid").split() == ["65534"] * 4
    assert status_field(text, "Groups") == ""


def test_umask(pyrun, bundle):
    b = bundle()
    b.process["user"]["umask"] = 0o027
    assert out(pyrun, b, "umask; touch /tmp/f; mkdir /tmp/d; stat -c %a /tmp/f /tmp/d") == "0027\n640\n750\n"


def _limits(text):
    """/proc/self/limits -> {name: (soft, hard)}"""
    found = {}
    for line in text.splitlines()[1:]:
        name, soft, hard = line[:26].strip(), line[26:47].strip(), line[47:68].strip()
        found[name] = (soft, hard)
    return found


def test_rlimits_of_several_types(pyrun, bundle):
    b = bundle()
    b.process["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": 1000, "hard": 2000},
        {"type": "RLIMIT_NPROC", "soft": 300, "hard": 400},
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 4096},
        {"type": "RLIMIT_STACK", "soft": 4194304, "hard": 8388608},
        {"type": "RLIMIT_MSGQUEUE", "soft": 1000, "hard": 1000},
    ]
    limits = _limits(out(pyrun, b, "cat /proc/self/limits"))
    assert limits["Max open files"] == ("1000", "2000")
    assert limits["Max processes"] == ("300", "400")
    assert limits["Max core file size"] == ("0", "4096")
    assert limits["Max stack size"] == ("4194304", "8388608")
    assert limits["Max msgqueue size"] == ("1000", "1000")


def test_rlimit_above_the_hard_limit_is_a_clear_error(pyrun, bundle):
    with open("/proc/self/limits") as f:
        hard = int(_limits(f.read())["Max open files"][1])
    b = bundle()
    b.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": hard + 10000, "hard": hard + 10000}]
    proc = failed(pyrun, b)
    assert "RLIMIT_NOFILE" in proc.stderr


def test_oom_score_adj(pyrun, bundle):
    b = bundle()
    b.process["oomScoreAdj"] = 500  # raising needs no CAP_SYS_RESOURCE (which these hosts lack)
    assert out(pyrun, b, "cat /proc/self/oom_score_adj") == "500\n"


@pytest.mark.parametrize("nnp, expected", [(True, "1"), (False, "0")])
def test_no_new_privileges(pyrun, bundle, nnp, expected):
    b = bundle()
    b.process["noNewPrivileges"] = nnp
    assert status_field(out(pyrun, b, "cat /proc/self/status"), "NoNewPrivs") == expected


CAP = {"CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_FOWNER": 3, "CAP_KILL": 5, "CAP_SETGID": 6,
       "CAP_SETUID": 7, "CAP_NET_BIND_SERVICE": 10, "CAP_NET_RAW": 13, "CAP_SYS_CHROOT": 18,
       "CAP_AUDIT_WRITE": 29}


def _mask(names):
    return sum(1 << CAP[n] for n in names)


def _caps(text):
    return {k: int(status_field(text, k), 16) for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}


CAPS = {
    "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SYS_CHROOT", "CAP_NET_RAW"],
    "permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"],
    "effective": ["CAP_CHOWN", "CAP_KILL"],
    "inheritable": ["CAP_KILL", "CAP_NET_RAW", "CAP_SETUID"],
    "ambient": ["CAP_KILL", "CAP_NET_RAW"],
}


def test_capabilities_of_root(pyrun, runc, bundle):
    """For uid 0 execve raises permitted and effective to bounding | inheritable, and
    noNewPrivileges (on in the default config) caps that at the permitted set given."""
    b = bundle()
    b.process["capabilities"] = CAPS
    script = "cat /proc/self/status"
    caps = _caps(out(pyrun, b, script))
    assert caps["CapBnd"] == _mask(CAPS["bounding"])
    assert caps["CapInh"] == _mask(CAPS["inheritable"])
    assert caps["CapAmb"] == _mask(CAPS["ambient"])
    raised = (_mask(CAPS["bounding"]) | _mask(CAPS["inheritable"])) & _mask(CAPS["permitted"])
    assert caps["CapPrm"] == caps["CapEff"] == raised
    assert caps == _caps(out(runc, b, script))


def test_capabilities_of_a_user_keep_only_ambient(pyrun, runc, bundle):
    """For a non-root user execve keeps just the ambient set in permitted and effective."""
    b = bundle()
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.process["capabilities"] = CAPS
    script = "cat /proc/self/status"
    caps = _caps(out(pyrun, b, script))
    assert caps["CapBnd"] == _mask(CAPS["bounding"])
    assert caps["CapInh"] == _mask(CAPS["inheritable"])
    assert caps["CapAmb"] == caps["CapPrm"] == caps["CapEff"] == _mask(CAPS["ambient"])
    assert caps == _caps(out(runc, b, script))


def test_no_capabilities_object_means_no_capabilities(pyrun, runc, bundle):
    """Without process.capabilities every set is empty, as with runc."""
    b = bundle()
    del b.process["capabilities"]
    caps = _caps(out(pyrun, b, "cat /proc/self/status"))
    assert caps == dict.fromkeys(caps, 0)
    assert caps == _caps(out(runc, b, "cat /proc/self/status"))


def test_umask_defaults_to_0022_whatever_the_runtime_got(pyrun, bundle):
    """runc sets 0022 before the process (finalizeRootfs); the engine's umask must not leak in,
    nor shape the mount targets the runtime creates."""
    b = bundle()
    b.add_mount("/made/by/runtime", "tmpfs", "tmpfs", ["size=1m"])
    b.script("umask; stat -c %a /made")
    proc = run(pyrun, b, preexec_fn=lambda: os.umask(0o077))
    assert proc.stdout == "0022\n755\n"


def test_negative_oom_score_adj_without_cap_sys_resource_is_a_clear_error(pyrun, bundle):
    if HAS_CAP_SYS_RESOURCE:
        pytest.skip("this host has CAP_SYS_RESOURCE: lowering oom_score_adj is allowed")
    b = bundle()
    b.process["oomScoreAdj"] = -900
    assert "oom_score_adj" in failed(pyrun, b).stderr


def test_empty_hostname_leaves_the_inherited_one(pyrun, runc, bundle):
    b = bundle()
    b.config["hostname"] = ""
    assert out(pyrun, b, "hostname") == out(runc, b, "hostname")
