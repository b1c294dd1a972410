"""Masked and read-only paths (config-linux.md#masked-paths, #readonly-paths)."""

from conformance.registry import area, case

area("paths", "masked and read-only paths")


@case("paths.masked_file", "config-linux.md#masked-paths", "MUST",
      "a masked file reads as empty")
def masked_file(t):
    b = t.bundle("wc -c < /etc/secret; wc -c < /proc/timer_list")
    b.write("/etc/secret", "top secret\n")
    b.linux["maskedPaths"] = ["/etc/secret", "/proc/timer_list"]
    t.eq(t.run(b).output().split(), ["0", "0"], "bytes read from masked /etc/secret and /proc/timer_list")


@case("paths.masked_dir", "config-linux.md#masked-paths", "MUST",
      "a masked directory shows no entries and cannot be written")
def masked_dir(t):
    b = t.bundle("ls -A /opt/hidden | wc -l; touch /opt/hidden/new 2>/dev/null && echo wrote || echo refused")
    b.write("/opt/hidden/a", "a\n")
    b.write("/opt/hidden/b", "b\n")
    b.linux["maskedPaths"] = ["/opt/hidden"]
    t.eq(t.run(b).output().split(), ["0", "refused"], "entries in masked /opt/hidden, write attempt")


@case("paths.masked_missing_ok", "config-linux.md#masked-paths", "compat",
      "a masked path that does not exist is ignored")
def masked_missing_ok(t):
    b = t.bundle("echo ran")
    b.linux["maskedPaths"] = ["/no/such/path"]
    t.eq(t.run(b).output().strip(), "ran", "program output")


@case("paths.readonly_proc_sys", "config-linux.md#readonly-paths", "MUST",
      "a read-only path (/proc/sys) cannot be written")
def readonly_proc_sys(t):
    b = t.bundle("echo 1 > /proc/sys/kernel/domainname 2>/dev/null && echo wrote || echo refused")
    b.linux["readonlyPaths"] = ["/proc/sys"]
    t.eq(t.run(b).output().strip(), "refused", "writing under a read-only /proc/sys")


@case("paths.readonly_custom", "config-linux.md#readonly-paths", "MUST",
      "a read-only rootfs directory cannot be written while the rest of / can")
def readonly_custom(t):
    b = t.bundle("touch /etc/x 2>/dev/null && echo etc-wrote || echo etc-refused; touch /tmp/y && echo tmp-wrote; "
                 "cat /etc/passwd >/dev/null && echo etc-readable")
    b.linux["readonlyPaths"] = ["/etc"]
    t.eq(t.run(b).output().split(), ["etc-refused", "tmp-wrote", "etc-readable"], "read-only /etc, writable /tmp")


@case("paths.readonly_missing_ok", "config-linux.md#readonly-paths", "compat",
      "a read-only path that does not exist is ignored")
def readonly_missing_ok(t):
    b = t.bundle("echo ran")
    b.linux["readonlyPaths"] = ["/no/such/path"]
    t.eq(t.run(b).output().strip(), "ran", "program output")
