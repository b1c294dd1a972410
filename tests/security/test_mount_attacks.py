"""The container boundary around mounts, masked/readonly paths, /dev and the console, attacked:
each test builds a rootfs (and sometimes a config.json) an untrusted image or user could supply
and looks at the host (files, directories, the host's mount table, core_pattern) or at what the
container can reach. Each fails if the defence it names regresses.
"""

import os

import pytest

from testlib import console_server, leftovers, needs_root, read_pty

pytestmark = needs_root

CORE_PATTERN = "/proc/sys/kernel/core_pattern"


# ---------------------------------------------------------------------------------------------
# helpers


def _read(path):
    with open(path) as f:
        return f.read()


def _host_mounts():
    """The host's mount points (field 5 of mountinfo), as a sorted list."""
    with open("/proc/self/mountinfo") as f:
        return sorted(line.split()[4] for line in f)


def _escape(host_path):
    """A symlink target that reaches host_path if it is ever followed on the host (from the
    rootfs, however deep it is), and stays a plain path inside the rootfs when resolved there."""
    return "/../../../../../../../../../.." + host_path


def _without(config, *destinations):
    config["mounts"] = [m for m in config["mounts"] if m["destination"] not in destinations]


def _run(rt, bundle, check=False):
    bundle.save()
    return rt("run", "-b", bundle.path, rt.new_id(), check=check)


def _refused(pyrun, bundle):
    """A run that must fail, leaving nothing of the container: state dir, process, mount, cgroup."""
    bundle.save()
    cid = pyrun.new_id()
    proc = pyrun("run", "-b", bundle.path, cid, check=False)
    assert proc.returncode != 0, proc.stdout
    assert leftovers(pyrun, cid, bundle) == []
    return proc


class HostWatch:
    """What must not change on the host while an attack runs: core_pattern, the host's mount
    table, and the bait files/directories (their existence and contents)."""

    def __init__(self, tmp_path):
        self.dir = str(tmp_path / "host-evil")          # must never be created
        self.file = str(tmp_path / "host-file")         # must keep its contents and stay a plain file
        with open(self.file, "w") as f:
            f.write("host data\n")
        self.core = _read(CORE_PATTERN)
        self.mounts = _host_mounts()

    def check(self):
        problems = []
        if os.path.lexists(self.dir):
            problems.append(f"{self.dir} was created on the host: {os.listdir(self.dir)}")
        if _read(self.file) != "host data\n" or not os.path.isfile(self.file):
            problems.append(f"{self.file} changed on the host")
        if _read(CORE_PATTERN) != self.core:
            problems.append(f"host core_pattern changed to {_read(CORE_PATTERN)!r}")
        now = _host_mounts()
        if now != self.mounts:
            problems.append(f"host mount table changed: +{sorted(set(now) - set(self.mounts))} "
                            f"-{sorted(set(self.mounts) - set(now))}")
        assert problems == []


@pytest.fixture
def host(tmp_path):
    watch = HostWatch(tmp_path)
    yield watch
    if _read(CORE_PATTERN) != watch.core:         # never leave the host broken
        with open(CORE_PATTERN, "w") as f:
            f.write(watch.core)


def _run_with_console(rt, bundle, tmp_path, until=b"done"):
    """create with a console socket, start, and read the pty until `until`; (create result, output)."""
    bundle.config["process"]["terminal"] = True
    bundle.save()
    sock = str(tmp_path / "console.sock")
    thread, received = console_server(sock)
    cid = rt.new_id()
    created = rt("create", "-b", bundle.path, "--console-socket", sock, cid, check=False)
    thread.join(10)
    if created.returncode != 0:
        for fd in received["fds"]:
            os.close(fd)
        return created, b""
    master = received["fds"][0]
    try:
        rt("start", cid)
        output = read_pty(master, until)
    finally:
        os.close(master)
    return created, output


# ---------------------------------------------------------------------------------------------
# 1. CVE-2025-31133: maskedPaths bind the container's /dev/null; readonly/masked paths as symlinks


@pytest.mark.parametrize("null_link", ["/proc/sys/kernel/core_pattern", "host-file"])
def test_image_dev_null_symlink_is_replaced_before_masking(pyrun, make_bundle, host, null_link):
    """The image's own /dev (no /dev tmpfs in the config) ships /dev/null as a symlink to
    core_pattern or to a host file: the null device is made at its own name and masking binds it."""
    b = make_bundle()
    _without(b.config, "/dev")
    dev = os.path.join(b.rootfs, "dev")
    os.symlink(_escape(host.file) if null_link == "host-file" else null_link, os.path.join(dev, "null"))
    os.symlink(CORE_PATTERN, os.path.join(dev, "zero"))
    b.config["process"]["args"] = ["sh", "-c", "echo pwned > /dev/null; echo pwned > /dev/zero; "
                                   "stat -c '%F %t:%T' /dev/null; cat /proc/keys | wc -c"]
    proc = _run(pyrun, b, check=True)
    assert proc.stdout.split("\n")[:2] == ["character special file 1:3", "0"]
    host.check()


def test_dev_bound_from_the_bundle_with_a_null_symlink_is_refused(pyrun, make_bundle, host):
    """/dev is a bind of a bundle directory whose null is a symlink to core_pattern: runc 1.1.5
    binds core_pattern over every masked path (CVE-2025-31133); pyrun must refuse the create."""
    b = make_bundle()
    _without(b.config, "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue")
    devdir = os.path.join(b.path, "devdir")
    os.makedirs(devdir)
    os.symlink(CORE_PATTERN, os.path.join(devdir, "null"))
    b.config["mounts"].insert(1, {"destination": "/dev", "type": "bind", "source": devdir,
                                  "options": ["rbind"]})
    b.config["process"]["args"] = ["sh", "-c", "cat /proc/keys"]
    proc = _run(pyrun, b)
    assert proc.returncode != 0 and "null device" in proc.stderr, proc.stdout + proc.stderr
    host.check()


def test_masked_and_readonly_paths_that_are_symlinks_out_of_the_rootfs(pyrun, make_bundle, host):
    """/sys from a bundle directory whose firmware is a symlink to a host directory, and extra
    maskedPaths/readonlyPaths entries that are symlinks to host paths: nothing on the host is
    masked, made read-only, created or mounted on, and the masked names show nothing."""
    b = make_bundle()
    os.makedirs(host.dir + "-target")
    with open(os.path.join(host.dir + "-target", "secret"), "w") as f:
        f.write("host secret\n")
    _without(b.config, "/sys", "/sys/fs/cgroup")
    sysdir = os.path.join(b.path, "sysdir")
    os.makedirs(sysdir)
    os.symlink(_escape(host.dir + "-target"), os.path.join(sysdir, "firmware"))
    b.config["mounts"].append({"destination": "/sys", "type": "bind", "source": sysdir, "options": ["rbind"]})
    os.symlink(_escape(host.file), os.path.join(b.rootfs, "etc", "mask-me"))
    os.symlink(_escape(host.dir + "-target"), os.path.join(b.rootfs, "etc", "ro-me"))
    b.config["linux"]["maskedPaths"].append("/etc/mask-me")
    b.config["linux"]["readonlyPaths"].append("/etc/ro-me")
    b.config["process"]["args"] = ["sh", "-c", "cat /sys/firmware/secret /etc/mask-me /etc/ro-me/secret; true"]
    proc = _run(pyrun, b)
    assert "host" not in proc.stdout
    assert _read(os.path.join(host.dir + "-target", "secret")) == "host secret\n"
    host.check()


# ---------------------------------------------------------------------------------------------
# 2. CVE-2025-52565: the console bound over /dev/console


@pytest.mark.parametrize("console_link", ["host-file", CORE_PATTERN, "../../../../../../../../etc/hostname"])
def test_console_symlink_in_the_image_stays_inside(pyrun, make_bundle, host, tmp_path, console_link):
    """The image's /dev (no /dev tmpfs) has /dev/console as a symlink to a host file, to
    core_pattern, or up and out: the pty slave is bound inside the rootfs only, the host's
    file and core_pattern are untouched, and the container's /dev/console is not a host file."""
    b = make_bundle()
    _without(b.config, "/dev")
    link = _escape(host.file) if console_link == "host-file" else console_link
    os.symlink(link, os.path.join(b.rootfs, "dev", "console"))
    b.config["process"]["args"] = ["sh", "-c", "echo pwned > /dev/console; cat /dev/console </dev/null & "
                                   "echo done"]
    hostname = _read("/etc/hostname")
    created, output = _run_with_console(pyrun, b, tmp_path)
    assert b"host data" not in output
    host.check()
    assert _read("/etc/hostname") == hostname and os.path.isfile("/etc/hostname")


def test_dev_symlinked_out_of_the_rootfs_with_a_console(pyrun, make_bundle, host, tmp_path):
    """/dev itself is a symlink out of the rootfs (the default /dev tmpfs stays in the config):
    the tmpfs, devices, devpts and the console all land inside the rootfs."""
    b = make_bundle()
    os.rmdir(os.path.join(b.rootfs, "dev"))
    os.symlink(_escape(host.dir), os.path.join(b.rootfs, "dev"))
    b.config["process"]["args"] = ["sh", "-c", "tty; echo done"]
    created, output = _run_with_console(pyrun, b, tmp_path)
    assert created.returncode == 0, created.stderr
    assert b"/pts/" in output and b"done" in output
    host.check()
    assert os.path.isdir(os.path.join(b.rootfs, host.dir.lstrip("/")))


# ---------------------------------------------------------------------------------------------
# 3. CVE-2019-19921 / CVE-2019-16884 / CVE-2023-27561: /proc as a symlink, mounts into /proc


def test_proc_in_the_image_as_a_symlink_is_refused_as_runc_does(pyrun, runc, make_bundle):
    """An image whose /proc is a symlink: procfs, and the masked paths with it, would follow it
    out of reach of the rule that nothing is mounted inside /proc (see the next test). Refused,
    as runc 1.1.5 does ('filesystem "proc" must be mounted on ordinary directory')."""
    b = make_bundle()
    os.rmdir(os.path.join(b.rootfs, "proc"))
    os.makedirs(os.path.join(b.rootfs, "tmp", "x"))
    os.symlink("/tmp/x", os.path.join(b.rootfs, "proc"))
    b.config["process"]["args"] = ["true"]
    assert _run(runc, b).returncode != 0
    assert 'filesystem "proc" must be mounted on ordinary directory' in _refused(pyrun, b).stderr


def test_mount_into_procfs_through_a_symlinked_proc_is_refused(pyrun, make_bundle, tmp_path):
    """With the image's /proc a symlink to /tmp/x, a config mount at /proc/sys/kernel/domainname
    (refused with a real /proc directory, see test_config_mounts.py::test_mount_inside_proc_is_refused)
    resolves to /tmp/x/sys/kernel/domainname: it must not land on the procfs there."""
    src = tmp_path / "fake"
    src.write_text("covered\n")
    b = make_bundle()
    os.rmdir(os.path.join(b.rootfs, "proc"))
    os.makedirs(os.path.join(b.rootfs, "tmp", "x"))
    os.symlink("/tmp/x", os.path.join(b.rootfs, "proc"))
    b.config["mounts"].append({"destination": "/proc/sys/kernel/domainname", "type": "bind",
                               "source": str(src), "options": ["bind"]})
    b.config["process"]["args"] = ["sh", "-c", "cat /proc/sys/kernel/domainname"]
    proc = _refused(pyrun, b)
    assert "/proc" in proc.stderr, f"a mount landed on the procfs through the /proc symlink: {proc.stdout!r}"


def test_cgroup_mount_inside_proc_is_refused(pyrun, make_bundle):
    """A cgroup mount at /proc/sys/kernel would cover the sysctls with a tmpfs of cgroup
    hierarchies, against the rule that config.json may not mount inside /proc (runc 1.1.5 lets
    this one through)."""
    b = make_bundle()
    b.config["mounts"].append({"destination": "/proc/sys/kernel", "type": "cgroup", "source": "cgroup",
                               "options": ["nosuid", "noexec", "nodev", "ro"]})
    b.config["process"]["args"] = ["sh", "-c", "ls /proc/sys/kernel"]
    proc = _refused(pyrun, b)
    assert "/proc" in proc.stderr, f"cgroup mounted over /proc/sys/kernel: {proc.stdout!r}"


def test_proc_symlinked_under_dev_does_not_leave_procfs_unmasked(pyrun, make_bundle, host):
    """The image's /proc points under /dev: procfs is covered by the /dev tmpfs mounted after it,
    the masked paths are skipped (ENOENT), but no procfs is reachable either, and the host's
    sysctls stay untouched."""
    b = make_bundle()
    os.rmdir(os.path.join(b.rootfs, "proc"))
    os.symlink("/dev/p", os.path.join(b.rootfs, "proc"))
    b.config["process"]["args"] = ["sh", "-c", "cat /proc/keys; echo |pwned > /proc/sys/kernel/core_pattern; "
                                   "grep -c ' proc ' /dev/p/mounts /etc/mtab; true"]
    proc = _run(pyrun, b)
    assert " proc " not in proc.stdout
    host.check()


# ---------------------------------------------------------------------------------------------
# 4. Mount destinations through symlinks; bind sources that are symlinks


@pytest.mark.parametrize("kind", ["tmpfs", "dir-bind", "file-bind"])
@pytest.mark.parametrize("how", ["absolute-link", "relative-link", "dotdot"])
def test_mount_destination_never_reaches_the_host(pyrun, make_bundle, host, tmp_path, kind, how):
    b = make_bundle()
    src_dir = tmp_path / "srcdir"
    src_dir.mkdir()
    (src_dir / "payload").write_text("payload\n")
    if how == "dotdot":
        dest = "/../../../../../../../.." + (host.dir if kind != "file-bind" else host.file)
    else:
        target = host.dir if kind != "file-bind" else host.file
        link = _escape(target) if how == "absolute-link" else os.path.relpath(target, os.path.join(b.rootfs))
        os.symlink(link, os.path.join(b.rootfs, "a"))
        dest = "/a" if kind == "file-bind" else "/a/b"
    if kind == "tmpfs":
        entry = {"destination": dest, "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}
    elif kind == "dir-bind":
        entry = {"destination": dest, "type": "bind", "source": str(src_dir), "options": ["rbind"]}
    else:
        entry = {"destination": dest, "type": "bind", "source": str(src_dir / "payload"), "options": ["bind"]}
    b.config["mounts"].append(entry)
    b.config["process"]["args"] = ["true"]
    _run(pyrun, b, check=True)
    host.check()


def test_bind_source_symlink_in_the_bundle_is_followed_as_runc_does(pyrun, runc, make_bundle, tmp_path):
    """A bind source inside the bundle that is a symlink (to a host directory) is followed on the
    host by both runtimes: pyrun shows exactly what runc shows, no more."""
    target = tmp_path / "vol-target"
    target.mkdir()
    (target / "seen").write_text("x")
    b = make_bundle()
    os.symlink(str(target), os.path.join(b.path, "vol"))
    b.config["mounts"].append({"destination": "/vol", "type": "bind", "source": "vol", "options": ["rbind"]})
    b.config["process"]["args"] = ["sh", "-c", "ls -a /vol; readlink /vol; stat -c %F /vol"]
    assert _run(pyrun, b, check=True).stdout == _run(runc, b, check=True).stdout


# ---------------------------------------------------------------------------------------------
# 5. tmpfs tmpcopyup; cgroup mounts under a symlinked /sys/fs/cgroup


def test_tmpcopyup_through_a_symlink_out_of_the_rootfs(pyrun, make_bundle, host):
    """tmpcopyup on a destination the image made a symlink out of the rootfs: the tmpfs and the
    copy stay inside the rootfs (the host directory is neither created nor read)."""
    b = make_bundle()
    os.symlink(_escape(host.dir), os.path.join(b.rootfs, "cu"))
    b.config["mounts"].append({"destination": "/cu", "type": "tmpfs", "source": "tmpfs",
                               "options": ["tmpcopyup", "size=1m"]})
    b.config["process"]["args"] = ["true"]
    _run(pyrun, b, check=True)
    host.check()


def test_cgroup_mount_under_a_symlinked_sys_fs_cgroup(pyrun, make_bundle, host):
    """No sysfs in the config, and the image's /sys/fs/cgroup is a symlink out of the rootfs: the
    cgroup tree is built inside the rootfs, nothing on the host."""
    b = make_bundle()
    _without(b.config, "/sys")
    os.makedirs(os.path.join(b.rootfs, "sys", "fs"))
    os.symlink(_escape(host.dir), os.path.join(b.rootfs, "sys", "fs", "cgroup"))
    b.config["process"]["args"] = ["sh", "-c", "ls /sys/fs/cgroup/"]
    _run(pyrun, b, check=True)
    host.check()


# ---------------------------------------------------------------------------------------------
# 6. Devices when the image's /dev or its nodes are symlinks


def test_devices_through_a_symlinked_dev_stay_inside(pyrun, make_bundle, host):
    """No /dev tmpfs: the image's /dev is a symlink out of the rootfs and a linux.devices entry is
    asked for; the default devices and the entry are made inside the rootfs, none on the host."""
    b = make_bundle()
    _without(b.config, "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue")
    os.rmdir(os.path.join(b.rootfs, "dev"))
    os.symlink(_escape(host.dir), os.path.join(b.rootfs, "dev"))
    b.config["linux"]["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229,
                                     "fileMode": 0o666, "uid": 0, "gid": 0}]
    b.config["process"]["args"] = ["sh", "-c", "ls /dev"]
    proc = _run(pyrun, b, check=True)
    assert "fuse" in proc.stdout and "null" in proc.stdout
    host.check()


@pytest.mark.parametrize("name", ["null", "tty", "fuse"])
def test_device_node_symlink_to_a_host_file_is_replaced(pyrun, make_bundle, host, name):
    """The image's /dev/<name> is a symlink to a host file (no /dev tmpfs): the node replaces the
    link (a listed device that exists and is not the device is refused) and the host file keeps
    its type, mode and owner."""
    b = make_bundle()
    _without(b.config, "/dev")
    os.symlink(_escape(host.file), os.path.join(b.rootfs, "dev", name))
    if name == "fuse":
        b.config["linux"]["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229,
                                         "fileMode": 0o4777, "uid": 1000, "gid": 1000}]
    st = os.stat(host.file)
    b.config["process"]["args"] = ["true"]
    _run(pyrun, b)
    after = os.stat(host.file)
    assert (after.st_mode, after.st_uid, after.st_gid) == (st.st_mode, st.st_uid, st.st_gid)
    host.check()
