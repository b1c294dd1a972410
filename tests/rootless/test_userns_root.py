"""As root: a container in a user namespace mapping a range (containerID 0 -> hostID 100000, size
65536) on a rootfs chowned into that range; `--rootless true` skipping the cgroup; an idmapped
bind that shows an ordinary user's files as root's; a hard rlimit above the runtime's own, which
only the runtime can set (from outside)."""

import json
import os
import resource
import subprocess

import pytest

from testlib import HAS_CAP_SYS_RESOURCE, needs_root, process_creating_syscalls
from rootlesslib import BASE, SIZE
from spec.defaults import default_config

pytestmark = needs_root


def bundle_in(place, rootfs_template, args, owner=None, userns=True):
    path = os.path.join(place, "bundle")
    os.mkdir(path)
    rootfs = os.path.join(path, "rootfs")
    subprocess.run(["cp", "-a", rootfs_template, rootfs], check=True)
    if owner is not None:
        subprocess.run(["chown", "-R", f"{owner}:{owner}", rootfs], check=True)
    config = default_config()
    config["process"]["terminal"] = False
    config["process"]["args"] = list(args)
    config["root"]["readonly"] = False
    if userns:
        config["linux"]["namespaces"].append({"type": "user"})
        config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": BASE, "size": SIZE}]
        config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": BASE, "size": SIZE}]
    return path, config


def save(path, config):
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f)


def host_uid(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("Uid:"))


def test_range_mapping_ownership_mounts_and_exec(rt, place, rootfs_template):
    path, config = bundle_in(place, rootfs_template, ["sleep", "60"], owner=BASE)
    save(path, config)
    rootfs = os.path.join(path, "rootfs")
    # Host files: one owned by host root (unmapped inside), one by host uid BASE+5 (5 inside).
    with open(os.path.join(rootfs, "root-owned"), "w"):
        pass
    with open(os.path.join(rootfs, "five"), "w"):
        pass
    os.chown(os.path.join(rootfs, "five"), BASE + 5, BASE + 5)
    cid = rt.new_id()
    rt("run", "-d", "-b", path, cid)
    pid = rt.state(cid)["pid"]
    assert host_uid(pid) == BASE

    out = rt("exec", cid, "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; touch /tmp/made; "
                                      "stat -c %u:%g /tmp/made /root-owned /five /dev /dev/shm").stdout.split()
    assert out[:6] == ["0", str(BASE), str(SIZE)] * 2
    assert out[6:] == ["0", "0:0", "65534:65534", "5:5", "0:0", "0:0"]
    st = os.stat(os.path.join(rootfs, "tmp", "made"))
    assert (st.st_uid, st.st_gid) == (BASE, BASE)
    for made in ("dev", "dev/shm", "dev/mqueue", "dev/pts"):   # made by the runtime, inside the userns
        assert os.stat(f"/proc/{pid}/root/{made}").st_uid == BASE, made

    # sysfs is a real sysfs (the container's user namespace owns its network namespace) and the
    # cgroup mount is built as runc builds it (v1/hybrid: a tmpfs of binds; v2: cgroup2).
    info = rt("exec", cid, "cat", "/proc/self/mountinfo").stdout.splitlines()
    fs = {line.split()[4]: line.split(" - ")[1].split()[0] for line in info}
    assert fs["/sys"] == "sysfs"
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        assert fs["/sys/fs/cgroup"] == "cgroup2"
    else:
        assert fs["/sys/fs/cgroup"] == "tmpfs"
        assert fs["/sys/fs/cgroup/memory"] == "cgroup"
        assert rt("exec", cid, "ls", "/sys/fs/cgroup/memory/").stdout.split().count("cgroup.procs") == 1

    # exec joins the user namespace: the new process is BASE on the host, 0 inside.
    pid_file = os.path.join(place, "exec.pid")
    rt("exec", "-d", "--pid-file", pid_file, cid, "sleep", "30")
    with open(pid_file) as f:
        exec_pid = int(f.read())
    assert host_uid(exec_pid) == BASE
    assert os.readlink(f"/proc/{exec_pid}/ns/user") == os.readlink(f"/proc/{pid}/ns/user")
    assert os.readlink(f"/proc/{exec_pid}/ns/user") != os.readlink("/proc/self/ns/user")


def test_rootless_true_as_root_skips_the_cgroup_with_a_warning(rt, place, rootfs_template):
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        pytest.skip("a pure cgroup v2 host: root's cgroup is writable, so it is used")
    path, config = bundle_in(place, rootfs_template, ["cat", "/proc/self/cgroup"], userns=False)
    config["linux"]["namespaces"] = [ns for ns in config["linux"]["namespaces"] if ns["type"] != "cgroup"]
    save(path, config)
    log = os.path.join(place, "log")
    proc = rt("--rootless", "true", "--log", log, "run", "-b", path, rt.new_id())
    with open("/proc/self/cgroup") as f:
        assert proc.stdout.splitlines() == f.read().splitlines()   # pyrun's own (our) cgroups
    with open(log) as f:
        assert "level=warning" in f.read()
    proc = rt("--rootless", "false", "run", "-b", path, rt.new_id())
    with open("/proc/self/cgroup") as f:
        assert proc.stdout.splitlines() != f.read().splitlines()   # a cgroup of its own


def test_idmapped_bind_shows_an_ordinary_users_files_as_root(rt, place, rootfs_template):
    """The rootless-storage case idmapped mounts exist for: files a user (uid 4321) owns on
    the host appear owned by root in the container, and are untouched on disk."""
    path, config = bundle_in(place, rootfs_template, ["stat", "-c", "%u:%g", "/data/file"], userns=False)
    src = os.path.join(place, "data")
    os.mkdir(src)
    with open(os.path.join(src, "file"), "w"):
        pass
    os.chown(os.path.join(src, "file"), 4321, 4321)
    config["mounts"].append({"destination": "/data", "type": "bind", "source": src, "options": ["rbind", "idmap"],
                             "uidMappings": [{"containerID": 4321, "hostID": 0, "size": 1}],
                             "gidMappings": [{"containerID": 4321, "hostID": 0, "size": 1}]})
    save(path, config)
    proc = rt("run", "-b", path, rt.new_id(), check=False)
    if proc.returncode != 0 and "not supported" in proc.stderr.lower():
        pytest.skip(f"this kernel/file system refuses idmapped mounts: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["0:0"]
    assert os.stat(os.path.join(src, "file")).st_uid == 4321


def test_the_init_is_cloned_with_its_user_namespace(rt, place, rootfs_template):
    """With a new user namespace and nothing to join, the runtime clones the init straight into it
    and the other new namespaces (the runtime writes the id maps while it waits), except IPC:
    an IPC namespace's mqueue belongs to whoever creates it, so the init makes it once it is the
    namespace's root (test_range_mapping_ownership_mounts_and_exec checks /dev/mqueue's owner)."""
    from runtime.linux import CLONE_NEWIPC, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUSER
    path, config = bundle_in(place, rootfs_template, ["sleep", "60"], owner=BASE)
    save(path, config)
    cid = rt.new_id()
    made = process_creating_syscalls(rt.cmd("create", "-b", path, cid))
    assert [name for name, _, _ in made] == ["clone3"], made
    flags = made[0][1]
    assert flags & (CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS) == CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS
    assert not flags & CLONE_NEWIPC
    pid = rt.state(cid)["pid"]
    with open(f"/proc/{pid}/uid_map") as f:
        assert f.read().split() == ["0", str(BASE), str(SIZE)]
    assert os.readlink(f"/proc/{pid}/ns/ipc") != os.readlink("/proc/self/ns/ipc")
    # The v1 hierarchies were joined before the init became the namespace's root (v1 takes a task
    # from the host's root only); the cgroup2 one at birth.
    with open(f"/proc/{pid}/cgroup") as f:
        assert all(line.rstrip("\n").endswith("/" + cid) for line in f)


def _nofile(limits_text):
    line = next(line for line in limits_text.splitlines() if line.startswith("Max open files"))
    return tuple(int(v) for v in line.split()[3:5])


def needs_cap_sys_resource(test):
    """Marked vm: the test VM, whose root has CAP_SYS_RESOURCE, runs it; it skips here."""
    skip = pytest.mark.skipif(not HAS_CAP_SYS_RESOURCE,
                              reason="root lacks CAP_SYS_RESOURCE on this host; the test VM's root has it "
                                     "(tests/test_cgroupv2_vm.py runs this there)")
    return pytest.mark.vm(skip(test))


@needs_cap_sys_resource
def test_a_hard_rlimit_above_the_runtimes_is_set_from_outside(rt, place, rootfs_template):
    """A process in a user namespace cannot raise its own hard limit: the kernel wants
    CAP_SYS_RESOURCE in the initial user namespace. The runtime, which has it, sets process.rlimits
    from outside (runc does too): the init gets a hard NOFILE above the runtime's own, and so does
    a process exec adds; from inside, raising it further is refused."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    want = hard + 1000
    path, config = bundle_in(place, rootfs_template, ["sleep", "60"], owner=BASE)
    config["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": want, "hard": want}]
    save(path, config)
    cid = rt.new_id()
    rt("run", "-d", "-b", path, cid)
    with open(f"/proc/{rt.state(cid)['pid']}/limits") as f:
        assert _nofile(f.read()) == (want, want)
    assert _nofile(rt("exec", cid, "cat", "/proc/self/limits").stdout) == (want, want)
    raise_it = rt("exec", cid, "sh", "-c", f"ulimit -H -n {want + 1} && echo raised", check=False)
    assert "raised" not in raise_it.stdout


@needs_cap_sys_resource
def test_a_negative_oom_score_adj_is_set_from_outside(rt, place, rootfs_template):
    """Lowering oom_score_adj needs CAP_SYS_RESOURCE in the initial user namespace, which the
    container's root never has: the runtime writes it from outside, as runc does (before the user
    namespace). For the init and for a process exec adds."""
    path, config = bundle_in(place, rootfs_template, ["sleep", "60"], owner=BASE)
    config["process"]["oomScoreAdj"] = -500
    save(path, config)
    cid = rt.new_id()
    rt("run", "-d", "-b", path, cid)
    with open(f"/proc/{rt.state(cid)['pid']}/oom_score_adj") as f:
        assert f.read().strip() == "-500"
    assert rt("exec", cid, "cat", "/proc/self/oom_score_adj").stdout.strip() == "-500"
