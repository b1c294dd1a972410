"""The whole lock-down in the order docs/security.md gives the init, for both noNewPrivileges
values, checked after execve as uid 1000: capabilities, no_new_privs, seccomp all in force."""

import errno
import os

import pytest

from runtime import capabilities, linux, lsm, seccomp
from runtime.process import sched
from seclib import cap_masks, parse_status, run_child

CONFIG = {
    "process": {
        "user": {"uid": 1000, "gid": 1000},
        "capabilities": {"bounding": ["CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_KILL"],
                         "effective": ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"],
                         "permitted": ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"],
                         "inheritable": ["CAP_NET_BIND_SERVICE"],
                         "ambient": ["CAP_NET_BIND_SERVICE"]},
        "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 5},
        "scheduler": {"policy": "SCHED_BATCH", "nice": 2},
    },
    "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW",
                          "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
                          "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
                                        "errnoRet": errno.EROFS}]},
              "personality": {"domain": "LINUX"}},
}


@pytest.mark.parametrize("no_new_privs", [True, False])
def test_init_sequence(root, tmp_path, no_new_privs):
    out = str(tmp_path)
    os.chmod(out, 0o777)
    process, linux_cfg = CONFIG["process"], CONFIG["linux"]

    def init():
        lsm.check(CONFIG)
        sched.check(CONFIG)
        caps = capabilities.parse(process["capabilities"])
        filt = seccomp.prepare(linux_cfg["seccomp"], cache_dir=os.path.join(out, "cache"))
        sched.apply_personality(linux_cfg["personality"])
        sched.apply_io_priority(process["ioPriority"])
        sched.apply_scheduler(process["scheduler"])
        if not no_new_privs:
            seccomp.load(filt)
        capabilities.drop_bounding(caps)
        capabilities.keep_across_setuid()
        os.setgroups([])
        os.setresgid(1000, 1000, 1000)
        os.setresuid(1000, 1000, 1000)
        capabilities.apply(caps)
        if no_new_privs:
            linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
            seccomp.load(filt)
        os.execv("/bin/busybox", ["sh", "-c", f"cat /proc/self/status; mkdir {out}/made; echo mkdir=$?"])

    child = run_child(init)
    assert child.exit_code == 0, child.output
    status = parse_status(child.output)
    assert status["Uid"].split() == ["1000"] * 4
    assert status["NoNewPrivs"] == ("1" if no_new_privs else "0")
    assert status["Seccomp"] == "2"
    nbs = 1 << capabilities.CAP_NUMBERS["CAP_NET_BIND_SERVICE"]
    assert cap_masks(status) == {"bounding": capabilities.parse(process["capabilities"]).bounding,
                                 "effective": nbs, "permitted": nbs, "inheritable": nbs, "ambient": nbs}
    assert "Read-only file system" in child.output and "mkdir=1" in child.output
    assert not os.path.exists(os.path.join(out, "made"))
