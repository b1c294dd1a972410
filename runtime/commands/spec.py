"""`pyrun spec`: write a starter config.json into a bundle, as `runc spec` does.

The content is spec.defaults' (runc's default spec, or its rootless form); the file is written the
way runc writes it: tab-indented, keys in the Go struct order, no trailing newline, mode 0666
less the umask, and never over an existing config.json.
"""

import os

from runtime.cli import Option, check_args
from runtime.errors import PyrunError

USAGE = "pyrun spec [command options] [arguments...]"
DESCRIPTION = """\
   The spec command creates the new specification file named "config.json" for
the bundle.

The spec generated is just a starter file. Editing of the spec is required to
achieve desired results. For example, the newly generated spec includes an args
parameter that is initially set to call the "sh" command when the container is
started. Calling "sh" may work for an ubuntu container or busybox, but will not
work for containers that do not include the "sh" program.

Pass --rootless to generate a configuration for a container started by an
unprivileged user: a user namespace mapping that user to root, no network
namespace, /sys bind-mounted, and no cgroup limits.
"""
OPTIONS = [
    Option("--bundle", short="-b", kind="value", help="path to the root of the bundle directory"),
    Option("--rootless", help="generate a configuration for a rootless container"),
]

# Field order of runc's Go structs (specs-go), so the file reads like runc's.
_TOP_ORDER = ("ociVersion", "process", "root", "hostname", "domainname", "mounts", "hooks", "annotations",
              "linux")
_LINUX_ORDER = ("uidMappings", "gidMappings", "sysctl", "resources", "cgroupsPath", "namespaces", "devices",
                "seccomp", "rootfsPropagation", "maskedPaths", "readonlyPaths", "mountLabel", "intelRdt",
                "personality", "timeOffsets")


def _ordered(mapping, order):
    keys = [k for k in order if k in mapping] + [k for k in mapping if k not in order]
    return {k: mapping[k] for k in keys}


def render(config):
    """config.json's text exactly as written: runc's json.MarshalIndent(spec, "", "\\t")."""
    import json
    config = _ordered(config, _TOP_ORDER)
    if isinstance(config.get("linux"), dict):
        config["linux"] = _ordered(config["linux"], _LINUX_ORDER)
    # Go's omitempty: a mount with no options has no "options" key.
    if isinstance(config.get("mounts"), list):
        config["mounts"] = [{k: v for k, v in m.items() if not (k == "options" and not v)}
                            for m in config["mounts"]]
    return json.dumps(config, indent="\t", ensure_ascii=False)


def main(g, opts, args):
    check_args(args, "spec", "exactly", 0)
    from spec.defaults import default_config, rootless_config
    config = rootless_config(os.geteuid(), os.getegid()) if opts.rootless else default_config()
    directory = opts.bundle or "."
    if not os.path.isdir(directory):
        reason = "not a directory" if os.path.exists(directory) else "no such file or directory"
        raise PyrunError(f"chdir {directory}: {reason}")
    path = os.path.join(directory, "config.json")
    data = render(config).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    except FileExistsError:
        raise PyrunError("File config.json exists. Remove it first") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    except OSError:
        os.unlink(path)  # leave no half-written config behind
        raise
    return 0
