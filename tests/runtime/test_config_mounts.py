"""config.json "mounts", in order: binds (file, directory, recursive, read-only, relative
source), tmpfs options, the kernel filesystems, the hybrid host's cgroup tree, mount flags seen
at work (noexec, nodev), propagation options, recursive attributes (mount_setattr), relative
destinations, and symlinked targets that point out of the rootfs."""

import os
import subprocess
import uuid

import pytest

from test_config_lib import (Created, bundle, failed, host_mount, mount_at, needs_root, out,  # noqa: F401
                             parse_mountinfo, shared_tmpfs)

pytestmark = needs_root


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def test_bind_a_file_creates_a_file_target(pyrun, bundle, tmp_path):
    src = str(tmp_path / "hostfile")
    _write(src, "from the host\n")
    b = bundle()
    b.add_mount("/etc/new/bound.conf", "bind", src, ["bind"])
    assert out(pyrun, b, "stat -c %F /etc/new/bound.conf; cat /etc/new/bound.conf") == \
        "regular file\nfrom the host\n"
    assert os.path.isfile(os.path.join(b.rootfs, "etc/new/bound.conf"))


def test_bind_a_directory_creates_the_target_path(pyrun, bundle, tmp_path):
    src = tmp_path / "hostdir"
    src.mkdir()
    _write(str(src / "a"), "A")
    b = bundle()
    b.add_mount("/srv/deep/data", "bind", str(src), ["bind"])
    assert out(pyrun, b, "ls /srv/deep/data; echo x > /srv/deep/data/b") == "a\n"
    assert (src / "b").read_text() == "x\n"  # rw by default, and the host sees the write


@pytest.mark.parametrize("option, sees_submount", [("bind", False), ("rbind", True)])
def test_bind_and_rbind_of_a_tree_with_a_submount(pyrun, bundle, tmp_path, host_mount, option, sees_submount):
    src = tmp_path / "tree"
    (src / "sub").mkdir(parents=True)
    host_mount("tmpfs", str(src / "sub"), "size=1m")
    _write(str(src / "sub" / "marker"), "on the submount")
    b = bundle()
    b.add_mount("/tree", "bind", str(src), [option])
    assert ("marker" in out(pyrun, b, "ls /tree/sub")) == sees_submount


def test_read_only_bind(pyrun, bundle, tmp_path):
    src = tmp_path / "ro"
    src.mkdir()
    b = bundle()
    b.add_mount("/ro", "bind", str(src), ["rbind", "ro"])
    text = out(pyrun, b, "touch /ro/x 2>&1; echo rc=$?")
    assert "Read-only file system" in text and "rc=1" in text
    (src / "y").write_text("host still writes")  # the host's view of the source stays writable


def test_bind_source_relative_to_the_bundle(pyrun, bundle):
    b = bundle()
    os.makedirs(os.path.join(b.path, "volumes/data"))
    _write(os.path.join(b.path, "volumes/data/f"), "bundle relative\n")
    b.add_mount("/data", "bind", "volumes/data", ["rbind"])
    b.script("cat /data/f")
    # Run from "/": the source is relative to the bundle, not to the runtime's cwd.
    assert pyrun("run", "-b", b.path, pyrun.new_id(), cwd="/").stdout == "bundle relative\n"


def test_bind_of_a_missing_source_is_a_clear_error(pyrun, bundle, tmp_path):
    b = bundle()
    b.add_mount("/data", "bind", str(tmp_path / "nope"), ["rbind"])
    assert str(tmp_path / "nope") in failed(pyrun, b).stderr


def test_tmpfs_size_and_mode(pyrun, bundle):
    b = bundle()
    b.add_mount("/scratch", "tmpfs", "tmpfs", ["nosuid", "nodev", "size=1m", "mode=0710"])
    text = out(pyrun, b, "stat -c %a /scratch; cat /proc/self/mountinfo")
    assert text.startswith("710\n")
    m = mount_at(parse_mountinfo(text.split("\n", 1)[1]), "/scratch")
    assert m.fstype == "tmpfs"
    assert {"size=1024k", "mode=710"} <= m.super_options
    assert {"nosuid", "nodev"} <= m.options


def test_mounts_are_made_in_order(pyrun, bundle, tmp_path):
    """A later mount inside an earlier one lands on the earlier one, not in the rootfs below."""
    src = tmp_path / "inner"
    src.mkdir()
    b = bundle()
    b.add_mount("/data", "tmpfs", "tmpfs", ["size=1m"])
    b.add_mount("/data/inner", "bind", str(src), ["rbind"])
    infos = parse_mountinfo(out(pyrun, b, "cat /proc/self/mountinfo"))
    points = [m.mountpoint for m in infos]
    assert points.index("/data") < points.index("/data/inner")
    assert mount_at(infos, "/data/inner").parent == mount_at(infos, "/data").id
    assert not os.path.exists(os.path.join(b.rootfs, "data", "inner"))


def test_kernel_filesystems_of_the_default_config(pyrun, bundle):
    b = bundle()
    text = out(pyrun, b, "cat /proc/self/mountinfo; echo ---; ls /dev/pts; ls /sys/class/net; echo $$")
    infos, rest = text.split("---\n")
    infos = parse_mountinfo(infos)
    assert mount_at(infos, "/proc").fstype == "proc"
    sys_ = mount_at(infos, "/sys")
    assert sys_.fstype == "sysfs" and {"ro", "nosuid", "nodev", "noexec"} <= sys_.options
    pts = mount_at(infos, "/dev/pts")
    assert pts.fstype == "devpts" and {"gid=5", "mode=620", "ptmxmode=666"} <= pts.super_options
    mq = mount_at(infos, "/dev/mqueue")
    assert mq.fstype == "mqueue" and {"nosuid", "nodev", "noexec"} <= mq.options
    assert mount_at(infos, "/dev/shm").fstype == "tmpfs"
    # proc shows the container's pid namespace, devpts is a new instance, sysfs the new netns.
    assert rest.split() == ["ptmx", "lo", "1"]


def _host_cgroup_hierarchies():
    return {m.mountpoint[len("/sys/fs/cgroup/"):]: m.fstype for m in parse_mountinfo("/proc/self/mountinfo")
            if m.fstype in ("cgroup", "cgroup2") and m.mountpoint.startswith("/sys/fs/cgroup/")}


def test_cgroup_mount_on_the_hybrid_host(pyrun, bundle):
    hierarchies = _host_cgroup_hierarchies()
    if not hierarchies:
        pytest.skip("no cgroup v1/hybrid hierarchies under /sys/fs/cgroup on this host")
    b = bundle()
    text = out(pyrun, b, "cat /proc/self/mountinfo; echo ---; cat /sys/fs/cgroup/pids/cgroup.procs")
    infos, procs = text.split("---\n")
    infos = parse_mountinfo(infos)
    top = mount_at(infos, "/sys/fs/cgroup")
    assert top.fstype == "tmpfs" and "ro" in top.options
    for name, fstype in hierarchies.items():
        m = mount_at(infos, f"/sys/fs/cgroup/{name}")
        assert m.fstype == fstype and "ro" in m.options, name
        assert m.root == "/", f"{name}: the container's own cgroup is its root ({m.root})"
    assert "1" in procs.split()  # the container's init is in the cgroup it sees


def test_cgroup_mount_when_a_hierarchy_is_mounted_twice(pyrun, bundle):
    """A nested setup binds /sys/fs/cgroup/<name> over itself (mountinfo lists it twice): the
    container still gets one directory for it (a regression once: "pids: File exists")."""
    if "pids" not in _host_cgroup_hierarchies():
        pytest.skip("no pids hierarchy at /sys/fs/cgroup/pids on this host")
    b = bundle()
    b.config["process"]["args"] = ["sh", "-c", "cat /sys/fs/cgroup/pids/cgroup.procs"]
    b.save()
    cid = pyrun.new_id()
    # in a mount namespace of its own, so that the host's cgroup mounts stay as they are
    proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                           'mount --bind /sys/fs/cgroup/pids /sys/fs/cgroup/pids && exec "$@"', "sh",
                           *pyrun.cmd("run", "-b", b.path, cid)],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert "1" in proc.stdout.split()


def test_noexec_mount_refuses_to_execute(pyrun, bundle):
    b = bundle()
    b.add_mount("/x", "tmpfs", "tmpfs", ["noexec", "size=4m"])
    b.add_mount("/y", "tmpfs", "tmpfs", ["exec", "size=4m"])
    text = out(pyrun, b, "cp /bin/busybox /x/true; cp /bin/busybox /y/true; /x/true 2>&1; echo x=$?; "
                         "/y/true; echo y=$?")
    assert "Permission denied" in text and "x=126" in text and "y=0" in text


def test_nodev_mount_refuses_device_access(pyrun, bundle):
    b = bundle()
    b.add_mount("/nodev", "tmpfs", "tmpfs", ["nodev", "size=1m"])
    b.add_mount("/withdev", "tmpfs", "tmpfs", ["dev", "size=1m"])
    b.linux["devices"] = [{"path": "/nodev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 0o666},
                          {"path": "/withdev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 0o666}]
    text = out(pyrun, b, "echo a > /nodev/null 2>&1; echo nodev=$?; echo a > /withdev/null; echo dev=$?")
    assert "nodev=1" in text and "dev=0" in text


def test_nosuid_is_set_on_the_mount(pyrun, bundle):
    b = bundle()
    b.add_mount("/s", "tmpfs", "tmpfs", ["nosuid", "size=1m"])
    b.add_mount("/t", "tmpfs", "tmpfs", ["suid", "size=1m"])
    infos = parse_mountinfo(out(pyrun, b, "cat /proc/self/mountinfo"))
    assert "nosuid" in mount_at(infos, "/s").options
    assert "nosuid" not in mount_at(infos, "/t").options


@pytest.mark.parametrize("kind, option, receives", [
    ("rbind", "rslave", True), ("rbind", "rshared", True), ("rbind", "rprivate", False),
    ("bind", "slave", True), ("bind", "shared", True), ("bind", "private", False)])
def test_bind_propagation_option(pyrun, bundle, shared_tmpfs, host_mount, kind, option, receives):
    """A mount the host makes under a bind source after create reaches the container only
    through a slave (or shared) bind; the non-recursive forms apply to the bind itself."""
    os.makedirs(os.path.join(shared_tmpfs, "sub"))
    b = bundle()
    b.add_mount("/vol", "bind", shared_tmpfs, [kind, option])
    c = Created(pyrun, b)
    try:
        vol = mount_at(c.mountinfo(), "/vol")
        assert bool(vol.tagged("shared:")) == option.endswith("shared"), vol.optional
        assert bool(vol.tagged("master:")) == receives, vol.optional
        host_mount("tmpfs", os.path.join(shared_tmpfs, "sub"), "size=1m")
        assert any(m.mountpoint == "/vol/sub" for m in c.mountinfo()) == receives
    finally:
        c.delete()


def test_bind_shared_option_does_not_leak_container_mounts_to_the_host(pyrun, bundle, shared_tmpfs):
    b = bundle()
    b.add_mount("/vol", "bind", shared_tmpfs, ["rbind", "rshared"])
    b.add_mount("/vol/inner", "tmpfs", "tmpfs", ["size=1m"])
    out(pyrun, b, "true")
    assert not [m for m in parse_mountinfo("/proc/self/mountinfo") if m.mountpoint.startswith(shared_tmpfs + "/")]


def test_recursive_read_only(pyrun, bundle, tmp_path, host_mount):
    src = tmp_path / "tree"
    (src / "sub").mkdir(parents=True)
    host_mount("tmpfs", str(src / "sub"), "size=1m")
    b = bundle()
    b.add_mount("/rro", "bind", str(src), ["rbind", "rro"])
    b.add_mount("/ro", "bind", str(src), ["rbind", "ro"])
    text = out(pyrun, b, "touch /rro/sub/x 2>&1; echo rro=$?; touch /ro/sub/y; echo ro=$?")
    # rro covers the submount (mount_setattr AT_RECURSIVE); plain ro only the top mount.
    assert "rro=1" in text and "Read-only file system" in text
    assert "ro=0" in text


RECURSIVE_ATTRIBUTES = {   # option -> what the submount shows in mountinfo (mount options)
    "rnosuid": "nosuid", "rnodev": "nodev", "rnoexec": "noexec", "rnoatime": "noatime",
    "rnodiratime": "nodiratime", "rnosymfollow": "nosymfollow",
}


def test_recursive_attributes_reach_the_submounts(pyrun, bundle, tmp_path, host_mount):
    """Each r* option sets its flag on every mount of the bound tree, seen by the host in the
    container's mountinfo; the plain option sets it on the top mount only."""
    src = tmp_path / "tree"
    (src / "sub").mkdir(parents=True)
    host_mount("tmpfs", str(src / "sub"), "size=1m")
    b = bundle()
    for option, flag in RECURSIVE_ATTRIBUTES.items():
        b.add_mount(f"/{option}", "bind", str(src), ["rbind", option])
        b.add_mount(f"/{flag}", "bind", str(src), ["rbind", flag])
    c = Created(pyrun, b)
    try:
        infos = c.mountinfo()
        for option, flag in RECURSIVE_ATTRIBUTES.items():
            assert flag in mount_at(infos, f"/{option}").options, option
            assert flag in mount_at(infos, f"/{option}/sub").options, option
            assert flag in mount_at(infos, f"/{flag}").options, flag
            assert flag not in mount_at(infos, f"/{flag}/sub").options, flag
    finally:
        c.delete()


def test_rrw_clears_read_only_on_the_submounts(pyrun, bundle, tmp_path, host_mount):
    src = tmp_path / "tree"
    (src / "sub").mkdir(parents=True)
    host_mount("tmpfs", str(src / "sub"), "size=1m")
    # Read-only as a mount (not the superblock, which no mount option can change).
    subprocess.run(["mount", "-o", "remount,bind,ro", str(src / "sub")], check=True)
    b = bundle()
    b.add_mount("/rrw", "bind", str(src), ["rbind", "rrw"])
    b.add_mount("/rw", "bind", str(src), ["rbind", "rw"])
    text = out(pyrun, b, "touch /rrw/sub/x; echo rrw=$?; touch /rw/sub/y 2>/dev/null; echo rw=$?")
    assert text == "rrw=0\nrw=1\n"


@pytest.mark.parametrize("option, sub_unbindable", [("unbindable", False), ("runbindable", True)])
def test_unbindable_options(pyrun, bundle, tmp_path, host_mount, option, sub_unbindable):
    src = tmp_path / "tree"
    (src / "sub").mkdir(parents=True)
    host_mount("tmpfs", str(src / "sub"), "size=1m")
    b = bundle()
    b.add_mount("/u", "bind", str(src), ["rbind", option])
    c = Created(pyrun, b)
    try:
        infos = c.mountinfo()
        assert "unbindable" in mount_at(infos, "/u").optional
        assert ("unbindable" in mount_at(infos, "/u/sub").optional) == sub_unbindable
    finally:
        c.delete()


def test_relative_destination_is_under_root(pyrun, bundle):
    b = bundle()
    b.add_mount("reldir/x", "tmpfs", "tmpfs", ["size=1m"])
    infos = parse_mountinfo(out(pyrun, b, "cat /proc/self/mountinfo"))
    assert mount_at(infos, "/reldir/x").fstype == "tmpfs"


@pytest.mark.parametrize("link", ["/etc", "../../../../../../../../etc"])
def test_symlinked_target_pointing_out_of_the_rootfs_stays_inside(pyrun, bundle, tmp_path, link):
    """rootfs/mnt -> /etc (or ../../etc): the mount lands on the rootfs's /etc, never the host's."""
    name = f"pyrun-escape-{uuid.uuid4().hex[:8]}"
    src = tmp_path / "file"
    src.write_text("bound\n")
    b = bundle()
    os.symlink(link, os.path.join(b.rootfs, "mnt"))
    host_etc = sorted(os.listdir("/etc"))
    b.add_mount("/mnt", "tmpfs", "tmpfs", ["size=1m"])
    b.add_mount(f"/mnt/{name}/f", "bind", str(src), ["bind"])
    c = Created(pyrun, b)
    try:
        infos = c.mountinfo()
        assert mount_at(infos, "/etc").fstype == "tmpfs"
        assert mount_at(infos, f"/etc/{name}/f").mountpoint == f"/etc/{name}/f"
        assert os.path.islink(os.path.join(b.rootfs, "mnt"))
    finally:
        c.delete()
    assert not os.path.exists(f"/etc/{name}")
    assert sorted(os.listdir("/etc")) == host_etc
    host = [m.mountpoint for m in parse_mountinfo("/proc/self/mountinfo")]
    assert "/etc" not in host and f"/etc/{name}/f" not in host


def test_symlinked_file_target_pointing_out_of_the_rootfs_stays_inside(pyrun, bundle, tmp_path):
    """The destination itself is a symlink to a host file (absolute, and a dangling one to a
    path only the host has): the bind lands on the rootfs's file, made there if missing."""
    src = tmp_path / "file"
    src.write_text("bound\n")
    host_hostname = open("/etc/hostname").read()
    name = f"pyrun-escape-{uuid.uuid4().hex[:8]}"
    b = bundle()
    os.symlink("/etc/hostname", os.path.join(b.rootfs, "hostlink"))
    os.symlink(f"/tmp/{name}", os.path.join(b.rootfs, "dangling"))
    with open(os.path.join(b.rootfs, "etc", "hostname"), "w") as f:
        f.write("rootfs's\n")
    b.add_mount("/hostlink", "bind", str(src), ["bind"])
    b.add_mount("/dangling", "bind", str(src), ["bind"])
    assert out(pyrun, b, "cat /etc/hostname /tmp/" + name) == "bound\nbound\n"
    assert open("/etc/hostname").read() == host_hostname
    assert not os.path.exists(f"/tmp/{name}")
    assert os.path.isfile(os.path.join(b.rootfs, "tmp", name))


def test_symlinked_bind_source_directory_is_followed_on_the_host(pyrun, bundle, tmp_path):
    """A bind's source is a host path: symlinks in it are the host's to follow."""
    real = tmp_path / "real"
    real.mkdir()
    (real / "f").write_text("real\n")
    os.symlink(str(real), str(tmp_path / "link"))
    b = bundle()
    b.add_mount("/v", "bind", str(tmp_path / "link"), ["rbind"])
    assert out(pyrun, b, "cat /v/f") == "real\n"


def test_dotdot_destination_stays_in_the_rootfs(pyrun, bundle):
    name = f"pyrun-dotdot-{uuid.uuid4().hex[:8]}"
    b = bundle()
    b.add_mount(f"/../../../../../tmp/{name}", "tmpfs", "tmpfs", ["size=1m"])
    infos = parse_mountinfo(out(pyrun, b, "cat /proc/self/mountinfo"))
    assert mount_at(infos, f"/tmp/{name}").fstype == "tmpfs"
    assert not os.path.exists(f"/tmp/{name}")
    assert os.path.isdir(os.path.join(b.rootfs, "tmp", name))


def test_type_none_with_rbind_is_a_bind(pyrun, bundle, tmp_path):
    """runc spec --rootless writes binds as type "none" with an rbind option."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_text("none-type\n")
    b = bundle()
    b.add_mount("/n", "none", str(src), ["rbind", "nosuid"])
    assert out(pyrun, b, "cat /n/f") == "none-type\n"


def test_bad_mount_option_is_a_clear_error(pyrun, bundle):
    b = bundle()
    b.add_mount("/scratch", "tmpfs", "tmpfs", ["size=lots"])
    err = failed(pyrun, b).stderr
    assert "/scratch" in err and "size=lots" in err


@pytest.mark.parametrize("options, runs", [
    (["rbind"], False),               # a bind keeps the source's flags
    (["rbind", "ro"], False),         # ... also when remounted for another flag
    (["rbind", "exec"], True),        # an explicit clear option clears it
    (["rbind", "ro", "exec"], True),
])
def test_bind_flags_of_the_source_are_kept_unless_cleared(pyrun, bundle, tmp_path, host_mount, options, runs):
    src = tmp_path / "noexec-src"
    src.mkdir()
    host_mount("tmpfs", str(src), "size=4m", "noexec")
    subprocess.run(["cp", "/bin/busybox", str(src / "true")], check=True)
    b = bundle()
    b.add_mount("/v", "bind", str(src), options)
    text = out(pyrun, b, "/v/true 2>/dev/null; echo rc=$?")
    assert (text == "rc=0\n") == runs, text


def test_tmpfs_over_an_existing_directory_keeps_its_mode(pyrun, bundle):
    b = bundle()
    for name in ("kept", "overridden"):
        os.makedirs(os.path.join(b.rootfs, name))
        os.chmod(os.path.join(b.rootfs, name), 0o750)
    b.add_mount("/kept", "tmpfs", "tmpfs", ["size=1m"])
    b.add_mount("/overridden", "tmpfs", "tmpfs", ["size=1m", "mode=711"])
    b.add_mount("/fresh", "tmpfs", "tmpfs", ["size=1m"])
    assert out(pyrun, b, "stat -c %a /kept /overridden /fresh") == "750\n711\n1777\n"


def test_mount_over_an_allowed_proc_file(pyrun, bundle, tmp_path):
    """lxcfs-style: a few /proc files may be covered (runc's list)."""
    src = tmp_path / "uptime"
    src.write_text("12345.00 0.00\n")
    b = bundle()
    b.add_mount("/proc/uptime", "bind", str(src), ["bind", "ro"])
    assert out(pyrun, b, "cat /proc/uptime") == "12345.00 0.00\n"


@pytest.mark.parametrize("destination, link", [
    ("/proc/sys/kernel/domainname", None),
    ("/proc/self/attr/exec", None),
    ("/evil/kernel/domainname", "/proc/sys"),           # through a symlink in the rootfs
    ("/evil/kernel/domainname", "../../proc/sys"),
])
def test_mount_inside_proc_is_refused(pyrun, bundle, tmp_path, destination, link):
    src = tmp_path / "file"
    src.write_text("covered\n")
    b = bundle()
    if link:
        os.symlink(link, os.path.join(b.rootfs, "evil"))
    b.add_mount(destination, "bind", str(src), ["bind"])
    err = failed(pyrun, b).stderr
    assert destination in err and "/proc" in err


def test_only_proc_goes_on_proc(pyrun, bundle):
    b = bundle()
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] != "/proc"]
    b.add_mount("/proc", "tmpfs", "tmpfs", ["size=1m"])
    assert "only a proc filesystem" in failed(pyrun, b).stderr


def test_a_bind_on_proc_must_bring_a_procfs_as_runc(pyrun, runc, bundle, tmp_path):
    """runc's checkProcMount: a bind onto /proc only of a procfs (the host's /proc, the rootless
    --pid=host shape); any other directory there would stand in for the container's /proc."""
    b = bundle()
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] != "/proc"]
    b.add_mount("/proc", "bind", str(tmp_path), ["rbind"])
    assert "only a proc filesystem" in failed(pyrun, b).stderr
    assert failed(runc, b).returncode != 0
    b.config["mounts"][-1]["source"] = "/proc"
    script = "test -e /proc/1/stat && echo proc"
    assert out(pyrun, b, script) == out(runc, b, script) == "proc\n"


def test_tmpcopyup_fills_the_tmpfs_with_what_it_covers(pyrun, bundle):
    b = bundle()
    base = os.path.join(b.rootfs, "seeded")
    os.makedirs(os.path.join(base, "sub"))
    with open(os.path.join(base, "sub", "f"), "w") as f:
        f.write("seed\n")
    os.chmod(os.path.join(base, "sub", "f"), 0o644)
    os.chown(os.path.join(base, "sub", "f"), 1000, 1000)
    os.symlink("sub/f", os.path.join(base, "link"))
    os.mkfifo(os.path.join(base, "fifo"))
    os.chmod(base, 0o751)
    b.add_mount("/seeded", "tmpfs", "tmpfs", ["tmpcopyup", "size=1m"])
    text = out(pyrun, b, "cat /seeded/link; stat -c '%n %a %u:%g %F' /seeded /seeded/sub/f /seeded/fifo; "
                         "readlink /seeded/link; echo new > /seeded/new; grep ' /seeded ' /proc/self/mountinfo")
    lines = text.splitlines()
    assert lines[:5] == ["seed", "/seeded 751 0:0 directory", "/seeded/sub/f 644 1000:1000 regular file",
                         "/seeded/fifo 644 0:0 fifo", "sub/f"]
    assert " - tmpfs " in lines[5]
    assert not os.path.exists(os.path.join(base, "new"))  # the write went to the tmpfs, not the rootfs


def test_tmpcopyup_does_not_copy_what_is_mounted_below(pyrun, bundle, tmp_path):
    """The copy stays on the covered directory's filesystem (cp -x): an earlier bind below it
    leaves its mount point, empty. Reached through a symlinked destination, the same walk would
    have copied a procfs's masked files (timer_list, kcore) into the tmpfs, readable."""
    b = bundle()
    os.makedirs(os.path.join(b.rootfs, "data", "sub"))
    with open(os.path.join(b.rootfs, "data", "kept"), "w") as f:
        f.write("kept\n")
    host = tmp_path / "host"
    host.mkdir()
    (host / "secret").write_text("secret\n")
    b.add_mount("/data/sub", "bind", str(host), ["bind"])
    b.add_mount("/data", "tmpfs", "tmpfs", ["tmpcopyup"])
    assert out(pyrun, b, "cat /data/kept; ls -A /data/sub; echo end") == "kept\nend\n"


def _owned_tree(base, host_mount=None):
    """base/root-file owned 0:0, base/user-file 1000:1000, and base/sub (a tmpfs if host_mount
    is given) with sub/f owned 0:0."""
    base.mkdir()
    for name, owner in (("root-file", 0), ("user-file", 1000)):
        (base / name).write_text(name)
        os.chown(base / name, owner, owner)
    (base / "sub").mkdir()
    if host_mount:
        host_mount("tmpfs", str(base / "sub"), "size=1m")
    (base / "sub" / "f").write_text("f")
    return base


MAP = [{"containerID": 0, "hostID": 100000, "size": 65536}]


def test_idmapped_bind_shows_shifted_owners(pyrun, bundle, tmp_path):
    src = _owned_tree(tmp_path / "owned")
    b = bundle()
    entry = b.add_mount("/v", "bind", str(src), ["rbind", "idmap"])
    entry["uidMappings"], entry["gidMappings"] = MAP, MAP
    assert out(pyrun, b, "stat -c '%n %u:%g' /v/root-file /v/user-file") == \
        "/v/root-file 100000:100000\n/v/user-file 101000:101000\n"
    assert os.stat(src / "root-file").st_uid == 0  # the files themselves are untouched


@pytest.mark.parametrize("option, sub_uid", [("idmap", "0"), ("ridmap", "100000")])
def test_idmap_and_ridmap_on_a_tree_with_a_submount(pyrun, bundle, tmp_path, host_mount, option, sub_uid):
    src = _owned_tree(tmp_path / "owned", host_mount)
    b = bundle()
    entry = b.add_mount("/v", "bind", str(src), ["rbind", option])
    entry["uidMappings"], entry["gidMappings"] = MAP, MAP
    assert out(pyrun, b, "stat -c %u /v/root-file /v/sub/f").split() == ["100000", sub_uid]


def test_idmap_of_a_non_bind_mount_is_refused(pyrun, bundle):
    b = bundle()
    entry = b.add_mount("/t", "tmpfs", "tmpfs", ["idmap"])
    entry["uidMappings"], entry["gidMappings"] = MAP, MAP
    assert "bind mounts only" in failed(pyrun, b).stderr


def test_idmap_without_any_mappings_is_refused(pyrun, bundle, tmp_path):
    b = bundle()
    b.add_mount("/v", "bind", str(tmp_path), ["rbind", "idmap"])
    assert "uidMappings" in failed(pyrun, b).stderr


def test_overlay_mount(pyrun, bundle, tmp_path):
    lower, upper, work = (tmp_path / n for n in ("lower", "upper", "work"))
    for d in (lower, upper, work):
        d.mkdir()
    (lower / "from-lower").write_text("lower\n")
    b = bundle()
    b.add_mount("/merged", "overlay", "overlay",
                [f"lowerdir={lower}", f"upperdir={upper}", f"workdir={work}"])
    assert out(pyrun, b, "cat /merged/from-lower; echo up > /merged/new; grep ' /merged ' /proc/self/mountinfo") \
        .startswith("lower\n")
    assert (upper / "new").read_text() == "up\n" and not (lower / "new").exists()


def test_atime_and_other_flag_options(pyrun, bundle):
    b = bundle()
    b.add_mount("/a", "tmpfs", "tmpfs", ["noatime", "nodiratime", "nosymfollow", "sync", "size=1m"])
    b.add_mount("/s", "tmpfs", "tmpfs", ["strictatime", "dirsync", "size=1m"])
    b.add_mount("/r", "tmpfs", "tmpfs", ["relatime", "size=1m"])
    b.add_mount("/w", "tmpfs", "tmpfs", ["ro", "rw", "nosuid", "suid", "size=1m"])  # a later option wins
    infos = parse_mountinfo(out(pyrun, b, "cat /proc/self/mountinfo"))
    a = mount_at(infos, "/a")
    assert {"noatime", "nodiratime", "nosymfollow"} <= a.options and "sync" in a.super_options
    s = mount_at(infos, "/s")
    assert not {"noatime", "relatime"} & s.options and "dirsync" in s.super_options
    assert "relatime" in mount_at(infos, "/r").options
    assert not {"ro", "nosuid"} & mount_at(infos, "/w").options


def test_acl_and_iversion_are_flags_not_data_as_runc(pyrun, runc, bundle):
    """runc takes acl/noacl (MS_POSIXACL) and iversion/noiversion (MS_I_VERSION) as flags; as
    filesystem data tmpfs refuses them (EINVAL)."""
    b = bundle()
    b.add_mount("/a", "tmpfs", "tmpfs", ["acl", "iversion", "size=1m"])
    b.add_mount("/n", "tmpfs", "tmpfs", ["noacl", "noiversion", "size=1m"])
    script = "grep -c -E ' /(a|n) ' /proc/self/mountinfo"
    assert out(pyrun, b, script) == out(runc, b, script) == "2\n"


def test_tmpcopyup_keeps_the_mode_option(pyrun, bundle):
    """podman --tmpfs /data:mode=1777 sends [mode=1777, tmpcopyup] for a /data the image lacks."""
    b = bundle()
    os.makedirs(os.path.join(b.rootfs, "existing"))
    os.chmod(os.path.join(b.rootfs, "existing"), 0o700)
    b.add_mount("/data", "tmpfs", "tmpfs", ["mode=1777", "rw", "rprivate", "nosuid", "nodev", "tmpcopyup"])
    b.add_mount("/existing", "tmpfs", "tmpfs", ["tmpcopyup"])
    b.process["user"] = {"uid": 1000, "gid": 1000}
    assert out(pyrun, b, "stat -c %a /data /existing; touch /data/d && echo wrote") == "1777\n700\nwrote\n"


def test_make_target_does_not_follow_a_directory_swapped_for_a_symlink(tmp_path, monkeypatch):
    """The race of a shared volume (CVE-2024-45310 in runc), made deterministic: right after the
    destination is resolved, a directory on its way becomes a symlink out of the rootfs. Nothing
    is made outside, and the walk fails naming the component."""
    from runtime.errors import SetupError
    from runtime.rootfs import paths
    root, outside = tmp_path / "rootfs", tmp_path / "outside"
    (root / "vol" / "shared").mkdir(parents=True)
    outside.mkdir()
    resolve = paths.secure_join

    def resolve_then_swap(r, dest):
        resolved = resolve(r, dest)
        swapped = root / "vol" / "shared"
        if not swapped.is_symlink():
            swapped.rmdir()
            swapped.symlink_to(outside)
        return resolved

    monkeypatch.setattr(paths, "secure_join", resolve_then_swap)
    for dest, is_dir in (("/vol/shared/a/b", True), ("/vol/shared/file", False)):
        with pytest.raises(SetupError, match="vol/shared is not a directory inside the rootfs"):
            paths.make_target(str(root), dest, is_dir)
        assert os.listdir(outside) == []
        (root / "vol" / "shared").unlink()        # a directory again, for the next swap
        (root / "vol" / "shared").mkdir()
