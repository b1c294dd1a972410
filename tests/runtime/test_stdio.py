"""What the container inherits: only fds 0-2 (plus --preserve-fds), a clean signal state whatever
the caller had, its own /dev/null, and a terminal over the console socket."""

import array
import os
import signal
import socket
import subprocess
import threading

from testlib import needs_root, read_pty

pytestmark = needs_root


def _status_fields(text):
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def test_only_stdio_reaches_the_container(pyrun, make_bundle, tmp_path):
    bundle = make_bundle(args=["sh", "-c", "ls /proc/self/fd; readlink /proc/self/cwd"])
    # Extra fds in the caller, inheritable, as a shim's leaked socket would be.
    host_file = os.open(str(tmp_path), os.O_RDONLY)
    os.set_inheritable(host_file, True)
    try:
        proc = pyrun("run", "-b", bundle.path, pyrun.new_id(), pass_fds=(host_file,))
    finally:
        os.close(host_file)
    fds, cwd = proc.stdout.split()[:-1], proc.stdout.split()[-1]
    # ls itself opens one fd for /proc/self/fd: 0, 1, 2 and that one.
    assert fds == ["0", "1", "2", "3"], proc.stdout
    assert cwd == "/"


def test_preserve_fds(pyrun, make_bundle, tmp_path):
    marker = tmp_path / "preserved"
    marker.write_text("kept\n")
    bundle = make_bundle(args=["sh", "-c", "cat <&3"])
    fd = os.open(str(marker), os.O_RDONLY)
    try:
        proc = subprocess.run(pyrun.cmd("run", "--preserve-fds", "1", "-b", bundle.path, pyrun.new_id()),
                              preexec_fn=lambda: os.dup2(fd, 3), pass_fds=(3,), capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL)
    finally:
        os.close(fd)
    assert proc.stdout == "kept\n", proc.stderr


def _run_socket_activated(rt, bundle, listen_pid):
    """rt run with LISTEN_FDS=2 and fds 3 and 4 open, as systemd starts a socket-activated
    service; LISTEN_PID is the runtime's own pid ("self") or another one. Returns its stdout."""
    setting = "$$" if listen_pid == "self" else str(listen_pid)
    command = f"LISTEN_PID={setting} exec {' '.join(rt.cmd('run', '-b', bundle.path, rt.new_id()))} " \
              "3</etc/hostname 4</etc/passwd"
    proc = subprocess.run(["sh", "-c", command], env={**os.environ, "LISTEN_FDS": "2"}, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


LISTEN_SCRIPT = "readlink /proc/self/fd/3; readlink /proc/self/fd/4; env | grep ^LISTEN_ | sort"


def test_listen_fds_pass_through(pyrun, runc, make_bundle):
    """systemd socket activation: LISTEN_FDS fds are kept, and the container is told they are
    its (LISTEN_PID=1), as runc does."""
    bundle = make_bundle(args=["sh", "-c", LISTEN_SCRIPT])
    seen = _run_socket_activated(pyrun, bundle, "self")
    assert seen.splitlines() == ["/etc/hostname", "/etc/passwd", "LISTEN_FDS=2", "LISTEN_PID=1"]
    assert _run_socket_activated(runc, bundle, "self") == seen


def test_listen_fds_meant_for_another_process_are_not_passed(pyrun, runc, make_bundle):
    bundle = make_bundle(args=["sh", "-c", "ls /proc/self/fd; env | grep ^LISTEN_ | sort; true"])
    seen = _run_socket_activated(runc, bundle, 1)
    assert "LISTEN_FDS" not in seen  # runc: not its activation
    assert _run_socket_activated(pyrun, bundle, 1) == seen


def test_signal_state_is_reset(pyrun, make_bundle):
    """The engines start the runtime with SIGPIPE ignored (conmon) or SIGUSR1 blocked (podman)."""
    bundle = make_bundle(args=["cat", "/proc/self/status"])

    def hostile():
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1, signal.SIGTERM])

    proc = subprocess.run(pyrun.cmd("run", "-b", bundle.path, pyrun.new_id()), preexec_fn=hostile,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    fields = _status_fields(proc.stdout)
    assert int(fields["SigBlk"], 16) == 0
    assert int(fields["SigIgn"], 16) == 0


def test_dev_null_stdio_is_reopened_inside(pyrun, make_bundle):
    """All of stdin, stdout and stderr the host's /dev/null: each becomes the container's own
    /dev/null node (its device and inode are the container's /dev, not the host's)."""
    host = os.stat("/dev/null")
    bundle = make_bundle(args=["sh", "-c", "exec 9>/report; for fd in 0 1 2; do echo $(readlink /proc/1/fd/$fd) "
                                           "$(stat -L -c '%t:%T %d:%i' /proc/1/fd/$fd) >&9; done; "
                                           "stat -c '%d:%i' /dev/null >&9"])
    proc = subprocess.run(pyrun.cmd("run", "-b", bundle.path, pyrun.new_id()), stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    assert proc.returncode == 0
    *fds, container_null = open(os.path.join(bundle.rootfs, "report")).read().splitlines()
    assert container_null != f"{host.st_dev}:{host.st_ino}"
    assert fds == [f"/dev/null 1:3 {container_null}"] * 3, fds


def _console_server(path):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    received = {}

    def accept():
        conn, _ = server.accept()
        fds = array.array("i")
        msg, ancdata, _, _ = conn.recvmsg(1024, socket.CMSG_SPACE(4 * fds.itemsize))
        for level, kind, data in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[:len(data) - (len(data) % fds.itemsize)])
        received["name"], received["fds"] = msg, list(fds)
        received["eof"] = conn.recv(1) == b""
        conn.close()
        server.close()

    thread = threading.Thread(target=accept)
    thread.start()
    return thread, received


def test_console_socket_gets_one_pty_master(pyrun, make_bundle, tmp_path):
    bundle = make_bundle(args=["sh", "-c", "tty; stty size; ls -l /dev/console; readlink /proc/self/fd/1; "
                                           "readlink /proc/self/fd/2; cut -d' ' -f6,7 /proc/self/stat; echo done"],
                         terminal=True)
    bundle.config["process"]["consoleSize"] = {"height": 33, "width": 101}
    bundle.save()
    sock = str(tmp_path / "console.sock")
    thread, received = _console_server(sock)
    cid = pyrun.new_id()
    pyrun("create", "-b", bundle.path, "--console-socket", sock, cid)
    thread.join(10)
    assert received["name"] and len(received["fds"]) == 1 and received["eof"]
    master = received["fds"][0]
    pyrun("start", cid)
    output = read_pty(master, b"done")
    os.close(master)
    text = output.decode().replace("\r", "")
    lines = text.split("\n")
    assert lines[0].startswith("/dev/pts/")
    assert lines[1] == "33 101"
    assert "/dev/console" in lines[2] and lines[2].startswith("c")
    assert lines[3:5] == [lines[0]] * 2           # stdout and stderr are the same pty slave
    session, tty_nr = map(int, lines[5].split())
    pts = int(lines[0].rsplit("/", 1)[1])
    assert session == 1, "the process leads its own session"
    assert tty_nr == os.makedev(136 + pts // 256, pts % 256), "the slave is its controlling terminal"


def test_run_with_stdout_closed(pyrun, make_bundle):
    """Started with fd 1 closed (Python's sys.stdout is then None), pyrun runs the container and
    exits with its status, as runc does, instead of dying on the flush at its exit."""
    bundle = make_bundle(args=["sh", "-c", "exit 3"])
    proc = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", *pyrun.cmd("run", "-b", bundle.path, pyrun.new_id())],
                          stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=60)
    assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
