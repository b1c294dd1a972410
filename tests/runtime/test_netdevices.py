"""linux.netDevices (runtime-spec 1.2 "Network Devices"): host devices move into the container's
network namespace, renamed as asked, with their permanent global addresses, MTU and hardware
address, and up; on delete nothing moves them back (the kernel destroys virtual devices with the
namespace). A config pyrun cannot honour fails create with nothing left, and pyroute2 is imported
only for configs that have netDevices.

The host devices are veth pairs and bridges made here with `ip link` (this kernel has no dummy
driver), under unique names, deleted afterwards. Addresses come from the documentation ranges
(192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32); no packet is sent.
"""

import json
import os
import subprocess
import tempfile
import time
import uuid

import pytest

from testlib import IS_ROOT, PYRUN, PYRUN_PYTHON, leftovers, needs_root

from runtime import network
from spec import features


def ip(*args, check=True):
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


def link_json(name, netns_pid=None):
    """`ip -j -d addr show dev NAME` as a dict (host, or the netns of netns_pid), None if absent."""
    cmd = ["ip", "-j", "addr", "show", "dev", name]
    if netns_pid:
        cmd = ["nsenter", "-t", str(netns_pid), "-n", *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout)[0]


def addresses(link):
    return sorted(f"{a['local']}/{a['prefixlen']}" for a in link["addr_info"])


def exists(name):
    return ip("link", "show", "dev", name, check=False).returncode == 0


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.fixture
def host_links():
    """host_links(kind) -> a new device name on the host (veth: its peer is NAME + 'p'); all are
    deleted at the end, under whatever name they came back with."""
    made = []

    def make(kind="veth", mtu=None, up=True, addrs=()):
        name = f"nd{uuid.uuid4().hex[:7]}"
        if kind == "veth":
            ip("link", "add", name, "type", "veth", "peer", "name", name + "p")
        else:
            ip("link", "add", name, "type", kind)
        made.append(name)
        if mtu:
            ip("link", "set", name, "mtu", str(mtu))
        if up:
            ip("link", "set", name, "up")
        for addr in addrs:
            ip("addr", "add", *addr.split(), "dev", name)
        return name

    yield make
    for name in made:
        for candidate in (name, name + "p"):
            ip("link", "del", candidate, check=False)


def netdev_bundle(make_bundle, devices, args=("true",), netns_path=None):
    bundle = make_bundle(args=args)
    bundle.config["linux"]["netDevices"] = devices
    if netns_path:
        for ns in bundle.config["linux"]["namespaces"]:
            if ns["type"] == "network":
                ns["path"] = netns_path
    return bundle.save()


def create_fails(rt, bundle):
    cid = rt.new_id()
    proc = rt("create", "-b", bundle.path, cid, check=False)
    assert proc.returncode == 1, proc.stderr
    assert leftovers(rt, cid, bundle) == []
    return proc.stderr.strip()


# --- checks before anything exists (pure logic) ------------------------------------------------

def test_device_names_follow_the_kernel_rules():
    assert network.valid_name("eth0") and network.valid_name("a" * 15) and network.valid_name("eth%d")
    for bad in ("", "a" * 16, ".", "..", "a/b", "a:b", "a b", "a\tb", None, 3):
        assert not network.valid_name(bad), bad


def config_with(devices, namespaces=({"type": "network"},)):
    return {"linux": {"namespaces": list(namespaces), "netDevices": devices}}


@pytest.mark.parametrize("devices, namespaces, message", [
    ({"eth0": {}}, [{"type": "mount"}],
     'config.json: linux.netDevices: needs a network namespace (linux.namespaces has no "network" entry)'),
    ({"bad/name": {}}, [{"type": "network"}],
     "config.json: linux.netDevices: 'bad/name' is not a valid network device name"),
    ({"eth0": {"name": "x" * 16}}, [{"type": "network"}],
     f"config.json: linux.netDevices.eth0.name: {'x' * 16!r} is not a valid network device name"),
    ({"eth0": {"name": "lo"}}, [{"type": "network"}],
     "config.json: linux.netDevices.eth0.name: 'lo' is already taken in the container (the container's loopback)"),
    ({"eth0": {"name": "c0"}, "eth1": {"name": "c0"}}, [{"type": "network"}],
     "config.json: linux.netDevices.eth1.name: 'c0' is already taken in the container (by linux.netDevices.eth0)"),
    ({"lo": {}}, [{"type": "network"}],
     "config.json: linux.netDevices.lo: the loopback device cannot leave its network namespace"),
    ({"eth0": "eth1"}, [{"type": "network"}], "config.json: linux.netDevices.eth0: must be an object"),
])
def test_check_refuses_bad_entries_naming_them(devices, namespaces, message):
    with pytest.raises(network.ConfigError) as err:
        network.check(config_with(devices, namespaces))
    assert str(err.value) == message


def test_check_allows_templates_and_ignores_configs_without_netdevices():
    network.check({"linux": {"namespaces": [{"type": "network"}]}})
    network.check({})
    with pytest.raises(network.ConfigError) as err:   # two templates do not clash: what stops it is the host
        network.check(config_with({"nd-missing0": {"name": "eth%d"}, "nd-missing1": {"name": "eth%d"}}))
    if IS_ROOT:
        assert str(err.value) == ("config.json: linux.netDevices.nd-missing0: no network device 'nd-missing0' "
                                  "on the host (the runtime's network namespace)")
    else:
        assert "needs root" in str(err.value)


def test_features_document_claims_netdevices():
    assert features.features_document()["linux"]["netDevices"] == {"enabled": True}


# --- real containers -----------------------------------------------------------------------------

@needs_root
def test_devices_move_in_renamed_with_addresses_and_mtu_and_go_with_the_namespace(pyrun, make_bundle, host_links):
    first = host_links(mtu=1400, addrs=("192.0.2.5/24", "2001:db8::5/64",
                                        "198.51.100.7/24 scope link"))   # not global: stays behind
    second = host_links(up=False)                                        # down on the host
    mac = link_json(first)["address"]
    bundle = netdev_bundle(make_bundle, {first: {"name": "ctr0"}, second: {"name": "eth%d"}},
                           args=["sh", "-c", "ip -o addr show dev ctr0 > /out; "
                                             "cat /sys/class/net/ctr0/mtu /sys/class/net/eth0/operstate >> /out"])
    cid = pyrun.new_id()
    pyrun("create", "-b", bundle.path, cid)
    pid = pyrun.state(cid)["pid"]

    # The host no longer has them; their veth peers are still there.
    assert not exists(first) and not exists(second)
    assert exists(first + "p") and exists(second + "p")
    inside = link_json("ctr0", pid)
    assert inside is not None, ip("-o", "link", check=False)
    assert addresses(inside) == ["192.0.2.5/24", "2001:db8::5/64"]
    assert inside["mtu"] == 1400 and inside["address"] == mac
    assert "UP" in inside["flags"]
    templated = link_json("eth0", pid)      # "eth%d": the kernel's pick in the container
    assert templated is not None and "UP" in templated["flags"]

    # The container's own process sees them.
    pyrun("start", cid)
    assert wait_until(lambda: pyrun.state(cid)["status"] == "stopped", 10)
    with open(os.path.join(bundle.rootfs, "out")) as f:
        out = f.read()
    assert "ctr0" in out and "192.0.2.5/24" in out and "2001:db8::5/64" in out
    # ctr0's MTU, then eth0's operstate: not "down" (its veth peer on the host is down: lowerlayerdown)
    assert out.split()[-2] == "1400" and out.split()[-1] in ("up", "lowerlayerdown"), out

    # Delete does not move them back (the spec's MUST NOT): the namespace goes, and with it the
    # virtual devices; their host peers go with them. Nothing comes back under either name.
    pyrun("delete", cid)
    assert wait_until(lambda: not exists(first + "p") and not exists(second + "p"))
    assert not exists(first) and not exists("ctr0") and not exists(second)


@needs_root
def test_missing_host_device_fails_create_naming_it(pyrun, make_bundle):
    name = f"nd{uuid.uuid4().hex[:7]}"
    bundle = netdev_bundle(make_bundle, {name: {"name": "ctr0"}})
    err = create_fails(pyrun, bundle)
    assert err == (f"config.json: linux.netDevices.{name}: no network device {name!r} on the host "
                   "(the runtime's network namespace)")


@needs_root
def test_host_network_namespace_by_path_is_refused(pyrun, make_bundle, host_links):
    dev = host_links()
    bundle = netdev_bundle(make_bundle, {dev: {}}, netns_path="/proc/self/ns/net")
    err = create_fails(pyrun, bundle)
    assert "linux.netDevices" in err and "runtime's own" in err
    assert exists(dev)


@needs_root
def test_device_the_kernel_will_not_move_fails_create_and_the_others_come_back(pyrun, make_bundle, host_links):
    """A bridge cannot change namespace (NETIF_F_NETNS_LOCAL). The veth moved before it returns to
    the host under its own name with its addresses, MTU and up state; the bridge keeps its state."""
    veth = host_links(mtu=1300, addrs=("192.0.2.9/24", "2001:db8::9/64"))
    bridge = host_links(kind="bridge")
    before = link_json(veth)
    bundle = netdev_bundle(make_bundle, {veth: {"name": "ctr0"}, bridge: {}})
    err = create_fails(pyrun, bundle)
    assert err.startswith(f"linux.netDevices: {bridge}: the kernel refused to move it"), err
    after = link_json(veth)
    assert after is not None, "the veth did not come back"
    assert addresses(after) == addresses(before) == ["192.0.2.9/24", "2001:db8::9/64"]
    assert after["mtu"] == 1300 and after["address"] == before["address"] and "UP" in after["flags"]
    assert "UP" in link_json(bridge)["flags"]


# --- pyroute2 is imported only when a config has netDevices ------------------------------------

def imported_modules(rt, bundle):
    """Create (under -X importtime) and delete; the names of the modules create imported."""
    cid = rt.new_id()
    cmd = [PYRUN_PYTHON, "-IS", "-X", "importtime", PYRUN, "--root", rt.root, "create", "-b", bundle.path, cid]
    # A file, not a pipe: the container's init keeps create's stderr open.
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, timeout=60)
        err.seek(0)
        report = err.read()
    assert proc.returncode == 0, report[-2000:]
    rt("delete", "--force", cid)
    return {line.split("|")[-1].strip() for line in report.splitlines() if line.startswith("import time:")}


@needs_root
def test_pyroute2_is_imported_only_for_configs_with_netdevices(pyrun, make_bundle, host_links):
    plain = imported_modules(pyrun, make_bundle())
    assert "runtime.network" in plain and not any(m.startswith("pyroute2") for m in plain)
    with_devices = imported_modules(pyrun, netdev_bundle(make_bundle, {host_links(): {}}))
    assert "pyroute2" in with_devices


# --- a network namespace joined by path -----------------------------------------------------------

@pytest.fixture
def held_netns():
    """A network namespace kept alive by a sleeping process: (its /proc path, the holder's pid)."""
    holder = subprocess.Popen(["unshare", "--net", "sleep", "60"])
    try:
        assert wait_until(lambda: os.readlink(f"/proc/{holder.pid}/ns/net") != os.readlink("/proc/self/ns/net"))
        yield f"/proc/{holder.pid}/ns/net", holder.pid
    finally:
        holder.kill()
        holder.wait()


@needs_root
def test_joined_namespace_keeps_the_device_after_delete(pyrun, make_bundle, host_links, held_netns):
    """Delete moves nothing: in a namespace that outlives the container, the device stays there."""
    path, holder = held_netns
    dev = host_links(addrs=("192.0.2.33/24",))
    bundle = netdev_bundle(make_bundle, {dev: {"name": "ctr0"}}, netns_path=path)
    cid = pyrun.new_id()
    pyrun("create", "-b", bundle.path, cid)
    assert addresses(link_json("ctr0", holder)) == ["192.0.2.33/24"]
    pyrun("delete", "--force", cid)
    assert addresses(link_json("ctr0", holder)) == ["192.0.2.33/24"]
    assert not exists(dev) and exists(dev + "p")


@needs_root
def test_name_taken_in_the_joined_namespace_fails_create_and_the_device_comes_back(
        pyrun, make_bundle, host_links, held_netns):
    path, holder = held_netns
    subprocess.run(["nsenter", "-t", str(holder), "-n", "ip", "link", "add", "ctr0", "type", "bridge"], check=True)
    dev = host_links(addrs=("192.0.2.44/24",))
    bundle = netdev_bundle(make_bundle, {dev: {"name": "ctr0"}}, netns_path=path)
    err = create_fails(pyrun, bundle)
    assert err == (f"linux.netDevices: {dev}: cannot move it into the container as 'ctr0': "
                   "a device of that name exists there (File exists)")
    back = link_json(dev)
    assert back is not None and addresses(back) == ["192.0.2.44/24"] and "UP" in back["flags"]
