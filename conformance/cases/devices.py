"""Default and listed devices (config-linux.md#devices, #default-devices, runtime-linux.md's
/dev symbolic links) and the allowed-device list in the cgroup (config-linux.md#allowed-device-list)."""

from conformance import host
from conformance.cases.process import run_on_console
from conformance.registry import area, case

area("devices", "default and listed devices, device cgroup")

DEFAULT = {"/dev/null": (1, 3), "/dev/zero": (1, 5), "/dev/full": (1, 7), "/dev/random": (1, 8),
           "/dev/urandom": (1, 9), "/dev/tty": (5, 0)}


def _stat_script(paths):
    return "; ".join(f"stat -L -c '%n %F %t %T %a %u %g' {p} 2>/dev/null || echo '{p} missing'" for p in paths)


def _stats(out):
    found = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] == "missing":
            found[parts[0]] = None
        elif len(parts) >= 7:
            kind = " ".join(parts[1:-5])
            major, minor, mode, uid, gid = parts[-5:]
            found[parts[0]] = (kind, int(major, 16), int(minor, 16), mode, int(uid), int(gid))
    return found


@case("devices.default_nodes", "config-linux.md#default-devices", "MUST",
      "/dev/null, zero, full, random, urandom and tty exist as the right character devices")
def default_nodes(t):
    got = _stats(t.run(t.bundle(_stat_script(DEFAULT))).output())
    for path, (major, minor) in DEFAULT.items():
        st = got.get(path)
        t.check(st, f"{path} is missing")
        t.eq((st[0], st[1], st[2]), ("character special file", major, minor), f"{path} type and numbers")


@case("devices.default_usable", "config-linux.md#default-devices", "MUST",
      "the default devices can be used under a deny-all device list")
def default_usable(t):
    b = t.bundle("echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c "
                 "&& (echo x > /dev/full) 2>&1 | grep -c 'No space'")
    t.eq(t.run(b).output().split(), ["4", "4", "1"], "bytes from zero, urandom; ENOSPC from full")


@case("devices.ptmx", "config-linux.md#default-devices", "MUST",
      "/dev/ptmx is the container's /dev/pts/ptmx (a symlink or bind mount)")
def ptmx(t):
    # a bind mount of the container's pts/ptmx lives on the same devpts (same st_dev) as pts/ptmx
    b = t.bundle("readlink /dev/ptmx || stat -L -c '%d-%t:%T' /dev/ptmx; stat -c '%d-%t:%T' /dev/pts/ptmx")
    lines = t.run(b).output().split()
    t.check(lines and (lines[0] in ("pts/ptmx", "/dev/pts/ptmx") or lines[0] == lines[-1]),
            f"/dev/ptmx is neither a link to pts/ptmx nor the same devpts node: {lines}")


@case("devices.console_with_terminal", "config-linux.md#default-devices", "MUST",
      "/dev/console exists when terminal is true")
def console_with_terminal(t):
    out = run_on_console(t, t.bundle(), "stat -c '%F' /dev/console; echo END")
    t.check("character special file" in out, f"/dev/console inside a terminal container: {out!r}")


@case("devices.dev_symlinks", "runtime-linux.md#dev-symbolic-links", "MUST",
      "/dev/fd, /dev/stdin, /dev/stdout, /dev/stderr link to /proc/self/fd/…")
def dev_symlinks(t):
    b = t.bundle("for l in fd stdin stdout stderr; do echo $l=$(readlink /dev/$l); done")
    got = dict(line.split("=", 1) for line in t.run(b).output().split())
    want = {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1",
            "stderr": "/proc/self/fd/2"}
    t.eq(got, want, "/dev symbolic links")


@case("devices.listed_char", "config-linux.md#devices", "MUST",
      "a listed character device exists with its numbers, fileMode, uid and gid")
def listed_char(t):
    b = t.bundle(_stat_script(["/dev/mynull"]))
    b.linux["devices"] = [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3,
                           "fileMode": 0o640, "uid": 1000, "gid": 5}]
    st = _stats(t.run(b).output()).get("/dev/mynull")
    t.check(st, "/dev/mynull is missing")
    t.eq(st, ("character special file", 1, 3, "640", 1000, 5), "(type, major, minor, mode, uid, gid)")


@case("devices.listed_block", "config-linux.md#devices", "MUST",
      "a listed block device exists with its numbers")
def listed_block(t):
    b = t.bundle(_stat_script(["/dev/myloop"]))
    b.linux["devices"] = [{"path": "/dev/myloop", "type": "b", "major": 7, "minor": 200, "fileMode": 0o600}]
    st = _stats(t.run(b).output()).get("/dev/myloop")
    t.check(st, "/dev/myloop is missing")
    t.eq(st[:4], ("block special file", 7, 200, "600"), "(type, major, minor, mode)")


@case("devices.listed_outside_dev", "config-linux.md#devices", "MUST",
      "a listed device may live outside /dev")
def listed_outside_dev(t):
    b = t.bundle(_stat_script(["/opt/devs/null2"]))
    b.linux["devices"] = [{"path": "/opt/devs/null2", "type": "c", "major": 1, "minor": 3, "fileMode": 0o666}]
    st = _stats(t.run(b).output()).get("/opt/devs/null2")
    t.check(st and st[:3] == ("character special file", 1, 3), f"/opt/devs/null2: {st}")


@case("devices.listed_fifo", "config-linux.md#devices", "MUST",
      "a listed fifo ('p') exists")
def listed_fifo(t):
    b = t.bundle("stat -c %F /dev/myfifo")
    b.linux["devices"] = [{"path": "/dev/myfifo", "type": "p", "fileMode": 0o600}]
    t.eq(t.run(b).output().strip(), "fifo", "type of /dev/myfifo")


@case("devices.conflicting_file", "config-linux.md#devices", "MUST",
      "a regular file already at a listed device's path is an error")
def conflicting_file(t):
    b = t.bundle("true")
    b.write("/opt/notadevice", "plain file\n")
    b.linux["devices"] = [{"path": "/opt/notadevice", "type": "c", "major": 1, "minor": 3}]
    res, _ = t.try_create(b)
    t.refused(res, "a device path occupied by a regular file")


@case("devices.cgroup_deny_all", "config-linux.md#allowed-device-list", "MUST",
      "with a deny-all list, a device not allowed cannot be created or opened")
def cgroup_deny_all(t):
    b = t.bundle("mknod /tmp/mem c 1 1 2>/dev/null && echo made; head -c1 /tmp/mem >/dev/null 2>&1 && echo read || echo denied")
    b.process["capabilities"] = {k: ["CAP_MKNOD", "CAP_SYS_RAWIO", "CAP_DAC_OVERRIDE"]
                                 for k in ("bounding", "effective", "permitted")}
    t.eq(t.run(b).output().split()[-1], "denied", "opening /dev/mem (1:1) under deny-all")


@case("devices.cgroup_allow_rule", "config-linux.md#allowed-device-list", "MUST",
      "an allow rule after deny-all lets that device be created and used")
def cgroup_allow_rule(t):
    b = t.bundle("mknod /tmp/n c 1 3 && echo x > /tmp/n && echo usable")
    b.process["capabilities"] = {k: ["CAP_MKNOD"] for k in ("bounding", "effective", "permitted")}
    b.resources["devices"] = [{"allow": False, "access": "rwm"},
                              {"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]
    t.eq(t.run(b).output().strip(), "usable", "mknod and write of an allowed device")


@case("devices.cgroup_v1_list", "config-linux.md#allowed-device-list", "MUST",
      "the v1 devices.list of the container's cgroup holds the allowed entries (read on the host)")
def cgroup_v1_list(t):
    t.need_v1("devices")
    b = t.bundle("echo up; exec sleep 30")
    b.resources["devices"] = [{"allow": False, "access": "rwm"},
                              {"allow": True, "type": "c", "major": 10, "minor": 229, "access": "rw"}]
    c = t.create(b)
    d = host.cgroup_dir(c.pid, "devices")
    entries = host.read(f"{d}/devices.list").split("\n")
    t.check("c 10:229 rw" in entries, f"'c 10:229 rw' missing from devices.list: {entries}")
    t.check("a *:* rwm" not in entries, "devices.list still allows everything")
