"""As root, next to Debian's runc: the exec fifo of a created container belongs to the container's
root as the host sees it (runc's createExecFifo chowns it to HostRootUID/GID): 100000 with a
0 -> 100000 user namespace, host root without one."""

import json
import os
import subprocess

import pytest

from testlib import PYRUN, RUNC, Runtime, needs_root
from rootlesslib import BASE, SIZE
from spec.defaults import default_config


@pytest.fixture
def runtimes(place):
    made = [Runtime(PYRUN, os.path.join(place, "pyrun-state"))]
    if os.path.exists(RUNC):
        made.append(Runtime(RUNC, os.path.join(place, "runc-state")))
    yield made
    for rt in made:
        rt.cleanup()


def bundle(place, rootfs_template, userns):
    path = os.path.join(place, f"bundle-{'userns' if userns else 'plain'}")
    os.mkdir(path)
    rootfs = os.path.join(path, "rootfs")
    subprocess.run(["cp", "-a", rootfs_template, rootfs], check=True)
    config = default_config()
    config["process"]["terminal"] = False
    config["process"]["args"] = ["true"]
    if userns:
        subprocess.run(["chown", "-R", f"{BASE}:{BASE + 1}", rootfs], check=True)
        config["linux"]["namespaces"].append({"type": "user"})
        config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": BASE, "size": SIZE}]
        # gid root elsewhere than uid root: the fifo's group must follow the gid map.
        config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": BASE + 1, "size": SIZE}]
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f)
    return path


@needs_root
@pytest.mark.parametrize("userns, owner", [(True, (BASE, BASE + 1)), (False, (0, 0))])
def test_exec_fifo_belongs_to_the_containers_root(runtimes, place, rootfs_template, userns, owner):
    path = bundle(place, rootfs_template, userns)
    seen = {}
    for rt in runtimes:
        cid = rt.new_id()
        rt("create", "-b", path, cid)
        fifo = os.path.join(rt.root, cid, "exec.fifo")
        st = os.stat(fifo)
        seen[os.path.basename(rt.binary)] = (st.st_uid, st.st_gid, oct(st.st_mode & 0o777))
        rt("start", cid)
        rt("delete", "--force", cid)
    assert seen["pyrun"] == (*owner, "0o622")
    if "runc" in seen:
        assert seen["runc"] == seen["pyrun"]


def test_host_root_from_the_mappings():
    from runtime import userns
    ns = [{"type": "mount"}, {"type": "user"}]
    maps = [{"containerID": 1, "hostID": 100000, "size": 65536}, {"containerID": 0, "hostID": 1000, "size": 1}]
    config = {"linux": {"namespaces": ns, "uidMappings": maps, "gidMappings": maps}}
    assert userns.host_root(config) == (1000, 1000)
    config["linux"]["gidMappings"] = [{"containerID": 1, "hostID": 100000, "size": 10}]
    assert userns.host_root(config) is None            # root's group not mapped: left alone
    config["linux"]["namespaces"] = [{"type": "mount"}]
    config["linux"]["gidMappings"] = maps
    assert userns.host_root(config) is None            # mappings without a user namespace
