"""The sync channel between the runtime (parent) and the processes it forks (the namespace
child and the container's init): a SOCK_SEQPACKET socketpair carrying one marshalled message per
packet, so message boundaries are the kernel's and a dead peer reads as end of file. Both ends are
this same interpreter and runtime (the peer is pyrun's own code, before the container's process
runs), so marshal - built in - serves where json would cost its ~5 ms import.

Messages are small dicts with a "type": pid, userns, continue, hooks, limits (the init asks the
runtime to set its rlimits and OOM score), seccomp, idmap (the init asks for mounts[index]) and
mountfd (the runtime's answer, a detached idmapped tree), ready, error.
It uses the _socket C module directly: the socket module wraps it in enums and selectors, which
costs every create a few milliseconds for nothing it needs here.
"""

import _socket
import marshal
import os

from runtime.errors import PyrunError, SetupError


class Channel:
    def __init__(self, sock):
        self.sock = sock

    def send(self, type_, fd=None, **fields):
        """Send one message; fd, if given, travels with it (SCM_RIGHTS)."""
        fields["type"] = type_
        data = marshal.dumps(fields)
        if fd is None:
            self.sock.send(data)
        else:
            self.sock.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, fd.to_bytes(4, "little"))])

    def recv(self):
        """The next message, or None when the other side is gone. A passed fd is msg["fd"]."""
        data, ancdata, _, _ = self.sock.recvmsg(65536, _socket.CMSG_SPACE(4))
        fds = [int.from_bytes(payload[:4], "little") for level, kind, payload in ancdata
               if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS and len(payload) >= 4]
        if not data:
            for fd in fds:
                os.close(fd)
            return None
        msg = marshal.loads(data)
        if fds:
            msg["fd"] = fds[0]
        return msg

    def send_error(self, err):
        """Tell the other side why this process gives up. Best effort: False when the other side
        is gone already."""
        try:
            self.send("error", message=error_text(err))
        except OSError:
            return False
        return True

    def expect(self, type_):
        """Wait for a message of this type; an error message or EOF becomes a SetupError."""
        msg = self.recv()
        if msg is None:
            raise SetupError("container init exited during setup")
        if msg["type"] == "error":
            raise SetupError(msg["message"])
        if msg["type"] != type_:
            raise SetupError(f"sync: expected {type_}, got {msg['type']}")
        return msg

    def fileno(self):
        return self.sock.fileno()

    def close(self):
        self.sock.close()


def pair():
    """(parent_end, child_end), both close-on-exec."""
    a, b = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_SEQPACKET)
    return Channel(a), Channel(b)


def error_text(err):
    """What a process giving up says of err: a PyrunError's message, an OSError's file and reason."""
    if isinstance(err, PyrunError):
        return err.message
    if isinstance(err, OSError) and err.filename:
        return f"{err.filename}: {err.strerror}"
    return str(err) or type(err).__name__
