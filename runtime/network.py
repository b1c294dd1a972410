"""Networking inside a new network namespace: the loopback interface comes up.

Setting IFF_UP on lo is one ioctl; pyroute2 (netlink) costs ~100 ms to import, four times a
whole `runc run`, so it is loaded only for the work that needs netlink (moving net devices into
the container, linux.netDevices).
"""

import fcntl
import socket
import struct

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def loopback_up():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifreq = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, SIOCGIFFLAGS, ifreq))[1]
        if not flags & IFF_UP:
            fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))
