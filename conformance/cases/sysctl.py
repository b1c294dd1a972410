"""Sysctl (config-linux.md#sysctl): namespaced kernel parameters set inside the container only.

Values for the refusal cases are the current ones, so that even a runtime that wrongly applies
them changes nothing (and the case's own network/ipc/uts namespaces shield the host anyway)."""

from conformance.registry import area, case

area("sysctl", "sysctl")


def _current(key):
    with open("/proc/sys/" + key.replace(".", "/")) as f:
        return f.read().strip()


@case("sysctl.net", "config-linux.md#sysctl", "MUST",
      "a net.* sysctl is set in the container's network namespace, not the runtime's")
def net(t):
    before = _current("net.ipv4.ip_unprivileged_port_start")
    b = t.bundle("cat /proc/sys/net/ipv4/ip_unprivileged_port_start")
    b.linux["sysctl"] = {"net.ipv4.ip_unprivileged_port_start": "123"}
    t.eq(t.run(b).output().strip(), "123", "net.ipv4.ip_unprivileged_port_start inside")
    t.eq(_current("net.ipv4.ip_unprivileged_port_start"), before, "the runtime's value afterwards")


@case("sysctl.ipc", "config-linux.md#sysctl", "MUST",
      "a kernel.msg*/shm* sysctl is set in the container's ipc namespace")
def ipc(t):
    b = t.bundle("cat /proc/sys/kernel/msgmax")
    b.linux["sysctl"] = {"kernel.msgmax": "12345"}
    t.eq(t.run(b).output().strip(), "12345", "kernel.msgmax inside")


@case("sysctl.several", "config-linux.md#sysctl", "MUST",
      "several sysctls are all applied")
def several(t):
    b = t.bundle("cat /proc/sys/net/core/somaxconn /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni")
    b.linux["sysctl"] = {"net.core.somaxconn": "256", "net.ipv4.ip_forward": "1", "kernel.shmmni": "999"}
    t.eq(t.run(b).output().split(), ["256", "1", "999"], "somaxconn, ip_forward, shmmni inside")


@case("sysctl.unknown_refused", "runtime.md#create", "MUST",
      "a sysctl that does not exist cannot be applied: create errors")
def unknown_refused(t):
    b = t.bundle("true")
    b.linux["sysctl"] = {"net.ipv4.no_such_parameter": "1"}
    res, _ = t.try_create(b)
    t.refused(res, "an unknown sysctl")


@case("sysctl.host_wide_refused", "config-linux.md#sysctl", "compat",
      "a sysctl that is not namespaced (vm.*) is refused rather than changing the host")
def host_wide_refused(t):
    b = t.bundle("true")
    b.linux["sysctl"] = {"vm.swappiness": _current("vm.swappiness")}
    res, _ = t.try_create(b)
    t.refused(res, "vm.swappiness (host-wide)")


@case("sysctl.net_without_netns_refused", "config-linux.md#sysctl", "compat",
      "a net.* sysctl without a network namespace is refused")
def net_without_netns_refused(t):
    b = t.bundle("true")
    b.drop_namespace("network")
    b.drop_mount("/sys")
    b.linux["sysctl"] = {"net.ipv4.ip_forward": _current("net.ipv4.ip_forward")}
    res, _ = t.try_create(b)
    t.refused(res, "net.ipv4.ip_forward without a network namespace")
