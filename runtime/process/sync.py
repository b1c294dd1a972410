"""The sync channel between the runtime (parent) and the processes it forks (the namespace
child and the container's init): a SOCK_SEQPACKET socketpair carrying one JSON message per
packet, so message boundaries are the kernel's and a dead peer reads as end of file.

Messages are small dicts with a "type": pid, userns, continue, hooks, ready, error.
"""

import json
import socket

from runtime.errors import SetupError


class Channel:
    def __init__(self, sock):
        self.sock = sock

    def send(self, type_, **fields):
        fields["type"] = type_
        self.sock.send(json.dumps(fields).encode())

    def recv(self):
        """The next message, or None when the other side is gone."""
        data = self.sock.recv(65536)
        if not data:
            return None
        return json.loads(data)

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
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    return Channel(a), Channel(b)
