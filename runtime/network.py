"""Networking inside a new network namespace: the loopback interface comes up.

Setting IFF_UP on lo is one ioctl; pyroute2 (netlink) costs ~100 ms to import, four times a
whole `runc run`, so it is loaded only for the work that needs netlink (moving net devices into
the container, linux.netDevices).
"""

import _socket   # not the socket module: its enums cost every create ~2 ms
import fcntl
import struct

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def loopback_up():
    s = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    try:
        ifreq = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, ifreq))[1]
        if not flags & IFF_UP:
            fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))
    finally:
        s.close()
