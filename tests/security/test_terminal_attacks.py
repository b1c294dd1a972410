"""The container's terminals, attacked: its devpts and pty ownership, the pty master and console
socket after the handoff, the caller's own terminal handed to the container by foreground
`run`/`exec` without a pty (TIOCSTI, TIOCSCTTY, termios, reading later input), the foreground
proxy of `run`/`exec -t`, and hostile console sockets and sizes. runc (Debian's 1.1.5) is the
reference where it is run side by side.

Each test fails if the defence it names regresses; those whose comment starts "Before the fix"
reached the caller's terminal (or misbehaved) until session 6.

The terminal ioctls are made inside the container by a small static C helper (ttyatk), built
once per session with gcc: busybox has no applet for them.
"""

import fcntl
import os
import select
import shutil
import socket
import struct
import subprocess
import termios
import threading
import time

import pytest

from testlib import console_server, leftovers, needs_root, read_pty

pytestmark = needs_root

TTYATK_C = r"""
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
/* ttyatk FD OP ARG [OP ARG]...; one line "OP ARG: ok|strerror" per step */
int main(int argc, char **argv) {
    int fd = atoi(argv[1]), bad = 0;
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *op = argv[i], *arg = argv[i + 1];
        int r = 0;
        if (!strcmp(op, "sti")) {
            for (const char *p = arg; *p; p++) { r = ioctl(fd, TIOCSTI, p); if (r) break; }
        } else if (!strcmp(op, "sctty")) {
            r = ioctl(fd, TIOCSCTTY, atoi(arg));
        } else if (!strcmp(op, "echo-off")) {
            struct termios t; r = tcgetattr(fd, &t);
            if (!r) { t.c_lflag &= ~(ECHO | ICANON); r = tcsetattr(fd, TCSANOW, &t); }
        } else if (!strcmp(op, "linux")) {
            char c = 6; r = ioctl(fd, TIOCLINUX, &c);
        } else if (!strcmp(op, "open")) {
            r = open(arg, O_RDWR | O_NOCTTY); if (r >= 0) { close(r); r = 0; }
        } else if (!strcmp(op, "sleep")) {
            sleep(atoi(arg));
        } else if (!strcmp(op, "readin")) {
            char buf[256]; r = read(fd, buf, sizeof buf - 1);
            if (r >= 0) { buf[r] = 0; printf("readin got: %s\n", buf); r = 0; }
        }
        printf("%s %s: %s\n", op, arg, r < 0 ? strerror(errno) : "ok");
        fflush(stdout);
        if (r < 0) bad = 1;
    }
    return bad;
}
"""


@pytest.fixture(scope="session")
def ttyatk(tmp_path_factory):
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is needed to build the ioctl helper")
    d = tmp_path_factory.mktemp("ttyatk")
    src, out = d / "ttyatk.c", d / "ttyatk"
    src.write_text(TTYATK_C)
    built = subprocess.run([gcc, "-static", "-O2", "-o", str(out), str(src)], capture_output=True, text=True)
    if built.returncode != 0:
        pytest.skip(f"cannot build a static ioctl helper: {built.stderr[-300:]}")
    return str(out)


@pytest.fixture
def tbundle(make_bundle, ttyatk):
    """make_bundle with ttyatk in /bin."""
    def make(args, terminal=False, caps=(), user=None):
        b = make_bundle(args=args, terminal=terminal)
        shutil.copy(ttyatk, os.path.join(b.rootfs, "bin", "ttyatk"))
        for key in ("bounding", "effective", "permitted"):
            b.config["process"]["capabilities"][key] += list(caps)
        if user is not None:
            b.config["process"]["user"] = user
        return b.save()
    return make


# ---------------------------------------------------------------------------------------------
# helpers


def _run_with_console(rt, bundle, tmp_path, until=b"DONE"):
    """create with a console socket, start, read the pty until `until`: the output as text."""
    sock = str(tmp_path / f"console-{os.path.basename(rt.binary)}.sock")
    thread, received = console_server(sock)
    cid = rt.new_id()
    rt("create", "-b", bundle.path, "--console-socket", sock, cid)
    thread.join(10)
    assert len(received["fds"]) == 1, received
    master = received["fds"][0]
    try:
        rt("start", cid)
        return read_pty(master, until).decode(errors="replace").replace("\r", "")
    finally:
        os.close(master)


def _exec_with_console(rt, cid, tmp_path, script, *opts, until=b"DONE"):
    sock = str(tmp_path / f"exec-{os.path.basename(rt.binary)}.sock")
    if os.path.exists(sock):
        os.unlink(sock)
    thread, received = console_server(sock)
    rt("exec", "-t", "-d", "--console-socket", sock, *opts, cid, "sh", "-c", script)
    thread.join(10)
    assert len(received["fds"]) == 1, received
    master = received["fds"][0]
    try:
        return read_pty(master, until).decode(errors="replace").replace("\r", "")
    finally:
        os.close(master)


class HostTerminal:
    """A pty pair made on the host: the slave plays the user's terminal (the caller's stdio)."""

    def __init__(self, rows=37, cols=111):
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.saved = termios.tcgetattr(self.slave)

    def run(self, argv, as_ctty=False, timeout=20, on_output=None):
        """Run argv with the slave as stdin/stdout/stderr, in a new session; with as_ctty the
        slave is that session's controlling terminal (as a login shell's is). Returns (rc, output);
        rc None if argv was still running after timeout (it is killed)."""
        def pre():
            if as_ctty:
                fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        proc = subprocess.Popen(argv, stdin=self.slave, stdout=self.slave, stderr=self.slave,
                                start_new_session=True, preexec_fn=pre)
        out = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    out += os.read(self.master, 4096)
                except OSError:
                    break
                if on_output is not None:
                    on_output(out)
            elif proc.poll() is not None:
                break
        rc = proc.poll()
        if rc is None:
            proc.kill()
        proc.wait()
        return rc, out.decode(errors="replace").replace("\r", "")

    def pending_input(self):
        """What a shell reading this terminal would now read (injected with TIOCSTI)."""
        attr = termios.tcgetattr(self.slave)
        attr[3] &= ~termios.ICANON
        attr[6][termios.VMIN], attr[6][termios.VTIME] = 0, 0
        termios.tcsetattr(self.slave, termios.TCSANOW, attr)
        try:
            return os.read(self.slave, 4096)
        finally:
            termios.tcsetattr(self.slave, termios.TCSANOW, self.saved)

    def settings_changed(self):
        return termios.tcgetattr(self.slave) != self.saved

    def close(self):
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def host_tty():
    t = HostTerminal()
    yield t
    t.close()


def _remove_cgroups(cid):
    import glob
    for d in sorted(glob.glob(f"/sys/fs/cgroup/**/{cid}", recursive=True), key=len, reverse=True):
        try:
            os.rmdir(d)
        except OSError:
            pass


def _detached(rt, bundle):
    cid = rt.new_id()
    rt("run", "-d", "-b", bundle.path, cid)
    return cid


# ---------------------------------------------------------------------------------------------
# 1. devpts: a new instance, the host's ptys out of sight, the slave's owner and mode


def test_devpts_is_the_containers_own_instance(pyrun, tbundle, tmp_path):
    """With a pty open on the host, the container's /dev/pts shows only its own pty and ptmx,
    cannot open the host's pty by number, and /dev/ptmx is the link to its devpts' ptmx."""
    host = HostTerminal()
    try:
        host_n = os.ttyname(host.slave).rsplit("/", 1)[1]
        host_dev = os.stat("/dev/pts").st_dev
        b = tbundle(["sh", "-c", f"ls -1 /dev/pts; readlink /dev/ptmx; stat -c %d /dev/pts; "
                                 f"grep ' /dev/pts ' /proc/self/mountinfo; ttyatk 0 open /dev/pts/{host_n}; "
                                 f"echo DONE"], terminal=True)
        out = _run_with_console(pyrun, b, tmp_path)
    finally:
        host.close()
    lines = out.split("\n")
    assert lines[:3] == ["0", "ptmx", "pts/ptmx"], out
    assert int(lines[3]) != host_dev, "the container's devpts is the host's instance"
    assert "ptmxmode=666" in lines[4] and "gid=5" in lines[4] and "mode=620" in lines[4], lines[4]
    if host_n != "0":
        assert "No such file or directory" in lines[5], out


def _pty_owner_script():
    return "stat -c '%u:%g %a' $(tty) /dev/console; ttyatk 0 open $(tty); echo DONE"


def test_pty_slave_belongs_to_process_user_in_run(pyrun, runc, tbundle, tmp_path):
    # Before the fix: pyrun's pty slave (and /dev/console) stay root:tty 620 because the init opens
    # ptmx as root and never chowns the slave; runc gives it to process.user (1000:tty). A
    # non-root container process cannot reopen its own terminal by name (ssh, sudo, tmux,
    # script, gpg's pinentry fail with EACCES). runtime/terminal.py:33-47 (open_pty).
    b = tbundle(["sh", "-c", _pty_owner_script()], terminal=True, user={"uid": 1000, "gid": 1000})
    reference = _run_with_console(runc, b, tmp_path)
    assert reference.split("\n")[:2] == ["1000:5 620", "1000:5 620"] and ": ok" in reference.split("\n")[2], reference
    out = _run_with_console(pyrun, b, tmp_path)
    assert out.split("\n")[:2] == ["1000:5 620", "1000:5 620"], out
    assert ": ok" in out.split("\n")[2], out


def test_pty_slave_belongs_to_process_user_in_exec(pyrun, runc, tbundle, tmp_path):
    # Before the fix: the same for `exec -t --user 1000:1000`: the tenant opens the pty as root before
    # setuid (runtime/process/tenant.py:89-95), the slave stays root:tty, runc's is 1000:tty.
    b = tbundle(["sleep", "300"])
    script = "stat -c '%u:%g %a' $(tty); ttyatk 0 open $(tty); echo DONE"
    reference = _exec_with_console(runc, _detached(runc, b), tmp_path, script, "--user", "1000:1000")
    assert reference.split("\n")[0] == "1000:5 620", reference
    out = _exec_with_console(pyrun, _detached(pyrun, b), tmp_path, script, "--user", "1000:1000")
    assert out.split("\n")[0] == "1000:5 620", out
    assert ": ok" in out.split("\n")[1], out


# ---------------------------------------------------------------------------------------------
# 2. The pty master and the console socket never reach the container


def test_no_master_or_console_socket_inside(pyrun, tbundle, tmp_path):
    """After the handoff neither the init's nor an exec'd process's fds (nor any other process's
    in the container) hold the pty master or a socket: only the slave on 0-2."""
    check = ("for p in /proc/[0-9]*; do for f in $p/fd/*; do l=$(readlink $f); "
             "case $l in *ptmx*|socket:*|*pts/ptmx*) echo LEAK $f $l;; esac; done; done; "
             "for n in 0 1 2; do readlink /proc/1/fd/$n; done; ls -1 /proc/1/fd; echo DONE")
    b = tbundle(["sh", "-c", check + "; sleep 300"], terminal=True)
    sock = str(tmp_path / "c.sock")
    thread, received = console_server(sock)
    cid = pyrun.new_id()
    pyrun("create", "-b", b.path, "--console-socket", sock, cid)
    thread.join(10)
    master = received["fds"][0]
    try:
        pyrun("start", cid)
        out = read_pty(master, b"DONE").decode(errors="replace").replace("\r", "")
        assert "LEAK" not in out, out
        assert out.split("\n")[:4] == ["/dev/pts/0"] * 3 + ["0"], out
        exec_out = _exec_with_console(pyrun, cid, tmp_path, check)
        assert "LEAK" not in exec_out, exec_out
    finally:
        os.close(master)


# ---------------------------------------------------------------------------------------------
# 3. Foreground run/exec without a pty: the caller's terminal must not be handed over


ATTACK = ["ttyatk", "0", "sti", "echo INJECTED\n", "echo-off", "-", "sctty", "0", "sti", "echo INJECTED2\n"]


def test_runc_relays_foreground_stdio_through_pipes(runc, tbundle, host_tty):
    """Reference: runc's foreground run without a terminal gives the container pipes, so none of
    the terminal ioctls reach the user's terminal."""
    b = tbundle(ATTACK)
    rc, out = host_tty.run(runc.cmd("run", "-b", b.path, runc.new_id()))
    assert out.count("Inappropriate ioctl for device") == 4, out
    assert host_tty.pending_input() == b"" and not host_tty.settings_changed()


def test_foreground_run_does_not_hand_the_host_terminal_to_the_container(pyrun, tbundle, host_tty):
    # Before the fix: pyrun's foreground `run` (terminal: false) gives the caller's own terminal fds to the
    # container's process (no pipes, unlike runc). With default capabilities the container turns
    # off echo/canonical mode on the host terminal, makes it its controlling terminal (it is a
    # session leader; a terminal no session owns is taken) and then injects "echo INJECTED2\n"
    # with TIOCSTI, which the host shell reads and runs after the container exits.
    # runtime/commands/run.py:21-36 with runtime/process/init.py:71,101-104 (stdio inherited).
    b = tbundle(ATTACK)
    rc, out = host_tty.run(pyrun.cmd("run", "-b", b.path, pyrun.new_id()))
    injected = host_tty.pending_input()
    changed = host_tty.settings_changed()
    assert injected == b"", f"input injected into the host terminal: {injected!r}\n{out}"
    assert not changed, f"host terminal settings changed by the container\n{out}"


def test_foreground_run_with_cap_sys_admin_steals_the_callers_terminal(pyrun, runc, tbundle, host_tty):
    # Before the fix: the host terminal is the controlling terminal of the caller's session (a login
    # shell's): with CAP_SYS_ADMIN the container injects input with TIOCSTI directly and steals the
    # terminal from the caller's session (TIOCSCTTY 1). runc: ENOTTY for both (pipes).
    b = tbundle(["ttyatk", "0", "sti", "echo INJECTED\n", "sctty", "1"], caps=["CAP_SYS_ADMIN"])
    rc, out = host_tty.run(runc.cmd("run", "-b", b.path, runc.new_id()), as_ctty=True)
    assert out.count("Inappropriate ioctl for device") == 2, out
    rc, out = host_tty.run(pyrun.cmd("run", "-b", b.path, pyrun.new_id()), as_ctty=True)
    injected = host_tty.pending_input()
    assert injected == b"" and "sctty 1: ok" not in out, f"injected {injected!r}\n{out}"


def test_foreground_exec_terminal_not_kept_by_the_container(pyrun, runc, tbundle, host_tty):
    # Before the fix: foreground `exec` without -t hands the caller's terminal to the exec'd process, which
    # leaves a child holding it: after `pyrun exec` has returned, that child reads what the user
    # types next at the host shell ("my-password"), with echo turned off by the container.
    # runc relays through pipes (the child's read fails: EBADF on a pipe's write end).
    # runtime/process/exec_parent.py:89-188 (no pipes when not process.terminal).
    b = tbundle(["sleep", "300"])
    script = ("(ttyatk 2 sleep 2 readin - > /dev/shm/stolen &); ttyatk 0 echo-off -; exit 0")
    results = {}
    for rt in (runc, pyrun):
        cid = _detached(rt, b)
        rc, out = host_tty.run(rt.cmd("exec", cid, "sh", "-c", script))
        assert rc == 0, out
        os.write(host_tty.master, b"my-password\n")     # typed at the shell after exec returned
        time.sleep(3)
        results[rt.binary] = rt("exec", cid, "cat", "/dev/shm/stolen").stdout
        termios.tcsetattr(host_tty.slave, termios.TCSANOW, host_tty.saved)
        host_tty.pending_input()                        # drop what nobody read
    assert "my-password" not in results[runc.binary], results
    assert "my-password" not in results[pyrun.binary], results


# ---------------------------------------------------------------------------------------------
# 4. Foreground run/exec with a pty: size, signals, the host terminal afterwards


SIGNALS_SCRIPT = ('stty size; trap "stty size; echo RESIZED" WINCH; trap "echo GOTINT; exit 7" INT; '
                  'echo READY; while :; do sleep 0.1; done')


def _drive(host_tty, argv):
    sent = set()

    def on_output(out):
        if b"READY" in out and "winch" not in sent:
            sent.add("winch")
            fcntl.ioctl(host_tty.master, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
        if b"RESIZED" in out and "int" not in sent:
            sent.add("int")
            os.write(host_tty.master, b"\x03")

    return host_tty.run(argv, as_ctty=True, on_output=on_output)


def test_foreground_run_terminal_size_signals_and_restore(pyrun, tbundle, host_tty):
    """The pty starts at the caller's size, follows a resize (SIGWINCH), ^C typed on the host
    reaches the container as SIGINT, and the host terminal is back to its settings afterwards."""
    b = tbundle(["sh", "-c", SIGNALS_SCRIPT], terminal=True)
    rc, out = _drive(host_tty, pyrun.cmd("run", "-b", b.path, pyrun.new_id()))
    assert rc == 7, out
    assert out.split("\n")[:5] == ["37 111", "READY", "50 160", "RESIZED", "^CGOTINT"], out
    assert not host_tty.settings_changed(), "host terminal left in raw mode"


def test_foreground_exec_terminal_size_signals_and_restore(pyrun, tbundle, host_tty):
    b = tbundle(["sleep", "300"])
    cid = _detached(pyrun, b)
    rc, out = _drive(host_tty, pyrun.cmd("exec", "-t", cid, "sh", "-c", SIGNALS_SCRIPT))
    assert rc == 7, out
    assert out.split("\n")[:5] == ["37 111", "READY", "50 160", "RESIZED", "^CGOTINT"], out
    assert not host_tty.settings_changed(), "host terminal left in raw mode"


def test_foreground_exec_t_returns_when_its_process_exits(pyrun, runc, tbundle, host_tty):
    # Before the fix: `exec -t` in the foreground keeps proxying (host terminal in raw mode, the user's
    # keystrokes still going into the container) for as long as any process left in the container
    # keeps writing to the pty, long after the exec'd process has exited: terminal.proxy only
    # checks the pid when select() times out (runtime/terminal.py:156). runc returns at once.
    b = tbundle(["sleep", "300"])
    script = '(trap "" HUP; while :; do echo bg; sleep 0.1; done) & sleep 0.3; exit 0'
    for rt in (runc, pyrun):
        cid = _detached(rt, b)
        start = time.monotonic()
        rc, out = host_tty.run(rt.cmd("exec", "-t", cid, "sh", "-c", script), timeout=8)
        took = time.monotonic() - start
        termios.tcsetattr(host_tty.slave, termios.TCSANOW, host_tty.saved)
        rt("kill", cid, "KILL", check=False)
        assert rc == 0 and took < 5, f"{rt.binary} exec -t still running after {took:.1f}s (rc {rc})"


# ---------------------------------------------------------------------------------------------
# 5. Hostile console sockets and sizes


def test_console_socket_that_never_accepts_does_not_hang_create(pyrun, runc, tbundle, tmp_path):
    # Before the fix: a console socket whose listen backlog is full (a stuck or hostile peer) blocks
    # `pyrun create` forever in connect() (runtime/terminal.py:86-94, a blocking connect, no
    # timeout), holding the container's lock with its state dir and cgroups made. runc fails at
    # once: "dial unix ...: connect: resource temporarily unavailable".
    b = tbundle(["true"], terminal=True)
    for rt in (runc, pyrun):
        path = str(tmp_path / f"full-{os.path.basename(rt.binary)}.sock")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.listen(0)
        filler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        filler.connect(path)                       # the one pending connection backlog 0 allows
        cid = rt.new_id()
        proc = subprocess.Popen(rt.cmd("create", "-b", b.path, "--console-socket", path, cid),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _, err = proc.communicate(timeout=10)
            hung = False
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            hung = True
        finally:
            filler.close()
            server.close()
        if hung:
            # killed mid-create: `delete --force` removes its state dir but not its cgroups
            rt("delete", "--force", cid, check=False)
            _remove_cgroups(cid)
        assert not hung and proc.returncode != 0, f"{rt.binary} create hung on a full console socket"
        if rt is pyrun:
            assert leftovers(pyrun, cid, b) == []


def test_console_peer_that_hangs_up_fails_create_cleanly(pyrun, tbundle, tmp_path):
    """A console socket peer that accepts and closes at once: create fails (EPIPE) and leaves no
    container behind."""
    b = tbundle(["true"], terminal=True)
    path = str(tmp_path / "hangup.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    cid = pyrun.new_id()
    proc = subprocess.Popen(pyrun.cmd("create", "-b", b.path, "--console-socket", path, cid),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    conn, _ = server.accept()
    conn.close()
    server.close()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0 and b"Broken pipe" in err, err
    assert not os.path.exists(os.path.join(pyrun.root, cid))


def test_console_socket_peer_data_is_ignored(pyrun, tbundle, tmp_path):
    """A peer that writes back (bytes and an fd of its own) before taking the master: create
    reads nothing from it and the container runs on its own pty."""
    b = tbundle(["sh", "-c", "tty; ls -1 /proc/1/fd; echo DONE"], terminal=True)
    path = str(tmp_path / "chatty.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    received = {}

    def accept():
        conn, _ = server.accept()
        with open("/etc/hostname", "rb") as bait:
            socket.send_fds(conn, [b"x" * 65536], [bait.fileno()])
        _, fds, _, _ = socket.recv_fds(conn, 1024, 4)
        received["fds"] = fds
        conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    cid = pyrun.new_id()
    pyrun("create", "-b", b.path, "--console-socket", path, cid)
    thread.join(10)
    server.close()
    master = received["fds"][0]
    try:
        pyrun("start", cid)
        out = read_pty(master, b"DONE").decode().replace("\r", "")
    finally:
        os.close(master)
    assert out.split("\n")[:4] == ["/dev/pts/0", "0", "1", "2"], out


def test_console_socket_symlink_is_followed_as_runc_does(pyrun, runc, tbundle, tmp_path):
    """--console-socket names a host path chosen by the caller; a symlink there is followed by
    both runtimes (connect(2) semantics), nothing more."""
    b = tbundle(["sh", "-c", "echo DONE"], terminal=True)
    for rt in (runc, pyrun):
        real = str(tmp_path / f"real-{os.path.basename(rt.binary)}.sock")
        thread, received = console_server(real)
        link = real + ".lnk"
        os.symlink(real, link)
        cid = rt.new_id()
        rt("create", "-b", b.path, "--console-socket", link, cid)
        thread.join(10)
        assert len(received["fds"]) == 1
        os.close(received["fds"][0])


def test_console_size_beyond_16_bits(pyrun, runc, tbundle, tmp_path):
    # Before the fix (minor): consoleSize.height 70000 (a valid uint for the spec): runc truncates it to 16
    # bits and runs (4464 80); pyrun's create dies in the init with Python's struct message
    # "ushort format requires 0 <= number <= 65535" (runtime/terminal.py:78-79 set_size).
    b = tbundle(["sh", "-c", "stty size; echo DONE"], terminal=True)
    b.config["process"]["consoleSize"] = {"height": 70000, "width": 80}
    b.save()
    assert _run_with_console(runc, b, tmp_path).split("\n")[0] == "4464 80"
    sock = str(tmp_path / "size.sock")
    thread, received = console_server(sock)
    created = pyrun("create", "-b", b.path, "--console-socket", sock, pyrun.new_id(), check=False)
    thread.join(10)
    for fd in received["fds"]:
        os.close(fd)
    assert "ushort format" not in created.stderr, created.stderr
    assert created.returncode == 0 or "consoleSize" in created.stderr, created.stderr
