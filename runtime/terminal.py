"""The container's terminal: a pty from the container's own devpts whose master goes to the
caller over the console socket (one sendmsg, a non-empty name, exactly one SCM_RIGHTS fd) and
whose slave becomes the container's stdio and /dev/console. Also the foreground side: `run`
without a console socket proxies the master to pyrun's own stdio.
"""

import fcntl
import os
import socket
import struct

from runtime import linux
from runtime.errors import SetupError
from runtime.rootfs import paths

TIOCSCTTY = 0x540E
TIOCSWINSZ = 0x5414
TIOCGWINSZ = 0x5413
TIOCSPTLCK = 0x40045431
TIOCGPTPEER = 0x5441


class Console:
    """A pty opened in the container's devpts: master (for the caller) and slave (for the process)."""

    __slots__ = ("master", "slave")

    def __init__(self, master, slave):
        self.master = master
        self.slave = slave


def open_pty(root, size=None, uid=0):
    """Open a pty from the devpts under root (the rootfs before pivot_root, or "/" inside)."""
    ptmx = paths.secure_join(root, "/dev/pts/ptmx")
    if not os.path.exists(ptmx):
        ptmx = paths.secure_join(root, "/dev/ptmx")
    try:
        master = os.open(ptmx, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as err:
        raise SetupError(f"open {ptmx}: {err.strerror} (is devpts mounted at /dev/pts?)") from None
    fcntl.ioctl(master, TIOCSPTLCK, struct.pack("i", 0))
    # TIOCGPTPEER opens the slave through the master: no path lookup the container could redirect.
    slave = fcntl.ioctl(master, TIOCGPTPEER, os.O_RDWR | os.O_NOCTTY)
    if size:   # 16 bits each, as runc takes them
        set_size(master, size.get("height", 0) & 0xFFFF, size.get("width", 0) & 0xFFFF)
    if uid:
        os.fchown(slave, uid, -1)   # the process's user owns its terminal (runc); the group stays tty
    return Console(master, slave)


def setup_console(rootfs, console_sock, size=None, uid=0):
    """In the init, before pivot_root: open a pty in the container's devpts, bind its slave on
    /dev/console, send the master over console_sock. Returns the Console (its slave stays open)."""
    if console_sock is None:
        raise SetupError("process.terminal is true but no --console-socket was given")
    console = open_pty(rootfs, size, uid)
    target = paths.make_target(rootfs, "/dev/console", False)
    fd = paths.open_checked(rootfs, target)
    try:
        linux.mount(f"/proc/self/fd/{console.slave}", paths.proc_path(fd), None, linux.MS_BIND)
    finally:
        os.close(fd)
    try:
        send_fd(console_sock, console.master, b"/dev/ptmx")
    finally:
        os.close(console.master)
        console.master = None
    return console


def become_stdio(console):
    """After pivot_root: the pty slave becomes fds 0-2 and the controlling terminal."""
    for fd in (0, 1, 2):
        os.dup2(console.slave, fd)
    os.close(console.slave)
    fcntl.ioctl(0, TIOCSCTTY, 0)


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def send_fd(sock, fd, name):
    socket.send_fds(sock, [name], [fd])


def connect(path):
    """Connect to the caller's console socket (in the runtime, before forking)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # Non-blocking, as Go's dial: a listener whose backlog is full fails at once (EAGAIN) instead
    # of holding create, its lock and what it made, for ever.
    sock.setblocking(False)
    try:
        sock.connect(path)
    except OSError as err:
        sock.close()
        raise SetupError(f"connect to console socket {path}: {err.strerror}") from None
    sock.setblocking(True)
    return sock


def receive_fd(sock):
    _, fds, _, _ = socket.recv_fds(sock, 4096, 1)
    if not fds:
        raise SetupError("console socket: no pty master received")
    return fds[0]


def stdin_size():
    """(rows, cols) of the terminal on our stdin, or None."""
    try:
        return struct.unpack("HHHH", fcntl.ioctl(0, TIOCGWINSZ, b"\0" * 8))[:2]
    except OSError:
        return None


def proxy(master, pid_alive):
    """Foreground `run` or `exec` with a terminal: copy between our stdio and the pty master until
    the container's side closes. Our stdin is put in raw mode while it is a terminal, and its size
    follows ours (SIGWINCH), as runc's does."""
    import _signal
    import select
    import termios
    import tty
    saved = saved_winch = None
    if os.isatty(0):
        saved = termios.tcgetattr(0)
        tty.setraw(0)

        def resize(*_):
            size = stdin_size()
            if size:
                try:
                    set_size(master, *size)
                except OSError:
                    pass

        resize()
        saved_winch = _signal.signal(_signal.SIGWINCH, resize)
    try:
        inputs = [master, 0]
        while True:
            try:
                ready, _, _ = select.select(inputs, [], [], 0.5)
            except InterruptedError:
                continue
            if master in ready:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    data = b""
                if not data:
                    break
                os.write(1, data)
            if 0 in ready:
                data = os.read(0, 65536)
                if not data:
                    inputs.remove(0)
                else:
                    os.write(master, data)
            if not pid_alive():
                # What is already there, then stop: a process it left behind with the pty open
                # (a daemon) must not hold the caller (runc returns too).
                _drain(master, 1)
                break
    finally:
        if saved is not None:
            _signal.signal(_signal.SIGWINCH, saved_winch)
            termios.tcsetattr(0, termios.TCSADRAIN, saved)


def _drain(src, dst, seconds=0.2):
    import select
    import time
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and select.select([src], [], [], 0.02)[0]:
        try:
            data = os.read(src, 65536)
        except OSError:
            return
        if not data:
            return
        os.write(dst, data)


def pipes_for_terminals():
    """Foreground run or exec without a pty: before the container's process is forked, each of
    our fds 0-2 that is a terminal is swapped for a pipe, which the process inherits and pyrun
    relays (relay_pipes), as runc's setupProcessPipes does. Handed over as it is, the caller's
    terminal would be the container's: TIOCSTI to type into the caller's shell, TIOCSCTTY to take
    it, termios to turn its echo off, and a background process reading what the user types after
    exec returned. Returns {fd: (the terminal, our pipe end)}, empty when none is a terminal;
    restore_terminals() right after the fork."""
    swapped = {}
    for fd in (0, 1, 2):
        if not os.isatty(fd):
            continue
        r, w = os.pipe()
        theirs, ours = (r, w) if fd == 0 else (w, r)
        swapped[fd] = (os.dup(fd), ours)
        os.dup2(theirs, fd)
        os.close(theirs)
    return swapped


def restore_terminals(swapped):
    """Our own fds 0-2 back to the terminals (the forked process keeps its pipes)."""
    for fd, (terminal, _) in swapped.items():
        os.dup2(terminal, fd)
        os.close(terminal)


def relay_pipes(swapped, pid_alive):
    """Copy our terminal to the process's stdin pipe, and its stdout/stderr pipes to our
    terminals, until the process has exited and its output pipes are closed (runc waits for them
    too: whatever it left running with them open keeps them open)."""
    import select
    outs = {ours: fd for fd, (_, ours) in swapped.items() if fd != 0}
    stdin_pipe = swapped[0][1] if 0 in swapped else None
    try:
        while outs or stdin_pipe is not None:
            inputs = list(outs) + ([0] if stdin_pipe is not None else [])
            ready = select.select(inputs, [], [], 0.5)[0]
            for src in ready:
                data = os.read(src, 65536) if src != 0 else _read_or_empty(0)
                if src == 0:
                    if data:
                        try:
                            os.write(stdin_pipe, data)
                            continue
                        except OSError:   # the process closed its stdin
                            pass
                    os.close(stdin_pipe)
                    stdin_pipe = None
                elif data:
                    os.write(outs[src], data)
                else:
                    os.close(src)
                    del outs[src]
            if stdin_pipe is not None and not pid_alive():
                os.close(stdin_pipe)
                stdin_pipe = None
    finally:
        for fd in list(outs) + ([stdin_pipe] if stdin_pipe is not None else []):
            os.close(fd)


def _read_or_empty(fd):
    try:
        return os.read(fd, 65536)
    except OSError:
        return b""
