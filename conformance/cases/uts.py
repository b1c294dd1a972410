"""Hostname and domainname (config.md#hostname, config.md#domainname)."""

import socket

from conformance.registry import area, case

area("uts", "hostname and domainname")


@case("uts.hostname", "config.md#hostname", "MUST",
      "hostname is the container's hostname")
def hostname(t):
    b = t.bundle("hostname")
    b.config["hostname"] = "cf-host-1"
    t.eq(t.run(b).output().strip(), "cf-host-1", "hostname inside")


@case("uts.hostname_not_outside", "config.md#hostname", "MUST",
      "setting the container's hostname leaves the runtime's hostname alone")
def hostname_not_outside(t):
    before = socket.gethostname()
    b = t.bundle("hostname")
    b.config["hostname"] = "cf-host-2"
    t.run(b)
    t.eq(socket.gethostname(), before, "the runtime's hostname after the run")


@case("uts.domainname", "config.md#domainname", "MUST",
      "domainname is the container's NIS domain name")
def domainname(t):
    b = t.bundle("cat /proc/sys/kernel/domainname")
    b.config["domainname"] = "cf.example"
    t.eq(t.run(b).output().strip(), "cf.example", "domainname inside")


@case("uts.hostname_needs_uts_ns", "config.md#hostname", "compat",
      "a hostname without a uts namespace is refused (it would rename the host)")
def hostname_needs_uts_ns(t):
    b = t.bundle("true")
    b.config["hostname"] = "cf-host-3"
    b.drop_namespace("uts")
    before = socket.gethostname()
    res, _ = t.try_create(b)
    t.eq(socket.gethostname(), before, "the runtime's hostname after the create")
    t.refused(res, "hostname without a uts namespace")
