"""The process object (config.md#process, config-linux.md for Linux process fields): args, env,
cwd, user, umask, additionalGids, rlimits, capabilities, noNewPrivileges, oomScoreAdj, terminal
and console socket. Observed by the probe inside and from /proc on the host."""

import os
import socket
import threading
import time

from conformance.registry import area, case

area("process", "process fields")


def _out(t, b):
    return t.run(b).output()


@case("process.args", "config.md#process", "MUST",
      "args are passed exactly (spaces, globs and empty strings untouched)")
def args(t):
    b = t.bundle()
    b.args("sh", "-c", 'for a in "$@"; do echo "[$a]"; done', "argv0", "a b", "*", "", "$HOME")
    t.eq(_out(t, b).splitlines(), ["[a b]", "[*]", "[]", "[$HOME]"], "arguments seen by the program")


@case("process.args_path_lookup", "config.md#process", "MUST",
      "args[0] without a slash is looked up in the PATH of process.env (execvp semantics)")
def args_path_lookup(t):
    b = t.bundle()
    b.write("/opt/tools/mytool", "#!/bin/sh\necho found-on-path\n", 0o755)
    b.args("mytool")
    b.env("PATH", "/opt/tools:/bin")
    t.eq(_out(t, b).strip(), "found-on-path", "output of a program found through PATH")


@case("process.env", "config.md#process", "MUST",
      "the program's environment holds the configured env entries")
def env(t):
    b = t.bundle("env")
    b.env("CONF_A", "one two").env("CONF_EMPTY", "").env("CONF_EQ", "a=b")
    lines = _out(t, b).splitlines()
    for want in ("CONF_A=one two", "CONF_EMPTY=", "CONF_EQ=a=b"):
        t.check(want in lines, f"{want!r} missing from the program's environment")


@case("process.env_not_inherited", "config.md#process", "compat",
      "the runtime's own environment does not leak into the program")
def env_not_inherited(t):
    os.environ["CONFORMANCE_HOST_ONLY"] = "leaked"
    try:
        out = _out(t, t.bundle("env"))
    finally:
        del os.environ["CONFORMANCE_HOST_ONLY"]
    t.check("CONFORMANCE_HOST_ONLY" not in out, "the runtime's environment leaked into the container")


@case("process.cwd", "config.md#process", "MUST",
      "the program starts in cwd")
def cwd(t):
    b = t.bundle("pwd")
    b.process["cwd"] = "/tmp"
    t.eq(_out(t, b).strip(), "/tmp", "working directory")


@case("process.user_uid_gid", "config.md#posix-platform-user", "MUST",
      "the program runs with user.uid and user.gid (real and effective)")
def user_uid_gid(t):
    b = t.bundle("grep -E '^(Uid|Gid):' /proc/self/status")
    b.process["user"] = {"uid": 1000, "gid": 1001}
    lines = [ln.split()[1:] for ln in _out(t, b).splitlines()]
    t.eq(lines, [["1000"] * 4, ["1001"] * 4], "Uid and Gid (real, effective, saved, fs)")


@case("process.additional_gids", "config.md#posix-platform-user", "MUST",
      "the program's supplementary groups are exactly additionalGids")
def additional_gids(t):
    b = t.bundle("grep '^Groups:' /proc/self/status")
    b.process["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [1001, 2000]}
    got = sorted(int(g) for g in _out(t, b).split()[1:])
    t.eq(got, [1001, 2000], "supplementary groups")


@case("process.no_additional_gids", "config.md#posix-platform-user", "compat",
      "without additionalGids the program has no supplementary groups from the runtime")
def no_additional_gids(t):
    b = t.bundle("grep '^Groups:' /proc/self/status")
    b.process["user"] = {"uid": 1000, "gid": 1000}
    t.eq(_out(t, b).split()[1:], [], "supplementary groups")


@case("process.umask", "config.md#posix-platform-user", "MUST",
      "user.umask is the program's umask")
def umask(t):
    b = t.bundle("umask")
    b.process["user"]["umask"] = 0o027
    t.eq(_out(t, b).strip(), "0027", "umask")


@case("process.rlimits", "config.md#posix-process", "MUST",
      "each rlimit is set with its soft and hard values")
def rlimits(t):
    b = t.bundle("cat /proc/self/limits")
    b.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 768},
                            {"type": "RLIMIT_CORE", "soft": 0, "hard": 4096},
                            {"type": "RLIMIT_NPROC", "soft": 300, "hard": 400}]
    limits = {}
    for line in _out(t, b).splitlines()[1:]:
        parts = line.rsplit(None, 3)
        limits[parts[0].strip()] = parts[1:3]
    t.eq(limits.get("Max open files"), ["512", "768"], "Max open files (soft, hard)")
    t.eq(limits.get("Max core file size"), ["0", "4096"], "Max core file size (soft, hard)")
    t.eq(limits.get("Max processes"), ["300", "400"], "Max processes (soft, hard)")


def _capmask(names):
    bits = {"CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_FOWNER": 3, "CAP_KILL": 5, "CAP_SETGID": 6,
            "CAP_SETUID": 7, "CAP_NET_BIND_SERVICE": 10, "CAP_NET_RAW": 13, "CAP_SYS_CHROOT": 18,
            "CAP_MKNOD": 27, "CAP_AUDIT_WRITE": 29}
    m = 0
    for n in names:
        m |= 1 << bits[n]
    return m


@case("process.capabilities", "config.md#linux-process", "MUST",
      "bounding, effective, permitted, inheritable and ambient sets are exactly as configured")
def capabilities(t):
    b = t.bundle("grep ^Cap /proc/self/status")
    caps = {"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SETUID"],
            "effective": ["CAP_KILL", "CAP_CHOWN"], "permitted": ["CAP_KILL", "CAP_CHOWN"],
            "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}
    b.process["capabilities"] = caps
    got = {ln.split(":")[0]: int(ln.split()[1], 16) for ln in _out(t, b).splitlines()}
    want = {"CapBnd": _capmask(caps["bounding"]), "CapEff": _capmask(caps["effective"]),
            "CapPrm": _capmask(caps["permitted"]), "CapInh": _capmask(caps["inheritable"]),
            "CapAmb": _capmask(caps["ambient"])}
    for k, v in want.items():
        t.eq(hex(got.get(k, -1)), hex(v), f"{k}")


@case("process.capabilities_non_root", "config.md#linux-process", "MUST",
      "a non-root user keeps the configured effective capabilities (and only those)")
def capabilities_non_root(t):
    b = t.bundle("grep -E '^Cap(Eff|Prm|Amb)' /proc/self/status")
    names = ["CAP_NET_BIND_SERVICE"]
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.process["capabilities"] = {k: names for k in ("bounding", "effective", "permitted", "inheritable", "ambient")}
    got = [int(ln.split()[1], 16) for ln in _out(t, b).splitlines()]
    t.eq([hex(g) for g in got], [hex(_capmask(names))] * 3, "CapPrm, CapEff, CapAmb of uid 1000")


@case("process.capabilities_enforced", "config.md#linux-process", "MUST",
      "a capability not granted is not usable: chown fails without CAP_CHOWN")
def capabilities_enforced(t):
    b = t.bundle("touch /tmp/f && chown 1000 /tmp/f && echo chowned || echo refused")
    b.process["capabilities"] = {k: ["CAP_KILL"] for k in ("bounding", "effective", "permitted")}
    t.eq(_out(t, b).strip().splitlines()[-1], "refused", "chown without CAP_CHOWN")


@case("process.capability_unknown_tolerated", "config.md#linux-process", "SHOULD",
      "an unknown capability name is only warned about: the container runs with the known ones")
def capability_unknown_tolerated(t):
    b = t.bundle("grep ^CapEff /proc/self/status")
    b.process["capabilities"] = {k: ["CAP_KILL", "CAP_CONFORMANCE_BOGUS"]
                                 for k in ("bounding", "effective", "permitted")}
    got = int(t.run(b).output().split()[-1], 16)
    t.eq(hex(got), hex(_capmask(["CAP_KILL"])), "CapEff")


@case("process.no_new_privileges", "config.md#linux-process", "MUST",
      "noNewPrivileges true sets the no_new_privs bit")
def no_new_privileges(t):
    b = t.bundle("grep NoNewPrivs /proc/self/status")
    b.process["noNewPrivileges"] = True
    t.eq(_out(t, b).split()[-1], "1", "NoNewPrivs")


@case("process.no_new_privileges_off", "config.md#linux-process", "MUST",
      "noNewPrivileges false leaves the no_new_privs bit clear")
def no_new_privileges_off(t):
    b = t.bundle("grep NoNewPrivs /proc/self/status")
    b.process["noNewPrivileges"] = False
    t.eq(_out(t, b).split()[-1], "0", "NoNewPrivs")


@case("process.oom_score_adj", "config.md#linux-process", "MUST",
      "oomScoreAdj is written to the process's oom_score_adj")
def oom_score_adj(t):
    b = t.bundle("cat /proc/self/oom_score_adj")
    b.process["oomScoreAdj"] = 345
    t.eq(_out(t, b).strip(), "345", "oom_score_adj")


@case("process.personality", "config-linux.md#personality", "MUST",
      "personality LINUX32 makes uname report a 32-bit machine")
def personality(t):
    if os.uname().machine != "x86_64":
        t.skip(f"LINUX32 check written for x86_64 hosts, this is {os.uname().machine}")
    b = t.bundle("uname -m")
    b.linux["personality"] = {"domain": "LINUX32"}
    t.eq(t.run(b).output().strip(), "i686", "uname -m under LINUX32")


@case("process.exit_code", "runtime.md#lifecycle", "compat",
      "the container process's exit code reaches whoever reaps it")
def exit_code(t):
    c = t.create(t.bundle("exit 7"))
    c.start()
    code = c.wait()
    t.check(code is not None, "the container process was not re-parented to the caller (cannot reap it)")
    t.eq(code, 7, "exit code")


@case("process.stdio_inherited", "runtime.md#create", "compat",
      "without a terminal, the program's stdin/stdout/stderr are the ones create was given")
def stdio_inherited(t):
    c = t.create(t.bundle("echo to-out; echo to-err >&2"))
    c.start()
    c.wait()
    t.eq((c.output().strip(), c.stderr().strip()[-6:]), ("to-out", "to-err"), "(stdout, end of stderr)")


@case("process.fds_not_leaked", "runtime.md#create", "compat",
      "file descriptors above 2 open in the caller do not reach the program")
def fds_not_leaked(t):
    b = t.bundle("ls /proc/self/fd")
    r, w = os.pipe()
    try:
        os.set_inheritable(r, True)
        os.set_inheritable(w, True)
        c = t.create(b, pass_fds=(r, w))
    finally:
        os.close(r)
        os.close(w)
    c.start()
    c.wait()
    fds = sorted(int(x) for x in c.output().split())
    t.eq([f for f in fds if f > 2 and f != fds[-1]], [], f"extra fds in the container (all: {fds})")


@case("process.signals_reset", "runtime.md#create", "compat",
      "the program starts with default signal dispositions even if the runtime was started with SIGPIPE ignored")
def signals_reset(t):
    # exec grep directly: busybox sh itself would ignore SIGQUIT
    c = t.create(t.bundle(args=["grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"]), restore_signals=False)
    c.start()
    c.wait()
    got = {ln.split(":")[0]: int(ln.split()[1], 16) for ln in c.output().splitlines()}
    t.eq((hex(got.get("SigIgn", -1)), hex(got.get("SigBlk", -1))), ("0x0", "0x0"), "ignored and blocked signal masks")


def run_on_console(t, b, script, size=None):
    """Create b with terminal true and a console socket, run `script`; returns what the pty master read."""
    sock_path = os.path.join(t.workdir, "console.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock_path)
    srv.listen(1)
    srv.settimeout(t.timeout)
    got = {}

    def accept():
        try:
            conn, _ = srv.accept()
            with conn:
                msg, fds, _, _ = socket.recv_fds(conn, 4096, 4)
                got["msg"], got["fds"] = msg, fds
        except OSError as e:
            got["error"] = str(e)

    th = threading.Thread(target=accept, daemon=True)
    th.start()
    b.sh(script)
    b.process["terminal"] = True
    if size:
        b.process["consoleSize"] = size
    c = t.create(b, console_socket=sock_path)
    th.join(t.timeout)
    srv.close()
    t.check(got.get("fds"), f"no file descriptor arrived on the console socket ({got.get('error', 'nothing sent')})")
    t.eq(len(got["fds"]), 1, "number of fds sent on the console socket")
    master = got["fds"][0]
    c.start()
    data = b""
    deadline = time.monotonic() + t.timeout
    while b"END" not in data and time.monotonic() < deadline:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    os.close(master)
    return data.decode(errors="replace").replace("\r", "")


@case("process.terminal_console_socket", "config.md#process", "MUST",
      "terminal true: the pty master arrives on --console-socket and the program's stdio is the pty slave")
def terminal_console_socket(t):
    out = run_on_console(t, t.bundle(), "tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty; echo END")
    t.check("/dev/pts/" in out, f"tty inside is not a /dev/pts device: {out!r}")
    t.check("all-tty" in out, f"stdin/stdout/stderr are not all the terminal: {out!r}")


@case("process.console_size", "config.md#process", "MUST",
      "consoleSize sets the terminal's rows and columns")
def console_size(t):
    out = run_on_console(t, t.bundle(), "stty size; echo END", size={"height": 33, "width": 111})
    t.check("33 111" in out, f"`stty size` inside: {out!r}")


@case("process.terminal_needs_socket", "runtime.md#create", "compat",
      "terminal true without --console-socket is refused (runc's contract with engines)")
def terminal_needs_socket(t):
    b = t.bundle("true")
    b.process["terminal"] = True
    res, _ = t.try_create(b)
    t.refused(res, "create of a terminal container without --console-socket")
