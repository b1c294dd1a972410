"""Configs that must be refused (runtime.md#create: "If the runtime cannot apply a property as
specified in the configuration, it MUST generate an error and a new container MUST NOT be
created"; runtime.md#errors). Each case checks the refusal and that no container was left."""

import json
import os

from conformance.registry import area, case

area("invalid", "invalid configs refused")


def refuse(t, b, what, raw=None):
    """create must fail; afterwards the id must be unknown (or at least not created/running)."""
    if raw is not None:
        b.save()
        with open(os.path.join(b.path, "config.json"), "w") as f:
            f.write(raw)
        b.save = lambda: b  # keep the broken file
    res, c = t.try_create(b)
    if res.rc == 0:
        # Some errors may surface at start; the program must not run either way.
        st = t.rt("start", c.id)
        t.check(st.rc != 0, f"{what} was accepted by create and start")
        raise AssertionError(f"{what} was accepted by create (start then failed: {st.why()})")
    st = t.rt("state", c.id)
    if st.rc == 0:
        status = json.loads(st.out or "{}").get("status")
        t.check(status == "stopped", f"after refusing {what}, a container exists in status {status!r}")


def _simple(name, section, text, mutate, level="MUST"):
    def fn(t):
        b = t.bundle("echo must-not-run")
        mutate(t, b)
        refuse(t, b, text)
    case(f"invalid.{name}", section, level, f"refused: {text}")(fn)


def _no_config(t, b):
    b.save = lambda: b  # config.json is only written by save()


_simple("no_config_json", "bundle.md", "a bundle without config.json", _no_config)


@case("invalid.malformed_json", "bundle.md", "MUST", "refused: a config.json that is not JSON")
def malformed_json(t):
    refuse(t, t.bundle("true"), "a config.json that is not JSON", raw='{"ociVersion": "1.2.0", "process": ')


_simple("root_missing", "config.md#root", "a root.path that does not exist",
        lambda t, b: b.config["root"].update(path="no-such-rootfs"))
_simple("root_is_file", "config.md#root", "a root.path that is a file",
        lambda t, b: b.config["root"].update(path="rootfs/etc/passwd"))
_simple("args_empty", "config.md#process", "process.args empty",
        lambda t, b: b.process.update(args=[]))
_simple("args_missing_program", "runtime.md#start", "a program that does not exist",
        lambda t, b: b.args("/no/such/program"))
_simple("cwd_relative", "config.md#process", "a relative process.cwd",
        lambda t, b: b.process.update(cwd="tmp"))
_simple("rlimit_unknown", "config.md#posix-process", "an unknown rlimit type",
        lambda t, b: b.process["rlimits"].append({"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}))
_simple("rlimit_duplicate", "config.md#posix-process", "the same rlimit type twice",
        lambda t, b: b.process["rlimits"].append({"type": "RLIMIT_NOFILE", "soft": 10, "hard": 10}))
_simple("rlimit_soft_above_hard", "config.md#posix-process", "an rlimit whose soft value exceeds hard",
        lambda t, b: b.process["rlimits"].append({"type": "RLIMIT_CORE", "soft": 100, "hard": 10}))
_simple("hook_path_relative", "config.md#posix-platform-hooks", "a hook with a relative path",
        lambda t, b: b.hook("prestart", "bin/true"))
_simple("hook_missing", "config.md#posix-platform-hooks", "a prestart hook that does not exist",
        lambda t, b: b.hook("prestart", "/no/such/hook"))
_simple("mount_source_missing", "config.md#mounts", "a bind mount of a missing source",
        lambda t, b: b.mount("/mnt/x", "bind", "/no/such/source", ["rbind"]))
_simple("mount_type_unknown", "config.md#mounts", "a mount of an unknown filesystem type",
        lambda t, b: b.mount("/mnt/x", "nosuchfs", "none"))
_simple("device_bad_type", "config-linux.md#devices", "a device of type 'x'",
        lambda t, b: b.linux.update(devices=[{"path": "/dev/bad", "type": "x", "major": 1, "minor": 3}]))
_simple("oom_score_adj_range", "config.md#linux-process", "oomScoreAdj outside -1000..1000",
        lambda t, b: b.process.update(oomScoreAdj=5000))


def _bad_id(t):
    res, c = t.try_create(t.bundle("true"), cid="bad/../id")
    t.refused(res, "a container id containing '/' and '..'")


case("invalid.id_with_slash", "runtime.md#create", "compat", "refused: a container id with '/' and '..'")(_bad_id)
