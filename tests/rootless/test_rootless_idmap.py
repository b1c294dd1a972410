"""Rootless pyrun and idmapped mounts: an ordinary user may not clone or idmap the host's file
systems (the kernel wants CAP_SYS_ADMIN over them), so the runtime's half of an idmapped mount
fails; the create says which mount and why, and leaves nothing behind."""

import os

from test_rootless import processes_of, state_ids


def test_an_idmapped_mount_is_refused_for_an_ordinary_user(user, user_bundle, as_user, workdir):
    src = os.path.join(workdir, "data")
    os.mkdir(src)
    os.chown(src, user.uid, user.gid)
    b = user_bundle(user)
    b.config["mounts"].append({"destination": "/data", "type": "bind", "source": src, "options": ["rbind", "idmap"]})
    index = len(b.config["mounts"]) - 1
    b.args("true")
    rt = as_user(user)
    proc = rt("run", "-b", b.path, rt.new_id(), check=False)
    assert proc.returncode == 1
    # The container's mapping: first the runtime cannot even open the (non-dumpable) init's user
    # namespace; with the mount's own mappings, cloning the host's mount is refused.
    assert proc.stderr.strip() == (f"config.json: mounts[{index}]: idmapped mount of {src} on /data: open the "
                                   f"container's user namespace: Permission denied (an ordinary user cannot make "
                                   f"idmapped mounts of the host's file systems)")
    assert state_ids(user) == []
    assert processes_of(user.uid) == []
    b.config["mounts"][index]["uidMappings"] = [{"containerID": user.uid, "hostID": 0, "size": 1}]
    b.config["mounts"][index]["gidMappings"] = [{"containerID": user.gid, "hostID": 0, "size": 1}]
    b.save()
    proc = rt("run", "-b", b.path, rt.new_id(), check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f"config.json: mounts[{index}]: idmapped mount of {src} on /data: open_tree: "
                                   f"Operation not permitted (an ordinary user cannot make idmapped mounts of "
                                   f"the host's file systems)")
    assert state_ids(user) == []
    assert processes_of(user.uid) == []
