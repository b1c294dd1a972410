"""Root and mounts (config.md#root, config.md#mounts, config-linux.md#default-filesystems,
config-linux.md#rootfs-mount-propagation): options, propagation, ordering, readonly, and the
tmpfs / bind / proc / sysfs / devpts / mqueue / cgroup types. The probe prints its own
/proc/self/mountinfo; the host side checks nothing reached the caller's mount table."""

import os

from conformance import host
from conformance.registry import area, case

area("mounts", "root and mounts")

MARK = "=====MOUNTINFO====="


def _mounts_inside(t, b, script=""):
    """Run `script`, then dump mountinfo; returns (script output, parsed mounts)."""
    b.sh(f"{script}\necho {MARK}; cat /proc/self/mountinfo")
    out = t.run(b).output()
    before, _, info = out.partition(MARK)
    return before, host.parse_mountinfo(info)


def _at(mounts, point):
    """The mount visible at `point` (the last one mounted there)."""
    hits = [m for m in mounts if m["point"] == point]
    return hits[-1] if hits else None


@case("mounts.root_readonly", "config.md#root", "MUST",
      "root.readonly true makes the root filesystem read-only inside")
def root_readonly(t):
    b = t.bundle()
    b.config["root"]["readonly"] = True
    out, mounts = _mounts_inside(t, b, "touch /written 2>/dev/null && echo wrote || echo refused")
    t.eq(out.strip(), "refused", "writing to / of a read-only root")
    t.check("ro" in _at(mounts, "/")["mount_options"], "the / mount is not ro")
    t.check(not os.path.exists(os.path.join(b.rootfs, "written")), "a file appeared in the rootfs")


@case("mounts.root_writable", "config.md#root", "MUST",
      "root.readonly false: the root is writable and writes land in root.path")
def root_writable(t):
    b = t.bundle("echo data > /written && echo wrote")
    t.eq(t.run(b).output().strip(), "wrote", "writing to /")
    with open(os.path.join(b.rootfs, "written")) as f:
        t.eq(f.read(), "data\n", "the file in the bundle's rootfs")


@case("mounts.root_absolute_path", "config.md#root", "MUST",
      "root.path may be an absolute path outside the bundle")
def root_absolute_path(t):
    b = t.bundle("cat /marker")
    elsewhere = os.path.join(t.workdir, "elsewhere-rootfs")
    os.rename(b.rootfs, elsewhere)
    with open(os.path.join(elsewhere, "marker"), "w") as f:
        f.write("absolute-root\n")
    b.config["root"]["path"] = elsewhere
    t.eq(t.run(b).output().strip(), "absolute-root", "a file from the absolute root.path")


@case("mounts.root_pivoted", "config.md#root", "MUST",
      "the container sees root.path as / and nothing of the host's root above it")
def root_pivoted(t):
    b = t.bundle("ls /; cat /proc/self/mountinfo | wc -l")
    marker = os.path.basename(t.workdir)
    out = t.run(b).output()
    t.check("busybox-marker" not in out and marker not in out, "host paths visible inside")
    names = set(out.split()[:-1])
    t.check({"bin", "etc", "proc"} <= names, f"/ inside does not look like the rootfs: {sorted(names)}")


@case("mounts.order", "config.md#mounts", "MUST",
      "mounts are made in the listed order (later mounts on top, nested ones inside earlier ones)")
def order(t):
    b = t.bundle()
    b.mount("/mnt/same", "tmpfs", "tmpfs", ["size=1m"])
    b.mount("/mnt/same", "tmpfs", "tmpfs", ["size=2m"])
    b.mount("/mnt/outer", "tmpfs", "tmpfs", ["size=1m"])
    b.mount("/mnt/outer/inner", "tmpfs", "tmpfs", ["size=3m"])
    _, mounts = _mounts_inside(t, b)
    top = _at(mounts, "/mnt/same")
    t.check(top and "size=2048k" in top["options"], f"top mount at /mnt/same: {top and sorted(top['options'])}")
    inner = _at(mounts, "/mnt/outer/inner")
    outer = _at(mounts, "/mnt/outer")
    t.check(inner and outer, "/mnt/outer or /mnt/outer/inner is not mounted")
    t.eq(inner["parent"], outer["mount_id"], "parent of /mnt/outer/inner is /mnt/outer")


@case("mounts.tmpfs_options", "config.md#mounts", "MUST",
      "tmpfs mount options (nosuid, nodev, noexec, size, mode) are applied")
def tmpfs_options(t):
    b = t.bundle()
    b.mount("/mnt/t", "tmpfs", "tmpfs", ["nosuid", "nodev", "noexec", "size=1m", "mode=0700"])
    out, mounts = _mounts_inside(t, b, "stat -c %a /mnt/t")
    m = _at(mounts, "/mnt/t")
    t.check(m and m["fstype"] == "tmpfs", "/mnt/t is not a tmpfs")
    missing = {"nosuid", "nodev", "noexec", "size=1024k", "mode=700"} - m["options"]
    t.check(not missing, f"options missing on /mnt/t: {sorted(missing)}")
    t.eq(out.strip(), "700", "mode of /mnt/t")


@case("mounts.noexec_enforced", "config.md#mounts", "MUST",
      "a noexec mount refuses to execute programs")
def noexec_enforced(t):
    b = t.bundle()
    b.mount("/mnt/t", "tmpfs", "tmpfs", ["noexec"])
    b.sh("cp /bin/busybox /mnt/t/bb && /mnt/t/bb true && echo executed || echo refused")
    t.eq(t.run(b).output().strip().splitlines()[-1], "refused", "executing from a noexec tmpfs")


def _share(t, content="from-host\n"):
    d = os.path.join(t.workdir, "share")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "file"), "w") as f:
        f.write(content)
    return d


@case("mounts.bind", "config.md#mounts", "MUST",
      "a bind mount shows the host directory; writes through it reach the host")
def bind(t):
    d = _share(t)
    b = t.bundle("cat /mnt/share/file; echo back > /mnt/share/back")
    b.mount("/mnt/share", "bind", d, ["rbind", "rw"])
    t.eq(t.run(b).output(), "from-host\n", "file read through the bind mount")
    with open(os.path.join(d, "back")) as f:
        t.eq(f.read(), "back\n", "file written through the bind mount, read on the host")


@case("mounts.bind_readonly", "config.md#mounts", "MUST",
      "a bind mount with 'ro' is read-only inside")
def bind_readonly(t):
    d = _share(t)
    b = t.bundle()
    b.mount("/mnt/share", "none", d, ["bind", "ro"])
    out, mounts = _mounts_inside(t, b, "echo x > /mnt/share/file 2>/dev/null && echo wrote || echo refused")
    t.eq(out.strip(), "refused", "writing through a ro bind mount")
    t.check("ro" in _at(mounts, "/mnt/share")["mount_options"], "/mnt/share is not ro")
    with open(os.path.join(d, "file")) as f:
        t.eq(f.read(), "from-host\n", "host file after the refused write")


@case("mounts.bind_file", "config.md#mounts", "MUST",
      "a single file can be bind-mounted (its destination is created as a file)")
def bind_file(t):
    d = _share(t, "single-file\n")
    b = t.bundle("cat /etc/bound.conf")
    b.mount("/etc/bound.conf", "bind", os.path.join(d, "file"), ["bind", "ro"])
    t.eq(t.run(b).output(), "single-file\n", "content of the bind-mounted file")


@case("mounts.destination_created", "config.md#mounts", "SHOULD",
      "a destination missing in the rootfs is created (nested directories too)")
def destination_created(t):
    b = t.bundle()
    b.mount("/new/deep/dir", "tmpfs", "tmpfs", ["size=1m"])
    _, mounts = _mounts_inside(t, b)
    t.check(_at(mounts, "/new/deep/dir"), "nothing mounted at /new/deep/dir")


@case("mounts.proc", "config-linux.md#default-filesystems", "SHOULD",
      "/proc is a proc filesystem of the container's pid namespace")
def proc(t):
    out, mounts = _mounts_inside(t, t.bundle(), "ls /proc | grep -c '^[0-9]'")
    m = _at(mounts, "/proc")
    t.check(m and m["fstype"] == "proc", "/proc is not a proc mount")
    t.check(int(out.split()[0]) < 10, f"/proc shows {out.split()[0]} processes: not the container's pid namespace")


@case("mounts.sysfs", "config-linux.md#default-filesystems", "SHOULD",
      "/sys is a sysfs, read-only when asked")
def sysfs(t):
    _, mounts = _mounts_inside(t, t.bundle())
    m = _at(mounts, "/sys")
    t.check(m and m["fstype"] == "sysfs", "/sys is not a sysfs mount")
    t.check("ro" in m["mount_options"], "/sys is not read-only although the mount asked for ro")


@case("mounts.devpts", "config-linux.md#default-filesystems", "SHOULD",
      "/dev/pts is a new devpts instance with the given options")
def devpts(t):
    out, mounts = _mounts_inside(t, t.bundle(), "ls /dev/pts")
    m = _at(mounts, "/dev/pts")
    t.check(m and m["fstype"] == "devpts", "/dev/pts is not a devpts mount")
    missing = {"gid=5", "mode=620", "ptmxmode=666"} - m["options"]
    t.check(not missing, f"devpts options missing: {sorted(missing)}")
    t.eq(out.split(), ["ptmx"], "entries of a fresh devpts instance")


@case("mounts.shm_mqueue", "config-linux.md#default-filesystems", "SHOULD",
      "/dev/shm is a tmpfs and /dev/mqueue an mqueue filesystem")
def shm_mqueue(t):
    _, mounts = _mounts_inside(t, t.bundle())
    shm, mq = _at(mounts, "/dev/shm"), _at(mounts, "/dev/mqueue")
    t.check(shm and shm["fstype"] == "tmpfs", "/dev/shm is not a tmpfs")
    t.check(mq and mq["fstype"] == "mqueue", "/dev/mqueue is not an mqueue mount")


@case("mounts.cgroup", "config.md#mounts", "MUST",
      "a 'cgroup' mount at /sys/fs/cgroup shows the container's own cgroups, read-only")
def cgroup_mount(t):
    b = t.bundle()
    b.mount("/sys/fs/cgroup", "cgroup", "cgroup", ["nosuid", "noexec", "nodev", "relatime", "ro"])
    b.namespace("cgroup")
    out, mounts = _mounts_inside(t, b, "ls /sys/fs/cgroup; touch /sys/fs/cgroup/x 2>/dev/null && echo wrote || echo refused")
    names = out.split()
    t.eq(names[-1], "refused", "writing under /sys/fs/cgroup")
    if host.cgroup_version() == "v2":
        t.check("cgroup.controllers" in names, f"/sys/fs/cgroup has no cgroup.controllers: {names}")
    else:
        t.check("memory" in names or "pids" in names, f"/sys/fs/cgroup has no v1 controllers: {names}")


@case("mounts.propagation_shared", "config.md#mounts", "MUST",
      "a mount with the 'rshared' option is shared (has a peer group)")
def propagation_shared(t):
    b = t.bundle()
    b.mount("/mnt/sh", "tmpfs", "tmpfs", ["size=1m", "rshared"])
    _, mounts = _mounts_inside(t, b)
    m = _at(mounts, "/mnt/sh")
    t.check(m and any(o.startswith("shared:") for o in m["optional"]), f"/mnt/sh is not shared: {m and m['optional']}")


@case("mounts.propagation_private", "config.md#mounts", "MUST",
      "a mount with 'rprivate' has no peer group")
def propagation_private(t):
    d = _share(t)
    b = t.bundle()
    b.mount("/mnt/share", "bind", d, ["rbind", "rprivate"])
    _, mounts = _mounts_inside(t, b)
    m = _at(mounts, "/mnt/share")
    t.check(m and not m["optional"], f"/mnt/share propagation: {m and m['optional']}")


@case("mounts.rootfs_propagation", "config-linux.md#rootfs-mount-propagation", "MUST",
      "rootfsPropagation 'shared' puts the rootfs mount in a peer group")
def rootfs_propagation(t):
    b = t.bundle()
    b.linux["rootfsPropagation"] = "shared"
    _, mounts = _mounts_inside(t, b)
    m = _at(mounts, "/")
    t.check(m and any(o.startswith("shared:") for o in m["optional"]), f"/ propagation: {m and m['optional']}")


@case("mounts.not_in_caller", "config-linux.md#namespaces", "MUST",
      "with a mount namespace, the container's mounts never appear in the runtime's mount table")
def not_in_caller(t):
    b = t.bundle("echo up; exec sleep 30")
    b.mount("/mnt/t", "tmpfs", "tmpfs", ["size=1m"])
    before = [(m["point"], m["fstype"]) for m in host.mountinfo()]
    c = t.create(b)
    c.start()
    c.wait_output("up")
    after = [(m["point"], m["fstype"]) for m in host.mountinfo()]
    leaked = [p for p, _ in after if p.startswith(b.path)]
    t.check(not leaked, f"container mounts in the caller's table: {leaked[:4]}")
    # A mount whose mount point another namespace deleted meanwhile is detached here by the kernel
    # (other tests on the host do that): only a mount point that still exists counts as removed.
    gone = [f"{p} ({fs})" for p, fs in before if (p, fs) not in after and os.path.exists(p)]
    new = [f"{p} ({fs})" for p, fs in after if (p, fs) not in before]
    t.check(not gone and not new, f"the caller's mount table changed: gone {gone[:4]}, new {new[:4]}")


@case("mounts.no_mount_ns_cleanup", "runtime.md#delete", "MUST",
      "without a mount namespace, delete leaves the runtime's mount table as it was")
def no_mount_ns_cleanup(t):
    b = t.bundle("true")
    b.drop_namespace("mount")
    before = sorted(m["point"] for m in host.mountinfo())
    res, c = t.try_create(b)
    if res.rc != 0:
        t.note(f"refused a config without a mount namespace: {res.why()}")
    else:
        # whatever happens to the container, what matters here is the mount table afterwards
        t.rt("start", c.id)
        try:
            c.wait(5)
        except AssertionError as e:
            t.note(f"waiting for the container: {e}")
        t.rt("delete", "--force", c.id)
    after = sorted(m["point"] for m in host.mountinfo())
    extra = [p for p in after if p not in before]
    t.check(not extra, f"mounts left in the runtime's namespace: {extra[:4]}")


@case("mounts.no_namespaces_cleanup", "runtime.md#delete", "MUST",
      "with no namespaces at all, delete leaves the runtime's mount table as it was")
def no_namespaces_cleanup(t):
    b = t.bundle("true")
    b.linux["namespaces"] = []
    b.config.pop("hostname", None)
    # nothing that needs a mount namespace, so a runtime has no reason to refuse
    b.config["mounts"] = []
    b.linux["maskedPaths"] = []
    b.linux["readonlyPaths"] = []
    before = sorted(m["point"] for m in host.mountinfo())
    res, c = t.try_create(b)
    if res.rc != 0:
        t.note(f"refused a config without namespaces: {res.why()}")
    else:
        t.rt("start", c.id)
        try:
            c.wait(5)
        except AssertionError as e:
            t.note(f"waiting for the container: {e}")
        t.rt("delete", "--force", c.id)
    extra = [p for p in sorted(m["point"] for m in host.mountinfo()) if p not in before]
    t.check(not extra, f"mounts left in the runtime's namespace: {extra[:4]}")


def _share_with_submount(t):
    """A host dir with a tmpfs mounted below it (in the case's own private mount namespace)."""
    import subprocess
    d = _share(t)
    sub = os.path.join(d, "sub")
    os.makedirs(sub)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "cf-sub", sub], check=True)
    with open(os.path.join(sub, "in-submount"), "w") as f:
        f.write("x")
    return d


@case("mounts.rbind_recursive", "config.md#mounts", "MUST",
      "'rbind' brings the source's submounts along")
def rbind_recursive(t):
    d = _share_with_submount(t)
    b = t.bundle()
    b.mount("/mnt/share", "bind", d, ["rbind"])
    out, _ = _mounts_inside(t, b, "ls /mnt/share/sub")
    t.eq(out.split(), ["in-submount"], "entries of /mnt/share/sub (a submount of the source)")


@case("mounts.bind_not_recursive", "config.md#mounts", "MUST",
      "plain 'bind' does not bring the source's submounts")
def bind_not_recursive(t):
    d = _share_with_submount(t)
    b = t.bundle()
    b.mount("/mnt/share", "bind", d, ["bind"])
    out, _ = _mounts_inside(t, b, "ls /mnt/share/sub")
    t.eq(out.split(), [], "entries of /mnt/share/sub (the directory under the submount)")
