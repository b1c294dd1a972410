"""Networking inside a new network namespace: the loopback interface comes up, and the host's
network devices named in linux.netDevices move into the container (runtime-spec 1.2, runc's way).

Setting IFF_UP on lo is one ioctl; pyroute2 (netlink) costs ~100 ms to import, four times a
whole `runc run`, so it is loaded only for the work that needs netlink: move_devices(), called
only when a config has linux.netDevices. check() validates those entries without it.
"""

import _socket   # not the socket module: its enums cost every create ~2 ms
import fcntl
import os
import struct

from runtime.errors import ConfigError, SetupError

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


# --- linux.netDevices -------------------------------------------------------------------------

WHERE = "linux.netDevices"
IFNAMSIZ = 16
IFA_F_PERMANENT = 0x80
RT_SCOPE_UNIVERSE = 0


def valid_name(name):
    """The kernel's dev_valid_name(): 1-15 bytes, not . or .., no '/', ':' or white space."""
    if not isinstance(name, str) or not name or len(name.encode()) >= IFNAMSIZ or name in (".", ".."):
        return False
    return not any(c in "/:" or c.isspace() for c in name)


def net_devices(config):
    """linux.netDevices as [(host name, name in the container)], in the config's order."""
    devices = (config.get("linux") or {}).get("netDevices") or {}
    return [(host, (entry or {}).get("name") or host) for host, entry in devices.items()]


def check(config):
    """Refuse linux.netDevices the runtime cannot honour, before anything is created.

    Cheap (no netlink library): the entries and names first (pure), then what the host decides:
    root, the network namespace, and that each device exists in the runtime's network namespace.
    Whether the kernel lets a device change namespace (a bridge does not) is only known when it
    is moved; move_devices() reports that.
    """
    lin = config.get("linux") or {}
    devices = lin.get("netDevices")
    if not devices:
        return
    if not isinstance(devices, dict):
        raise ConfigError(f"config.json: {WHERE}: must be an object")
    netns = [ns for ns in lin.get("namespaces") or [] if isinstance(ns, dict) and ns.get("type") == "network"]
    if not netns:
        raise ConfigError(f"config.json: {WHERE}: needs a network namespace "
                          "(linux.namespaces has no \"network\" entry)")
    path = netns[0].get("path")
    taken = {} if path else {"lo": "the container's loopback"}
    for host_name, entry in devices.items():
        at = f"config.json: {WHERE}.{host_name}"
        if not valid_name(host_name):
            raise ConfigError(f"config.json: {WHERE}: {host_name!r} is not a valid network device name")
        if entry is not None and not isinstance(entry, dict):
            raise ConfigError(f"{at}: must be an object")
        if host_name == "lo":
            raise ConfigError(f"{at}: the loopback device cannot leave its network namespace")
        name = (entry or {}).get("name") or host_name
        if not valid_name(name):
            raise ConfigError(f"{at}.name: {name!r} is not a valid network device name")
        if "%d" not in name:
            if name in taken:
                raise ConfigError(f"{at}.name: {name!r} is already taken in the container ({taken[name]})")
            taken[name] = f"by {WHERE}.{host_name}"
    if os.geteuid() != 0:
        raise ConfigError(f"config.json: {WHERE}: moving network devices needs root "
                          "(not supported for rootless containers)")
    if path and _same_file(path, "/proc/self/ns/net"):
        raise ConfigError(f"config.json: {WHERE}: the network namespace {path} is the runtime's own: "
                          "devices cannot be moved into it")
    for host_name in devices:
        try:
            _socket.if_nametoindex(host_name)
        except OSError:
            raise ConfigError(f"config.json: {WHERE}.{host_name}: no network device {host_name!r} "
                              "on the host (the runtime's network namespace)") from None


def _same_file(a, b):
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


class _Link:
    """One device being moved: where it is, and what must travel with it."""

    def __init__(self, host_name, name):
        self.host_name = host_name
        self.name = name          # wanted in the container ("%d" lets the kernel pick)
        self.index = None         # its ifindex where it is now
        self.was_up = False
        self.addresses = []       # kwargs for IPRoute.addr("add"): the permanent global ones
        self.inside = False       # in the container's network namespace now


def move_devices(config, init_pid):
    """Move the linux.netDevices devices into the init's network namespace, renamed as asked,
    with their permanent global addresses re-added, and set them up (runc 1.3's steps; the
    kernel keeps MTU and hardware address across the move).

    If one fails, those already moved go back to the host under their own names with their
    addresses and former up/down state, and SetupError names linux.netDevices and the device.
    """
    from pyroute2 import IPRoute
    from pyroute2.netlink.exceptions import NetlinkError

    from runtime import linux

    links = [_Link(h, n) for h, n in net_devices(config)]
    host_fd = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    ns_fd = host = inside = None
    current = None
    try:
        try:
            ns_fd = os.open(f"/proc/{init_pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        except OSError as err:
            raise SetupError(f"{WHERE}: the container's network namespace: {err.strerror}") from None
        host = IPRoute(groups=0)
        inside = IPRoute(fileno=_netlink_socket_in(ns_fd, host_fd, linux), groups=0)
        for link in links:
            current = link
            _read_host_state(host, link)
            _transfer(host, inside, ns_fd, link, link.name, up=True, into_container=True)
        current = None
    except Exception as err:
        if inside is not None and host is not None:
            _roll_back(host, inside, host_fd, links, current, NetlinkError)
        if isinstance(err, SetupError):
            raise
        what = f"{WHERE}: {current.host_name}" if current else WHERE
        raise SetupError(f"{what}: {_describe(err, current)}") from None
    finally:
        for ipr in (inside, host):
            if ipr is not None:
                ipr.close()
        for fd in (ns_fd, host_fd):
            if fd is not None:
                os.close(fd)


def _netlink_socket_in(ns_fd, host_fd, linux):
    """A NETLINK_ROUTE socket of the container's network namespace, made here rather than by
    pyroute2 (which forks a helper to create it): a socket keeps the namespace it was made in."""
    import socket
    linux.setns(ns_fd, linux.CLONE_NEWNET)
    try:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 0)   # 0: NETLINK_ROUTE
    finally:
        linux.setns(host_fd, linux.CLONE_NEWNET)
    return sock.detach()


def _read_host_state(host, link):
    found = host.link_lookup(ifname=link.host_name)
    if not found:
        raise SetupError(f"{WHERE}: {link.host_name}: no such network device on the host")
    link.index = found[0]
    msg = host.get_links(link.index)[0]
    link.was_up = bool(msg["flags"] & IFF_UP)
    # Read before the device goes down: a down link loses its IPv6 addresses (keep_addr_on_down=0).
    link.addresses = [_address_args(a) for a in host.get_addr(index=link.index) if _movable(a)]


def _movable(addr):
    """The spec's rule (runc's too): permanent addresses (IFA_F_PERMANENT) of global scope."""
    flags = addr.get_attr("IFA_FLAGS")
    if flags is None:
        flags = addr["flags"]
    return bool(flags & IFA_F_PERMANENT) and addr["scope"] == RT_SCOPE_UNIVERSE


def _address_args(addr):
    args = {"address": addr.get_attr("IFA_ADDRESS"), "prefixlen": addr["prefixlen"]}
    for attr, key in (("IFA_LOCAL", "local"), ("IFA_BROADCAST", "broadcast")):
        value = addr.get_attr(attr)
        if value:
            args[key] = value
    return args


def _transfer(src, dst, dst_fd, link, new_name, up, into_container):
    """Move link from src's namespace to dst's (fd dst_fd) as new_name, in one RTM_NEWLINK
    (rename and move together: the old name may be taken there), then re-add its addresses."""
    if "%d" not in new_name and dst.link_lookup(ifname=new_name):
        raise SetupError(f"{WHERE}: {link.host_name}: {_name_taken(link.name if into_container else new_name)}")
    src.link("set", index=link.index, state="down")
    before = None if "%d" not in new_name else {m["index"] for m in dst.get_links()}
    old_name = src.get_links(link.index)[0].get_attr("IFLA_IFNAME")
    try:
        src.link("set", index=link.index, net_ns_fd=dst_fd, ifname=new_name)
    except Exception:
        # The kernel moves the device first and renames it there: a failed rename (a name taken
        # since the check above) leaves it in dst under its old name. Note that, for the roll-back.
        if not src.link_lookup(ifname=old_name):
            found = dst.link_lookup(ifname=old_name)
            if found:
                link.index, link.inside = found[0], into_container
        raise
    link.inside = into_container
    if before is None:
        found = dst.link_lookup(ifname=new_name)
    else:   # the kernel picked the name: the one device that was not there before
        found = [m["index"] for m in dst.get_links() if m["index"] not in before]
    if len(found) != 1:
        raise SetupError(f"{WHERE}: {link.host_name}: moved, but not found as {new_name!r} "
                         "in the target network namespace")
    link.index = found[0]
    for args in link.addresses:
        dst.addr("add", index=link.index, **args)
    if up:
        dst.link("set", index=link.index, state="up")


def _name_taken(name):
    return (f"cannot move it into the container as {name!r}: a device of that name exists there "
            f"({os.strerror(17)})")


def _roll_back(host, inside, host_fd, links, current, NetlinkError):
    """Best effort: the devices moved so far go home; the one that failed gets its state back."""
    for link in links:
        try:
            if link.inside:
                _transfer(inside, host, host_fd, link, link.host_name, up=link.was_up, into_container=False)
            elif link is current and link.index is not None and link.was_up:
                host.link("set", index=link.index, state="up")
                for args in link.addresses:     # IPv6 ones go when the link goes down
                    try:
                        host.addr("add", index=link.index, **args)
                    except NetlinkError:
                        pass                     # still there (EEXIST)
        except Exception:   # noqa: BLE001 - the original error is the one to report
            pass


def _describe(err, link):
    code = getattr(err, "code", None) or getattr(err, "errno", None)
    text = os.strerror(code) if code else str(err)
    if link is None:
        return text
    if code == 17:     # EEXIST
        return _name_taken(link.name)
    if code == 22 and not link.inside:    # EINVAL: e.g. NETIF_F_NETNS_LOCAL (bridges, lo)
        return f"the kernel refused to move it to another network namespace ({text})"
    return text
