"""The command line: runc's global flags and commands, parsed by hand, and the one place
where errors become a message and an exit code.

argparse alone costs 5-7 ms per call and pyrun's small commands must stay near runc's
4 ms, so options are declared as data in each command module and parsed here.
Each command lives in runtime/commands/<name>.py and is imported only when called.
"""

import os
import sys

from runtime.errors import PyrunError, UsageError

VERSION = "0.1.0"

# name -> (module, one-line summary). Modules are imported only when their command runs.
COMMANDS = {
    "create": "create a container",
    "start": "executes the user defined process in a created container",
    "run": "create and run a container",
    "state": "output the state of a container",
    "kill": "kill sends the specified signal (default: SIGTERM) to the container's init process",
    "delete": "delete any resources held by the container often used with detached container",
    "list": "lists containers started by pyrun with the given root",
    "exec": "execute new process inside the container",
    "ps": "ps displays the processes running inside a container",
    "pause": "pause suspends all processes inside the container",
    "resume": "resumes all processes that have been previously paused",
    "events": "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
    "update": "update container resource constraints",
    "spec": "create a new specification file",
    "features": "show the enabled features",
}


class Option:
    """One command-line option. kind: 'bool', 'value' or 'list' (repeatable value)."""

    __slots__ = ("name", "short", "kind", "default", "help", "dest")

    def __init__(self, name, short=None, kind="bool", default=None, help=""):
        self.name = name
        self.short = short
        self.kind = kind
        self.default = [] if kind == "list" and default is None else default
        if kind == "bool" and default is None:
            self.default = False
        self.help = help
        self.dest = name.lstrip("-").replace("-", "_")


class GlobalOptions:
    __slots__ = ("root", "log", "log_format", "debug", "systemd_cgroup", "rootless")

    def __init__(self):
        self.root = None
        self.log = None
        self.log_format = "text"
        self.debug = False
        self.systemd_cgroup = False
        self.rootless = None


GLOBAL_OPTIONS = [
    Option("--root", kind="value", help="root directory for storage of container state (default: /run/pyrun)"),
    Option("--log", kind="value", help="set the log file to write pyrun logs to (default is stderr)"),
    Option("--log-format", kind="value", default="text", help="set the log format ('text' (default), or 'json')"),
    Option("--debug", help="enable debug logging"),
    Option("--systemd-cgroup", help="enable systemd cgroup support (not supported: no systemd manager)"),
    Option("--rootless", kind="value", default="auto",
           help="ignore cgroup permission errors ('true', 'false', or 'auto')"),
    Option("--criu", kind="value", help="accepted for compatibility; checkpointing is not supported"),
]


class Options:
    """Parsed options of one command: attributes named after the options."""

    def __init__(self, options):
        for opt in options:
            setattr(self, opt.dest, list(opt.default) if opt.kind == "list" else opt.default)


def parse(options, argv, stop_at_first_arg=False):
    """Parse argv against options. Returns (Options, positional args).

    Accepts --name value, --name=value, -n value, -nvalue, single-dash long names
    (runc's urfave/cli accepts -bundle), and '--' to end options. With stop_at_first_arg,
    everything from the first positional argument on is positional (exec's command).
    """
    by_name = {}
    for opt in options:
        by_name[opt.name] = opt
        by_name["-" + opt.name.lstrip("-")] = opt
        if opt.short:
            by_name[opt.short] = opt
    values = Options(options)
    args = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            args.extend(argv[i:])
            break
        if not arg.startswith("-") or arg == "-":
            args.append(arg)
            if stop_at_first_arg:
                args.extend(argv[i:])
                break
            continue
        name, eq, inline = arg.partition("=")
        opt = by_name.get(name)
        if opt is None and not eq and len(arg) > 2 and arg[1] != "-" and arg[:2] in by_name:
            opt, inline, eq = by_name[arg[:2]], arg[2:], "="  # -bvalue
        if opt is None:
            raise UsageError(f"flag provided but not defined: {name}")
        if opt.kind == "bool":
            value = True
            if eq:
                value = inline.lower() in ("1", "true", "yes")
            setattr(values, opt.dest, value)
            continue
        if eq:
            value = inline
        elif i < len(argv):
            value = argv[i]
            i += 1
        else:
            raise UsageError(f"flag needs an argument: {name}")
        if opt.kind == "list":
            getattr(values, opt.dest).append(value)
        else:
            setattr(values, opt.dest, value)
    return values, args


def _help_text(name, module):
    lines = [f"NAME:\n   pyrun {name} - {COMMANDS[name]}", "", "USAGE:", f"   {module.USAGE}"]
    if getattr(module, "DESCRIPTION", ""):
        lines += ["", "DESCRIPTION:", module.DESCRIPTION.rstrip()]
    if module.OPTIONS:
        lines += ["", "OPTIONS:"]
        for opt in module.OPTIONS:
            flag = opt.name + (f", {opt.short}" if opt.short else "")
            if opt.kind != "bool":
                flag += " value"
            lines.append(f"   {flag:<32} {opt.help}")
    return "\n".join(lines) + "\n"


def _main_help():
    lines = ["NAME:", "   pyrun - an OCI container runtime in Python, a drop-in for runc", "",
             "USAGE:", "   pyrun [global options] command [command options] [arguments...]", "",
             "COMMANDS:"]
    lines += [f"   {name:<10} {summary}" for name, summary in COMMANDS.items()]
    lines += ["", "GLOBAL OPTIONS:"]
    for opt in GLOBAL_OPTIONS:
        flag = opt.name + (" value" if opt.kind != "bool" else "")
        lines.append(f"   {flag:<22} {opt.help}")
    lines += ["   --help, -h             show help", "   --version, -v          print the version"]
    return "\n".join(lines) + "\n"


def version_text():
    from spec.version import OCI_VERSION
    return f"pyrun version {VERSION}\nspec: {OCI_VERSION}\npython: {sys.version.split()[0]}\n"


def run():
    """The pyrun command: main(), then exit without tearing the interpreter down.

    A single-shot command gains nothing from the interpreter's orderly shutdown (collecting
    every module and object: 1-3 ms after a create); every file pyrun writes is closed by then,
    and stdout/stderr are flushed here. Nor from the cyclic garbage collector: it makes few
    reference cycles, while the collections that imports set off cost create ~1.3 ms (and, in a
    forked child, would touch every object's page). `events`, which runs on, turns it back on."""
    import gc
    gc.disable()
    status = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        pass   # a closed or broken stdout: nothing more can be said
    os._exit(status)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    g = GlobalOptions()
    try:
        # Global options come before the command name.
        i = 0
        while i < len(argv) and argv[i].startswith("-"):
            if argv[i] in ("--version", "-v"):
                sys.stdout.write(version_text())
                return 0
            if argv[i] in ("--help", "-h"):
                sys.stdout.write(_main_help())
                return 0
            name = argv[i].partition("=")[0]
            opt = next((o for o in GLOBAL_OPTIONS if name in (o.name, "-" + o.name.lstrip("-"))), None)
            if opt is None:
                raise UsageError(f"flag provided but not defined: {name}")
            i += 1 if (opt.kind == "bool" or "=" in argv[i]) else 2
        gopts, _ = parse(GLOBAL_OPTIONS, argv[:i])
        g.root, g.log, g.log_format = gopts.root, gopts.log, gopts.log_format
        g.debug, g.systemd_cgroup = gopts.debug, gopts.systemd_cgroup
        if gopts.rootless != "auto":     # None is auto
            from runtime.userns import parse_rootless_flag
            g.rootless = parse_rootless_flag(gopts.rootless)
        if g.log_format not in ("text", "json"):
            raise UsageError(f"invalid log-format: {g.log_format}")
        if g.root is None:
            g.root = default_root()
        if i >= len(argv):
            sys.stdout.write(_main_help())
            return 0
        name = argv[i]
        if name == "help":
            sys.stdout.write(_main_help())
            return 0
        if name not in COMMANDS:
            raise UsageError(f"No help topic for '{name}'")
        __import__(f"runtime.commands.{name}")   # the builtin: importlib itself costs 0.4 ms
        module = sys.modules[f"runtime.commands.{name}"]
        rest = argv[i + 1:]
        if _asks_help(rest):
            sys.stdout.write(_help_text(name, module))
            return 0
        opts, args = parse(module.OPTIONS, rest, getattr(module, "STOP_AT_FIRST_ARG", False))
        return module.main(g, opts, args) or 0
    except PyrunError as err:
        report_error(g, err.message)
        return err.exit_code
    except OSError as err:
        report_error(g, str(err))
        return 1
    except KeyboardInterrupt:
        return 130


def _asks_help(rest):
    """--help/-h among the options, before '--' or the first positional argument."""
    for arg in rest:
        if arg in ("--help", "-h"):
            return True
        if arg == "--" or not arg.startswith("-"):
            return False
    return False


def default_root():
    """runc's default: /run/pyrun for root; $XDG_RUNTIME_DIR/pyrun for an unprivileged user, and
    for root inside a user namespace (rootlesskit) unless $USER is root. An unprivileged user
    without XDG_RUNTIME_DIR gets /run/pyrun, which fails plainly, as runc's /run/runc does: a
    guessed directory in /tmp could be pre-made by someone else."""
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and (os.geteuid() != 0 or _root_in_userns()):
        return os.path.join(xdg, "pyrun")
    return "/run/pyrun"


def _root_in_userns():
    if os.environ.get("USER") == "root":
        return False
    from runtime import userns
    return userns.running_in_userns()


def report_error(g, message):
    """The one error edge: a line on stderr and, with --log, one log line (JSON with --log-format json)."""
    from runtime import log
    log.error(g, message)
