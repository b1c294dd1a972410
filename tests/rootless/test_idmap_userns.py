"""As root: idmapped mounts in a container with its own user namespace (containerID 0 -> hostID
100000, size 65536). The runtime makes each detached idmapped tree outside (the init cannot
idmap a host file system) and the init moves it into place: with the container's mapping, with
the mount's own mappings, ro, idmap vs ridmap over a sub-mount, no propagation back to a shared
host mount; a failure (missing source, a file system that refuses idmapping: sysfs, overlayfs)
names mounts[i] and leaves nothing behind. Observed from inside (ls -ln) and on the host (os.stat)."""

import json
import os
import subprocess

import pytest

from testlib import leftovers, needs_root
from rootlesslib import BASE, SIZE
from spec.defaults import default_config

pytestmark = needs_root


@pytest.fixture
def vol(place):
    """A host directory holding a file of host root's and one of host uid/gid 1000's."""
    path = os.path.join(place, "vol")
    os.mkdir(path, 0o755)
    for name, owner in (("root-file", 0), ("user-file", 1000)):
        with open(os.path.join(path, name), "w"):
            pass
        os.chown(os.path.join(path, name), owner, owner)
    os.chmod(path, 0o777)   # writable through the plain bind too, where host root is nobody
    return path


class UsernsBundle:
    def __init__(self, place, rootfs_template):
        self.path = os.path.join(place, "bundle")
        os.mkdir(self.path)
        self.rootfs = os.path.join(self.path, "rootfs")
        subprocess.run(["cp", "-a", rootfs_template, self.rootfs], check=True)
        subprocess.run(["chown", "-R", f"{BASE}:{BASE}", self.rootfs], check=True)
        config = default_config()
        config["process"]["terminal"] = False
        config["root"]["readonly"] = False
        config["linux"]["namespaces"].append({"type": "user"})
        config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": BASE, "size": SIZE}]
        config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": BASE, "size": SIZE}]
        self.config = config

    def add_mount(self, destination, source, options, maps=None):
        entry = {"destination": destination, "type": "bind", "source": source, "options": options}
        if maps is not None:
            entry["uidMappings"] = entry["gidMappings"] = maps
        self.config["mounts"].append(entry)
        return len(self.config["mounts"]) - 1

    def save(self, script):
        self.config["process"]["args"] = ["sh", "-c", script]
        with open(os.path.join(self.path, "config.json"), "w") as f:
            json.dump(self.config, f)


@pytest.fixture
def bundle(place, rootfs_template):
    return UsernsBundle(place, rootfs_template)


def run(rt, bundle, script):
    bundle.save(script)
    return rt("run", "-b", bundle.path, rt.new_id()).stdout


def owners(text):
    """`ls -ln DIR` -> {name: "uid:gid"}."""
    found = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 9 and parts[0][0] in "-d":
            found[parts[-1]] = f"{parts[2]}:{parts[3]}"
    return found


def host_owner(path):
    st = os.stat(path)
    return f"{st.st_uid}:{st.st_gid}"


def test_idmap_with_the_containers_own_mapping(rt, bundle, vol):
    """Without mount mappings the mapping is the container's: host files show with their on-disk
    ids inside (root's as 0, not as nobody), and what container root writes is host root's."""
    bundle.add_mount("/v", vol, ["rbind", "idmap"])
    text = run(rt, bundle, "ls -ln /v; echo ---; id -u; touch /v/made; echo ---; ls -ln /v/made; "
                           "grep ' /v ' /proc/self/mountinfo")
    listing, uid, rest = text.split("---\n")
    assert owners(listing) == {"root-file": "0:0", "user-file": "1000:1000"}
    assert uid.strip() == "0"
    assert owners(rest) == {"/v/made": "0:0"}
    assert "idmapped" in rest.splitlines()[-1].split(" - ")[0]
    # On the host the container's root (host uid 100000) wrote a file owned by on-disk 0.
    assert host_owner(os.path.join(vol, "made")) == "0:0"
    assert host_owner(os.path.join(vol, "root-file")) == "0:0"
    assert host_owner(os.path.join(vol, "user-file")) == "1000:1000"


def test_without_idmap_the_same_files_are_nobodys(rt, bundle, vol):
    """The control: a plain bind shows host root's file as the overflow id and cannot write as root."""
    bundle.add_mount("/v", vol, ["rbind"])
    text = run(rt, bundle, "ls -ln /v; echo ---; touch /v/made && ls -ln /v/made")
    listing, rest = text.split("---\n")
    assert owners(listing) == {"root-file": "65534:65534", "user-file": "65534:65534"}
    assert host_owner(os.path.join(vol, "made")) == f"{BASE}:{BASE}"


SWAP = [{"containerID": 0, "hostID": BASE + 1000, "size": 1}, {"containerID": 1000, "hostID": BASE, "size": 1}]


def test_idmap_with_the_mounts_own_mappings_and_ro(rt, bundle, vol):
    """The mount's own mappings (on-disk id -> host id) swap root and 1000 as the container sees
    them; writes go to on-disk 1000. The same mount ro refuses writes."""
    bundle.add_mount("/w", vol, ["rbind", "idmap"], SWAP)
    bundle.add_mount("/r", vol, ["rbind", "idmap", "ro"], SWAP)
    text = run(rt, bundle, "ls -ln /w; echo ---; touch /w/made; ls -ln /w/made; echo ---; "
                           "touch /r/other 2>&1; ls -ln /r")
    listing, made, ro = text.split("---\n")
    assert owners(listing) == {"root-file": "1000:1000", "user-file": "0:0"}
    assert owners(made) == {"/w/made": "0:0"}
    assert host_owner(os.path.join(vol, "made")) == "1000:1000"
    assert "Read-only file system" in ro
    assert owners(ro)["root-file"] == "1000:1000"
    assert not os.path.exists(os.path.join(vol, "other"))


def test_idmap_and_ridmap_over_a_sub_mount_on_tmpfs(rt, bundle, vol):
    """rbind brings a sub-mount (a tmpfs) along: idmap shifts only the top mount, so a root-owned
    file on the tmpfs shows as nobody; ridmap shifts the tmpfs too (tmpfs takes idmapping)."""
    sub = os.path.join(vol, "sub")
    os.mkdir(sub)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=777", "tmpfs", sub], check=True)
    with open(os.path.join(sub, "file"), "w"):
        pass
    bundle.add_mount("/a", vol, ["rbind", "idmap"])
    bundle.add_mount("/b", vol, ["rbind", "ridmap"])
    text = run(rt, bundle, "ls -ln /a/sub; echo ---; ls -ln /b/sub; echo ---; touch /b/sub/made; "
                           "ls -ln /a/sub/made")
    top_only, recursive, made = text.split("---\n")
    assert owners(top_only) == {"file": "65534:65534"}
    assert owners(recursive) == {"file": "0:0"}
    assert host_owner(os.path.join(sub, "made")) == "0:0"
    assert owners(made) == {"/a/sub/made": "65534:65534"}


def test_an_overlayfs_source_is_refused_by_name_and_leaves_nothing(rt, bundle, vol, place):
    """overlayfs cannot be idmapped itself (the kernel idmaps its layers instead: an engine that
    wants an idmapped image mounts the overlay over idmapped layers). The refusal names the mount,
    and nothing is left: no state, no process, no idmapped tree on the host."""
    scratch = os.path.join(place, "scratch")
    os.mkdir(scratch)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", scratch], check=True)
    upper, work, merged = (os.path.join(scratch, name) for name in ("upper", "work", "merged"))
    for path in (upper, work, merged):
        os.mkdir(path)
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                    f"lowerdir={vol},upperdir={upper},workdir={work}", merged], check=True)
    index = bundle.add_mount("/o", merged, ["rbind", "idmap"])
    bundle.save("true")
    cid = rt.new_id()
    proc = rt("create", "-b", bundle.path, cid, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr.strip() == (f"config.json: mounts[{index}]: idmapped mount of {merged} on /o: "
                                   "mount_setattr: Invalid argument")
    assert leftovers(rt, cid, bundle, lambda line: "idmapped" in line) == []


def test_a_mount_made_inside_does_not_reach_a_shared_host_source(rt, bundle, place):
    """The idmapped tree is cloned from the host: from a shared mount it would be the host's
    peer. Made a slave, a mount the container makes on it stays in the container."""
    src = os.path.join(place, "shared")
    os.mkdir(src)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=777", "tmpfs", src], check=True)
    subprocess.run(["mount", "--make-shared", src], check=True)
    os.mkdir(os.path.join(src, "inner"))
    bundle.add_mount("/v", src, ["rbind", "idmap"])
    caps = bundle.config["process"]["capabilities"]
    for key in caps:
        caps[key] = sorted(set(caps[key]) | {"CAP_SYS_ADMIN"})
    text = run(rt, bundle, "mount -t tmpfs inner /v/inner && grep -c ' /v/inner ' /proc/self/mountinfo")
    assert text.split() == ["1"]
    with open("/proc/self/mountinfo") as f:
        assert not [line for line in f if os.path.join(src, "inner") in line]


@pytest.mark.parametrize("source, said", [
    ("missing", "open_tree: No such file or directory"),
    # sysfs does not support idmapped mounts: the kernel refuses the idmapping itself.
    ("/sys/kernel/mm", "mount_setattr: Invalid argument"),
])
def test_a_refused_idmapped_mount_names_the_mount_and_leaves_nothing(rt, bundle, vol, place, source, said):
    source = os.path.join(place, source)
    bundle.add_mount("/ok", vol, ["rbind", "idmap"])   # made and moved before the failing one
    index = bundle.add_mount("/v", source, ["rbind", "idmap"])
    bundle.save("true")
    cid = rt.new_id()
    proc = rt("create", "-b", bundle.path, cid, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr.strip() == f"config.json: mounts[{index}]: idmapped mount of {source} on /v: {said}"
    assert leftovers(rt, cid, bundle, lambda line: vol in line and "idmapped" in line) == []


def test_idmap_through_a_user_namespace_joined_by_path(rt, place, rootfs_template, vol):
    """A container that joins another's user namespace by path (no mappings of its own) idmaps
    through that namespace: host files show with their on-disk ids, as with its own mapping."""
    first = UsernsBundle(place, rootfs_template)
    first.save("sleep 60")
    owner_id = rt.new_id()
    rt("run", "-d", "-b", first.path, owner_id)
    pid = rt.state(owner_id)["pid"]
    second_place = os.path.join(place, "second")
    os.mkdir(second_place)
    second = UsernsBundle(second_place, rootfs_template)
    second.config["linux"]["namespaces"] = [ns for ns in second.config["linux"]["namespaces"] if ns["type"] != "user"]
    second.config["linux"]["namespaces"].append({"type": "user", "path": f"/proc/{pid}/ns/user"})
    del second.config["linux"]["uidMappings"], second.config["linux"]["gidMappings"]
    second.add_mount("/v", vol, ["rbind", "idmap"])
    text = run(rt, second, "cat /proc/self/uid_map; echo ---; ls -ln /v")
    uid_map, listing = text.split("---\n")
    assert uid_map.split() == ["0", str(BASE), str(SIZE)]
    assert owners(listing) == {"root-file": "0:0", "user-file": "1000:1000"}
