"""/dev as runtime-spec 1.2 (Linux) says: the default devices, the standard symlinks and ptmx,
linux.devices of every type with mode and owner, and /dev bound from the host (then nothing is
made in it). Observed with ls/stat inside the container, compared with runc where cheap."""

import os
import stat

from test_config_lib import bundle, failed, needs_root, out  # noqa: F401

pytestmark = needs_root

DEFAULT_DEVICES = {"null": (1, 3), "zero": (1, 5), "full": (1, 7), "random": (1, 8), "urandom": (1, 9),
                   "tty": (5, 0)}

STAT = "stat -c '%n|%F|%t|%T|%a|%u|%g'"


def _stat_lines(text):
    """stat output -> {path: (kind, major, minor, mode, uid, gid)} (major/minor are decimal)."""
    found = {}
    for line in text.splitlines():
        name, kind, major, minor, mode, uid, gid = line.split("|")
        found[name] = (kind, int(major, 16), int(minor, 16), mode, int(uid), int(gid))
    return found


def test_default_devices(pyrun, bundle):
    b = bundle()
    names = " ".join(f"/dev/{n}" for n in DEFAULT_DEVICES)
    found = _stat_lines(out(pyrun, b, f"{STAT} {names}"))
    for name, (major, minor) in DEFAULT_DEVICES.items():
        assert found[f"/dev/{name}"] == ("character special file", major, minor, "666", 0, 0), name


def test_default_devices_work(pyrun, bundle):
    b = bundle()
    text = out(pyrun, b, "echo gone > /dev/null; head -c 4 /dev/zero | od -An -tx1; head -c 16 /dev/urandom | wc -c; "
                         "echo x > /dev/full 2>&1 || echo full-refused")
    assert text.split("\n")[0].split() == ["00", "00", "00", "00"]
    assert "16" in text and "full-refused" in text


def test_dev_symlinks_and_ptmx(pyrun, bundle):
    b = bundle()
    text = out(pyrun, b, "for l in fd stdin stdout stderr ptmx; do echo $l=$(readlink /dev/$l); done; "
                         "echo via-stdin | cat /dev/stdin")
    assert text.splitlines() == ["fd=/proc/self/fd", "stdin=/proc/self/fd/0", "stdout=/proc/self/fd/1",
                                 "stderr=/proc/self/fd/2", "ptmx=pts/ptmx", "via-stdin"]


def test_dev_listing_matches_runc(pyrun, runc, bundle):
    b = bundle()
    script = "ls -ln /dev | awk '{print $1, $3, $4, $5, $6, $NF}' | sort"
    assert out(pyrun, b, script) == out(runc, b, script)


def test_linux_devices_of_each_type(pyrun, bundle):
    b = bundle()
    b.linux["devices"] = [
        {"path": "/dev/mychar", "type": "c", "major": 1, "minor": 3, "fileMode": 0o600, "uid": 1000, "gid": 5},
        {"path": "/dev/myblk", "type": "b", "major": 7, "minor": 0, "fileMode": 0o640, "uid": 0, "gid": 6},
        {"path": "/dev/myfifo", "type": "p", "fileMode": 0o666},
        {"path": "/dev/myunbuf", "type": "u", "major": 1, "minor": 5, "fileMode": 0o644},
        {"path": "/dev/sub/dir/nested", "type": "c", "major": 1, "minor": 7, "fileMode": 0o666},
    ]
    found = _stat_lines(out(pyrun, b, f"{STAT} /dev/mychar /dev/myblk /dev/myfifo /dev/myunbuf /dev/sub/dir/nested"))
    assert found["/dev/mychar"] == ("character special file", 1, 3, "600", 1000, 5)
    assert found["/dev/myblk"] == ("block special file", 7, 0, "640", 0, 6)
    assert found["/dev/myfifo"][0] == "fifo" and found["/dev/myfifo"][3] == "666"
    assert found["/dev/myunbuf"] == ("character special file", 1, 5, "644", 0, 0)
    assert found["/dev/sub/dir/nested"] == ("character special file", 1, 7, "666", 0, 0)


def test_linux_device_replaces_a_default_one(pyrun, bundle):
    b = bundle()
    b.linux["devices"] = [{"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 0o600,
                           "uid": 1000, "gid": 1000}]
    found = _stat_lines(out(pyrun, b, f"{STAT} /dev/null"))
    assert found["/dev/null"] == ("character special file", 1, 3, "600", 1000, 1000)


def test_linux_device_without_file_mode_gets_0666(pyrun, bundle):
    b = bundle()
    b.linux["devices"] = [{"path": "/dev/nomode", "type": "c", "major": 1, "minor": 3}]
    b.process["user"]["umask"] = 0o077  # the container's umask must not filter the node's mode
    assert _stat_lines(out(pyrun, b, f"{STAT} /dev/nomode"))["/dev/nomode"][3] == "666"


def test_dev_bound_from_the_host_gets_no_devices(pyrun, bundle, tmp_path):
    hostdev = tmp_path / "hostdev"
    hostdev.mkdir()
    (hostdev / "marker").write_text("host")
    os.mknod(hostdev / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))   # what the masked paths get
    b = bundle()
    b.config["mounts"] = [m for m in b.config["mounts"] if not m["destination"].startswith("/dev")]
    b.add_mount("/dev", "bind", str(hostdev), ["rbind"])
    b.linux["devices"] = [{"path": "/dev/mychar", "type": "c", "major": 1, "minor": 3}]
    assert out(pyrun, b, "ls -a /dev") == ".\n..\nmarker\nnull\n"
    assert sorted(os.listdir(hostdev)) == ["marker", "null"]  # nothing was made in the host's directory


def test_device_path_outside_dev_through_a_symlink_stays_in_the_rootfs(pyrun, bundle):
    b = bundle()
    os.symlink("/etc", os.path.join(b.rootfs, "devlink"))
    b.linux["devices"] = [{"path": "/devlink/pyrun-dev-test", "type": "c", "major": 1, "minor": 3}]
    out(pyrun, b, "true")
    assert not os.path.exists("/etc/pyrun-dev-test")
    assert os.path.exists(os.path.join(b.rootfs, "etc/pyrun-dev-test"))


def test_unknown_device_type_is_refused(pyrun, bundle):
    b = bundle()
    b.linux["devices"] = [{"path": "/dev/bad", "type": "x", "major": 1, "minor": 3}]
    assert "type" in failed(pyrun, b).stderr


def test_read_only_dev_still_gets_its_devices(pyrun, bundle):
    """/dev as a read-only tmpfs: the devices and links are made first, then it turns
    read-only (runc remounts /dev read-only at the end)."""
    b = bundle()
    for m in b.config["mounts"]:
        if m["destination"] == "/dev":
            m["options"].append("ro")
    b.linux["devices"] = [{"path": "/dev/extra", "type": "c", "major": 1, "minor": 3}]
    text = out(pyrun, b, f"{STAT} /dev/null /dev/extra; readlink /dev/ptmx; touch /dev/x 2>&1; echo rc=$?")
    lines = text.splitlines()
    assert _stat_lines("\n".join(lines[:2]))["/dev/null"][:3] == ("character special file", 1, 3)
    assert lines[2] == "pts/ptmx"
    assert "Read-only file system" in text and lines[-1] == "rc=1"


def _without_dev_mount(b):
    """The bundle without its /dev tmpfs: the devices are made in the rootfs's own /dev."""
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] != "/dev"]
    os.makedirs(os.path.join(b.rootfs, "dev"), exist_ok=True)


def test_a_symlink_where_a_device_goes_is_replaced_not_followed(pyrun, bundle):
    """A crafted image's /dev/null -> /victim: the node is made at /dev/null itself, /victim is
    left as it is, and the masked paths get the null device."""
    b = bundle()
    _without_dev_mount(b)
    with open(os.path.join(b.rootfs, "victim"), "w") as f:
        f.write("keep\n")
    os.symlink("/victim", os.path.join(b.rootfs, "dev", "null"))
    text = out(pyrun, b, f"{STAT} /dev/null /proc/timer_list; cat /victim")
    found = _stat_lines(text.rsplit("\n", 2)[0])
    assert found["/dev/null"][:3] == ("character special file", 1, 3)
    assert found["/proc/timer_list"][:3] == ("character special file", 1, 3)   # masked with it
    assert text.endswith("keep\n")
    victim = os.path.join(b.rootfs, "victim")
    assert os.path.isfile(victim) and not os.path.islink(victim) and open(victim).read() == "keep\n"


def test_a_rootfs_without_a_dev_mount_runs_twice(pyrun, runc, bundle):
    """The second run finds the first one's /dev/ptmx link (to the devpts node): it is remade,
    not followed into devpts (where unlinking fails), as runc's setupPtmx does."""
    b = bundle()
    _without_dev_mount(b)
    for rt in (pyrun, pyrun, runc):
        assert out(rt, b, "readlink /dev/ptmx") == "pts/ptmx\n"
    assert os.readlink(os.path.join(b.rootfs, "dev", "ptmx")) == "pts/ptmx"
