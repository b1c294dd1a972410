"""config.json fields that could reach the host (in Kubernetes many come from users: sysctls,
resources, cgroup paths): each test writes such a config and looks at the host. runc (Debian's
1.1.5) is the reference where it is safe to run it. Each test fails if the defence it names
regresses.

Needs a cgroup v1 / hybrid host for the cgroupsPath tests (the victim cgroup is made in the v1
pids hierarchy); every cgroup and process a test makes is removed at the end.
"""

import os
import subprocess
import time
import uuid

import pytest

from testlib import leftovers, needs_root

pytestmark = needs_root

CGROUP = "/sys/fs/cgroup"
PIDS = f"{CGROUP}/pids"
HAS_V1_PIDS = os.path.isdir(PIDS) and not os.path.exists(f"{CGROUP}/cgroup.controllers")
needs_v1_pids = pytest.mark.skipif(not HAS_V1_PIDS, reason="needs the cgroup v1 pids hierarchy")


def _read(path):
    with open(path) as f:
        return f.read()


def _hierarchies():
    return [os.path.join(CGROUP, n) for n in sorted(os.listdir(CGROUP))
            if os.path.isdir(os.path.join(CGROUP, n)) and not os.path.islink(os.path.join(CGROUP, n))]


class HostService:
    """A host cgroup /NAME in every hierarchy (as /system.slice is) with a 'host service' (sleep)
    in it, or in /NAME/svc when nested: what linux.cgroupsPath "/NAME" points a container at."""

    def __init__(self):
        self.name = "pyrun-hostsvc-" + uuid.uuid4().hex[:8]
        self.proc = None
        self.where = []

    def start(self, nested):
        self.proc = subprocess.Popen(["sleep", "1000"], start_new_session=True,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        for hierarchy in _hierarchies():
            where = os.path.join(hierarchy, self.name)
            # nested: the service in a child cgroup, except in the v1 devices hierarchy (which
            # refuses a container's deny-all in a cgroup that has children)
            deeper = nested and os.path.basename(hierarchy) != "devices"
            for level in ([where, os.path.join(where, "svc")] if deeper else [where]):
                os.mkdir(level)
                for name in ("cpuset.cpus", "cpuset.mems"):   # a v1 cpuset takes no task without them
                    if os.path.exists(os.path.join(level, name)):
                        with open(os.path.join(level, name), "w") as f:
                            f.write(_read(os.path.join(os.path.dirname(level), name)).strip())
                where = level
            with open(os.path.join(where, "cgroup.procs"), "w") as f:
                f.write(str(self.proc.pid))
            self.where.append(where)

    def problems(self):
        time.sleep(0.2)
        found = []
        if self.proc.poll() is not None:
            found.append(f"host process {self.proc.pid} died: returncode {self.proc.returncode}")
        found += [f"host cgroup {w} was removed" for w in self.where if not os.path.isdir(w)]
        return found

    def cleanup(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
        for hierarchy in _hierarchies():
            top = os.path.join(hierarchy, self.name)
            if not os.path.isdir(top):
                continue
            for dirpath, _, _ in sorted(os.walk(top), key=lambda w: -w[0].count("/")):
                for _ in range(50):
                    try:
                        os.rmdir(dirpath)
                        break
                    except FileNotFoundError:
                        break
                    except OSError:
                        time.sleep(0.05)

    @property
    def cgroups_path(self):
        return "/" + self.name


@pytest.fixture
def hostsvc():
    made = []

    def make(nested=False):
        svc = HostService()
        made.append(svc)
        svc.start(nested)
        return svc

    yield make
    for svc in made:
        svc.cleanup()


def _in_host_cgroup(bundle, svc, hook_fails=False):
    bundle.config["linux"]["cgroupsPath"] = svc.cgroups_path
    bundle.config["linux"]["resources"]["pids"] = {"limit": 50}
    if hook_fails:
        bundle.config["hooks"] = {"createRuntime": [{"path": "/bin/false"}]}
    return bundle.save()


# ---------------------------------------------------------------------------------------------
# 1. linux.cgroupsPath pointing at an existing host cgroup


@needs_v1_pids
@pytest.mark.parametrize("nested", [False, True], ids=["flat", "nested"])
@pytest.mark.parametrize("how", ["run", "create+delete-force", "failed-create"])
def test_cgroups_path_at_host_cgroup_is_refused_and_left_alone(pyrun, make_bundle, hostsvc, how, nested):
    """linux.cgroupsPath "/<existing host cgroup>" (e.g. "/system.slice") holding host processes
    (or holding them below it): the container would share it, limit those processes and, when it
    goes (run's end, delete, a failed create), kill them and remove the cgroups. Refused before
    anything is written there, as runc 1.2 does ("container's cgroup is not empty"); runc 1.1.5
    warns and runs (test_runc_leaves_host_cgroup_processes_alone)."""
    errors = _attack_host_cgroup(pyrun, make_bundle, hostsvc, how, nested)
    assert any("container's cgroup is not empty" in e for e in errors), errors


@needs_v1_pids
@pytest.mark.parametrize("nested", [False, True], ids=["flat", "nested"])
@pytest.mark.parametrize("how", ["run", "create+delete-force", "failed-create"])
def test_runc_leaves_host_cgroup_processes_alone(runc, make_bundle, hostsvc, how, nested):
    """The reference for the test above: runc runs in the host cgroup ("container's cgroup is
    not empty" warning), then cannot remove it (busy), warns, and kills nothing."""
    _attack_host_cgroup(runc, make_bundle, hostsvc, how, nested)


def _attack_host_cgroup(rt, make_bundle, hostsvc, how, nested):
    """Run the attack; the host service must be untouched. Returns the commands' stderr."""
    svc = hostsvc(nested)
    bundle = _in_host_cgroup(make_bundle(args=("true",)), svc, hook_fails=(how == "failed-create"))
    cid = rt.new_id()
    # the exit codes are not the point (runc's run and delete fail to remove the busy cgroup)
    if how == "create+delete-force":
        results = [rt("create", "-b", bundle.path, cid, check=False), rt("delete", "--force", cid, check=False)]
    else:
        results = [rt("run", "-b", bundle.path, cid, check=False)]
        if how == "failed-create":
            assert results[0].returncode != 0
    assert svc.problems() == []
    if rt.binary.endswith("pyrun"):
        assert leftovers(rt, cid, bundle) == []
    return [r.stderr for r in results]


@pytest.mark.parametrize("path", ["/", "/..", "/../..", "..", "a/../../.."])
def test_cgroups_path_naming_the_root_is_refused(pyrun, make_bundle, path):
    b = make_bundle()
    b.config["linux"]["cgroupsPath"] = path
    b.save()
    r = pyrun("run", "-b", b.path, pyrun.new_id(), check=False)
    assert r.returncode != 0 and "names the root cgroup" in r.stderr


def test_cgroups_path_cannot_climb_out_lexically():
    from runtime.cgroups import common, v1
    assert common.inner_path("/../../escape", "c") == "/escape"
    assert common.inner_path("../../escape", "c") == "escape"   # relative: clamped under our own cgroup
    paths = v1.resolve_paths("../../../escape", "c", mounts={"pids": PIDS}, own={"pids": "/a/b"})
    assert paths == {"pids": f"{PIDS}/a/b/escape"}


# ---------------------------------------------------------------------------------------------
# 2. linux.resources: unified keys, hugepage sizes, rdma names


@pytest.mark.parametrize("key", ["../memory.max", "memory.max/../../cgroup.procs", "..memory", "cgroup.procs",
                                 "cgroup.threads", "cgroup.subtree_control", "cgroup.kill", "cgroup.freeze",
                                 "cgroup.type", "", "memory"])
def test_unified_keys_that_leave_the_container_cgroup_are_refused(key):
    from runtime.cgroups import common
    from runtime.errors import ConfigError
    with pytest.raises(ConfigError):
        common.check_unified_key(key)


def test_unified_on_a_v1_host_is_refused(pyrun, make_bundle):
    if os.path.exists(f"{CGROUP}/cgroup.controllers"):
        pytest.skip("pure cgroup v2 host")
    b = make_bundle()
    b.config["linux"]["resources"]["unified"] = {"pids.max": "10"}
    b.save()
    r = pyrun("run", "-b", b.path, pyrun.new_id(), check=False)
    assert r.returncode != 0 and "linux.resources.unified" in r.stderr


@pytest.mark.parametrize("size", ["../2MB", "2MB/..", "2MB.limit_in_bytes/../../memory.limit_in_bytes#", "",
                                  "\u00b2MB"])
def test_hugepage_size_with_path_tricks_is_refused(size):
    from runtime.cgroups import common
    from runtime.errors import ConfigError
    with pytest.raises(ConfigError):
        common.hugepage_bytes(size)


# ---------------------------------------------------------------------------------------------
# 3. linux.sysctl


def _host_values(*keys):
    paths = {k: "/proc/sys/" + k.replace(".", "/") for k in keys}
    return {k: _read(p) if os.path.exists(p) else None for k, p in paths.items()}


@pytest.mark.parametrize("sysctl,drop_ns", [
    ({"kernel.core_pattern": "|/tmp/pwn"}, None),
    ({"kernel.modprobe": "/tmp/pwn"}, None),
    ({"vm.overcommit_memory": "1"}, None),
    ({"net/../kernel/core_pattern": "|/tmp/pwn"}, None),
    ({"fs.mqueue/../../kernel/core_pattern": "|/tmp/pwn"}, None),
    ({"net.ipv4.ip_forward": "1"}, "network"),
    ({"kernel.shmmax": "1000"}, "ipc"),
    ({"fs.mqueue.msg_max": "11"}, "ipc"),
])
def test_sysctls_outside_the_containers_namespaces_are_refused(pyrun, make_bundle, sysctl, drop_ns):
    watched = ("kernel.core_pattern", "kernel.modprobe", "vm.overcommit_memory", "net.ipv4.ip_forward",
               "kernel.shmmax", "fs.mqueue.msg_max")
    before = _host_values(*watched)
    b = make_bundle()
    b.config["linux"]["sysctl"] = sysctl
    if drop_ns:
        b.config["linux"]["namespaces"] = [n for n in b.config["linux"]["namespaces"] if n["type"] != drop_ns]
    b.save()
    r = pyrun("run", "-b", b.path, pyrun.new_id(), check=False)
    assert r.returncode != 0
    assert _host_values(*watched) == before


@pytest.mark.parametrize("ns,key,value", [("network", "net.ipv4.ip_forward", "1"),
                                          ("ipc", "kernel.shmmax", "1000")])
def test_sysctl_in_host_namespace_joined_by_path_is_refused(pyrun, make_bundle, ns, key, value):
    # (runc 1.1.5 writes kernel.shmmax into the host's IPC namespace joined this way: pyrun is stricter.)
    before = _host_values(key)
    b = make_bundle()
    b.config["linux"]["sysctl"] = {key: value}
    for n in b.config["linux"]["namespaces"]:
        if n["type"] == ns:
            n["path"] = f"/proc/{os.getpid()}/ns/{'net' if ns == 'network' else ns}"
    b.save()
    r = pyrun("run", "-b", b.path, pyrun.new_id(), check=False)
    assert r.returncode != 0 and "host" in r.stderr
    assert _host_values(key) == before


def test_sysctl_traversal_in_a_namespaced_prefix_stays_under_proc_sys_net(pyrun, make_bundle):
    """Every '.' becomes '/', so '..' cannot survive: the key names a missing file under net/."""
    before = _host_values("kernel.core_pattern")
    b = make_bundle()
    b.config["linux"]["sysctl"] = {"net.ipv4/../../kernel/core_pattern": "|/tmp/pwn"}
    b.save()
    r = pyrun("run", "-b", b.path, pyrun.new_id(), check=False)
    assert r.returncode != 0
    assert _host_values("kernel.core_pattern") == before


# ---------------------------------------------------------------------------------------------
# 4. container ids


@pytest.mark.parametrize("cid", ["../escape", "a/b", "..", ".", "x" * 300, "a\nb", "é"])
def test_bad_container_ids_are_refused_and_make_nothing(pyrun, make_bundle, tmp_path, cid):
    b = make_bundle()
    r = pyrun("create", "-b", b.path, cid, check=False)
    assert r.returncode != 0
    assert not os.path.exists(tmp_path / "escape")
    assert not os.path.exists(os.path.join(pyrun.root, "a"))


def test_state_directory_is_private(pyrun, make_bundle):
    b = make_bundle(args=("sleep", "30"))
    cid = pyrun.new_id()
    pyrun("create", "-b", b.path, cid)
    assert os.stat(pyrun.root).st_mode & 0o077 == 0
    assert os.stat(os.path.join(pyrun.root, cid)).st_mode & 0o777 == 0o711
    assert os.stat(os.path.join(pyrun.root, cid, "state")).st_mode & 0o077 == 0


# ---------------------------------------------------------------------------------------------
# 5. hooks


def test_relative_hook_path_is_refused(pyrun, make_bundle):
    b = make_bundle()
    b.config["hooks"] = {"createRuntime": [{"path": "bin/true"}]}
    b.save()
    r = pyrun("run", "-b", b.path, pyrun.new_id(), check=False)
    assert r.returncode != 0 and "absolute" in r.stderr


def test_hook_timeout_below_one_is_refused(pyrun, make_bundle):
    b = make_bundle()
    b.config["hooks"] = {"createRuntime": [{"path": "/bin/true", "timeout": -1}]}
    b.save()
    r = pyrun("run", "-b", b.path, pyrun.new_id(), check=False)
    assert r.returncode != 0 and "timeout" in r.stderr


def test_huge_hook_timeout_is_no_limit(pyrun, make_bundle):
    """A timeout of 2**62 s would overflow poll()'s milliseconds (a traceback once): it is as good
    as none, and the hook runs."""
    b = make_bundle()
    b.config["hooks"] = {"createRuntime": [{"path": "/bin/true", "timeout": 2 ** 62}]}
    b.save()
    cid = pyrun.new_id()
    r = pyrun("run", "-b", b.path, cid, check=False)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    from testlib import leftovers
    assert leftovers(pyrun, cid, b) == []


# ---------------------------------------------------------------------------------------------
# 6. linux.devices without a matching allow rule


@pytest.mark.parametrize("allowed", [False, True])
def test_device_node_needs_an_allow_rule(pyrun, make_bundle, allowed):
    """/dev/loop-control (c 10:237) is outside runc's default allow list: the node is made,
    opening it is denied by the device cgroup unless linux.resources.devices allows it."""
    b = make_bundle(args=("sh", "-c", "exec 3</dev/hostdev && echo OPENED"))
    b.config["linux"]["devices"] = [{"path": "/dev/hostdev", "type": "c", "major": 10, "minor": 237,
                                     "fileMode": 0o600}]
    if allowed:
        b.config["linux"]["resources"]["devices"].append(
            {"allow": True, "type": "c", "major": 10, "minor": 237, "access": "r"})
    b.save()
    r = pyrun("run", "-b", b.path, pyrun.new_id(), check=False)
    assert ("OPENED" in r.stdout) == allowed, r.stdout + r.stderr
