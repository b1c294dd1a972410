"""The configs docs/engines.md shows, run as shown: the containerd config.toml runtime entry
(BinaryName, through the CRI plugin, selected as a runtime handler the way kubelet does for a
RuntimeClass) and the podman containers.conf. The blocks are read from the doc itself, so the doc
cannot drift from what was tested. Docker's and Kubernetes' configs cannot run here; their test
only checks they agree with the tested ones.
"""

import json
import os
import re
import uuid

import pytest

from enginelib import (DOCS_BINARY, DOCS_ROOT, CRI_CONFIG, IMAGE, Containerd, PodmanStore, build_oci_archive,
                       docs_block, need, remove_cgroup_trees, run, wait_for)

pytestmark = [pytest.mark.engines, pytest.mark.timeout(180)]

PAUSE_IMAGE = "localhost/pause:latest"


@pytest.fixture(scope="module")
def pause_archive(engine_dir):
    """The pod sandbox image: busybox whose command sleeps until the sandbox is stopped (SIGKILL)."""
    need("umoci", "skopeo")
    return build_oci_archive(os.path.join(engine_dir, "pause-image"), image=PAUSE_IMAGE,
                             cmd=("sleep", "2147483647"))


@pytest.fixture
def cri_containerd(runtime, engine_dir, oci_archive, pause_archive, ctr):
    """A private containerd with the CRI plugin and the doc's runtime entry, pointed at the runtime under test.

    (ctr: the runtime must first pass the plain containerd probe.)"""
    need("containerd", "ctr", "containerd-shim-runc-v2")
    pytest.importorskip("grpc", reason="grpcio is not installed (pip install -r requirements.txt)")
    dir = os.path.join(engine_dir, f"cri-{runtime.name}-{uuid.uuid4().hex[:4]}")
    for sub in ("cni/bin", "cni/net.d", "logs"):
        os.makedirs(os.path.join(dir, sub))
    runtime_root = os.path.join(dir, "runtime-root")
    entry = docs_block("containerd-runtime-entry")
    assert DOCS_BINARY in entry and DOCS_ROOT in entry
    entry = entry.replace(DOCS_BINARY, runtime.binary).replace(DOCS_ROOT, runtime_root)
    daemon = Containerd(os.path.join(dir, "ctd"), cri=True,
                        extra_config=CRI_CONFIG.format(pause=PAUSE_IMAGE, dir=dir) + entry)
    daemon.runtime_root = runtime_root
    daemon.log_dir = os.path.join(dir, "logs")
    daemon.cgroup_parent = f"/pyrun-eng-cri-{uuid.uuid4().hex[:8]}"
    try:
        daemon.start()
        assert "failed to load plugin io.containerd.grpc.v1.cri" not in daemon.log_tail(200), daemon.log_tail(20)
        for archive in (oci_archive, pause_archive):
            daemon.ctr("image", "import", archive, timeout=60, check=True)
        yield daemon
    finally:
        daemon.stop()
        remove_cgroup_trees(daemon.cgroup_parent)


def cgroup_v1(pid, controller, name):
    """An integer cgroup v1 file of pid's cgroup, read on the host."""
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if controller in controllers.split(","):
                with open(f"/sys/fs/cgroup/{controller}{path}/{name}") as g:
                    return int(g.read())
    raise AssertionError(f"{pid} has no {controller} cgroup")


def test_containerd_runtime_entry(cri_containerd, runtime, same_as_runc):
    """config.toml's runtime entry (runtime_type io.containerd.runc.v2, BinaryName, Root), selected by
    the runtime handler "pyrun" as kubelet does for a RuntimeClass: pod sandbox, container, ExecSync,
    UpdateContainerResources, StopContainer, RemoveContainer, and the pod's removal."""
    import grpc

    from cri_client import RuntimeService
    cri = RuntimeService(cri_containerd.sock)
    try:
        sandbox = cri.sandbox_config("pod", uuid.uuid4().hex, cri_containerd.log_dir, cri_containerd.cgroup_parent)
        try:
            pod = cri.run_pod_sandbox(sandbox, "pyrun")
        except grpc.RpcError as e:
            raise AssertionError(f"RunPodSandbox: {e.details()}\n{cri_containerd.log_about('RunPodSandbox')}") from None
        try:
            cid = cri.create_container(pod, sandbox, "hello", IMAGE, ["sh", "-c", "echo hello from $FOO; exec sleep 1000"],
                                       "hello.log", envs=[("FOO", runtime.name)])
            cri.start_container(cid)
        except grpc.RpcError as e:
            raise AssertionError(f"{e.details()}\n{cri_containerd.log_tail(10)}") from None
        status = cri.container_status(cid)
        assert status["state"] == "RUNNING", status

        # The state lives under the entry's Root and is read by the entry's BinaryName.
        root = os.path.join(cri_containerd.runtime_root, "k8s.io")
        assert {pod, cid} <= set(os.listdir(root))
        state = json.loads(run([runtime.binary, "--root", root, "state", cid], check=True).stdout)
        assert state["status"] == "running" and state["pid"] > 0, state

        stdout, stderr, rc = cri.exec_sync(cid, ["sh", "-c", "echo $$; tr '\\0' ' ' </proc/1/cmdline; exit 3"])
        # The container joined the sandbox's pid namespace: pid 1 is the pause process, the shell is not.
        lines = stdout.splitlines()
        assert rc == 3 and int(lines[0]) > 1 and lines[1:] == ["sleep 2147483647 "], (stdout, stderr, rc)
        same_as_runc("exec", (stdout.split("\n", 1)[1], rc))
        wait_for(lambda: os.path.exists(status["log_path"]) and "hello from" in open(status["log_path"]).read(),
                 what="the container's log")
        assert open(status["log_path"]).read().split(" ", 1)[1] == f"stdout F hello from {runtime.name}\n"

        # A second container with a pod securityContext as kubelet sends it.
        secure = cri.create_container(
            pod, sandbox, "secure", IMAGE, ["sleep", "1000"], "secure.log",
            linux=cri.security_context(run_as_user=1000, readonly_rootfs=True, seccomp_runtime_default=True,
                                       no_new_privs=True, add_caps=["NET_BIND_SERVICE"], drop_caps=["ALL"]))
        cri.start_container(secure)
        stdout, stderr, rc = cri.exec_sync(secure, ["sh", "-c", "id -u; touch /x 2>/dev/null || echo root-ro; "
                                                    "grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/$$/status"])
        assert (stdout, rc) == ("1000\nroot-ro\nCapEff:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t2\n", 0), \
            (stdout, stderr, rc)
        same_as_runc("secure", stdout)
        cri.stop_container(secure, timeout=0)
        cri.remove_container(secure)

        # UpdateContainerResources reaches the runtime as `update --resources - ID` (JSON on stdin).
        pid = state["pid"]
        cri.update_container_resources(cid, cpu_period=100000, cpu_quota=30000, memory_limit=40 << 20)
        limits = (cgroup_v1(pid, "memory", "memory.limit_in_bytes"), cgroup_v1(pid, "cpu", "cpu.cfs_quota_us"))
        assert limits == (40 << 20, 30000)
        same_as_runc("limits", limits)

        # StopContainer: TERM first (the shell's trap answers it), then the container is removed.
        cri.stop_container(cid, timeout=10)
        status = cri.container_status(cid)
        assert (status["state"], status["exit_code"]) == ("EXITED", 143), status
        cri.remove_container(cid)
        assert cid not in os.listdir(root) and secure not in os.listdir(root), "the runtime kept a removed container's state"

        cri.stop_pod_sandbox(pod)
        cri.remove_pod_sandbox(pod)
        assert pod not in os.listdir(root), "the runtime left the sandbox's state behind"
    finally:
        cri.close()


def test_podman_containers_conf(runtime, engine_dir, oci_archive, same_as_runc, podman):
    """containers.conf as the doc shows it (runtime = "pyrun", runtime_supports_json, [engine.runtimes])."""
    need("podman", "conmon")
    engine = docs_block("podman-containers-conf")
    assert DOCS_BINARY in engine
    conf = docs_block("podman-host-limits") + "\n" + engine.replace(DOCS_BINARY, runtime.binary)
    store = PodmanStore(os.path.join(engine_dir, f"podman-docs-{runtime.name}"), conf_text=conf)
    try:
        store("load", "-q", "-i", oci_archive, timeout=60, check=True)
        opts = ["--network", "none", "--cgroup-parent", store.cgroup_parent]
        proc = store("run", "--rm", *opts, IMAGE, "sh", "-c", "echo hello; exit 4")
        assert (proc.returncode, proc.stdout) == (4, "hello\n"), proc.stderr

        info = json.loads(store("info", "--format", "{{json .Host.OCIRuntime}}", check=True).stdout)
        assert (info["name"], info["path"]) == ("pyrun", runtime.binary)

        proc = store("run", "--rm", *opts, IMAGE, "/no/such/cmd")
        assert proc.returncode == 127, proc.stderr
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith("Error: pyrun: ") and "/no/such/cmd" in last, proc.stderr
        same_as_runc("rc", proc.returncode)
    finally:
        store.stop()


def test_docker_and_kubernetes_configs_agree():
    """Not run here (no Docker engine, no Kubernetes): the shown configs name the tested path and entry."""
    daemon = json.loads(docs_block("docker-daemon-json"))
    assert daemon == {"runtimes": {"pyrun": {"path": DOCS_BINARY}}}
    entry = docs_block("containerd-runtime-entry")
    handler_entry = re.search(r'containerd\.runtimes\.(\w+)\]', entry).group(1)
    runtime_class = docs_block("kubernetes-runtimeclass")
    assert re.search(r"^handler: (\S+)$", runtime_class, re.M).group(1) == handler_entry
    assert re.search(r"^  runtimeClassName: (\S+)$", runtime_class, re.M).group(1) == \
        re.search(r"^kind: RuntimeClass\nmetadata:\n  name: (\S+)$", runtime_class, re.M).group(1)
