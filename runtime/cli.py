"""The command line: runc's global flags and commands, parsed by hand, and the one place
where errors become a message and an exit code.

argparse alone costs 5-7 ms per call and pyrun's small commands must stay near runc's
4 ms, so options are declared as data in each command module and parsed here.
Each command lives in runtime/commands/<name>.py and is imported only when called.
"""

import os
import sys

from runtime.errors import PyrunError, UsageError, strerror_text

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
    """One command-line option. kind: 'bool', 'value', 'list' (repeatable value), or a value
    checked as runc's typed flags check it: 'int' (kept as an int) or 'duration' (Go syntax, kept
    as seconds)."""

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


class IncorrectUsage(UsageError):
    """A usage error runc answers with "Incorrect Usage" and the help on stdout before the error:
    a flag that does not parse (header "Incorrect Usage: <error>", or "Incorrect Usage. <error>"
    for a global one) or the wrong number of arguments (header "Incorrect Usage.")."""

    def __init__(self, message, header=None):
        super().__init__(message)
        self.header = f"Incorrect Usage: {message}" if header is None else header


class HelpRequested(Exception):
    """-h, --help, -help or --h among the flags: print the help and exit 0, as urfave/cli does."""


def check_args(args, command, how, count):
    """runc's checkArgs: how is 'exactly', 'a minimum of' or 'a maximum of'."""
    n = len(args)
    if {"exactly": n != count, "a minimum of": n < count, "a maximum of": n > count}[how]:
        raise IncorrectUsage(f'pyrun: "{command}" requires {how} {count} argument(s)', "Incorrect Usage.")


def one_id(args, command):
    """The container id, the command's one argument (runc's words when there is not exactly one)."""
    check_args(args, command, "exactly", 1)
    return args[0]


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


# Go's strconv.ParseBool, which a bool flag's =value goes through.
_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")
_HELP = ("h", "help")


def parse(options, argv, stop_at_first_arg=False):
    """Parse argv against options as runc's CLI (Go's flag package under urfave/cli) does.
    Returns (Options, positional args); raises IncorrectUsage or HelpRequested.

    Flags are -name or --name, with the value as the next argument or after '='; a bool flag
    takes no value but accepts =true/=false (Go's spellings); '--' ends the flags. There is no
    -nVALUE and no bundling (-ti is one unknown flag, as in runc). urfave/cli moves the command's
    own flags, with their values, ahead of the arguments, so they may follow the container id;
    anything else that looks like a flag is refused before the first argument and is an argument
    after it (`kill ID -9`). With stop_at_first_arg (exec and ps: runc's SkipArgReorder),
    everything from the first argument on is an argument (exec's command and its options).
    """
    by_name = {}
    for opt in options:
        by_name[opt.name.lstrip("-")] = opt
        if opt.short:
            by_name[opt.short.lstrip("-")] = opt
    if not stop_at_first_arg:
        argv = _reorder(by_name, argv)
    values = Options(options)
    i = 0
    while i < len(argv):
        arg = argv[i]
        if len(arg) < 2 or arg[0] != "-":
            break                       # the first argument: the rest are arguments too
        i += 1
        if arg == "--":
            break
        name = arg[2:] if arg[1] == "-" else arg[1:]
        if not name or name[0] in "-=":
            raise IncorrectUsage(f"bad flag syntax: {arg}")
        name, eq, value = name.partition("=")
        opt = by_name.get(name)
        if opt is None:
            if name in _HELP and (not eq or value in _TRUE):
                raise HelpRequested()
            if name in _HELP and value in _FALSE:
                continue
            raise IncorrectUsage(f"flag provided but not defined: -{name}")
        if opt.kind == "bool":
            if eq and value not in _TRUE and value not in _FALSE:
                raise IncorrectUsage(f'invalid boolean value "{value}" for -{name}: parse error')
            setattr(values, opt.dest, not eq or value in _TRUE)
            continue
        if not eq:
            if i == len(argv):
                raise IncorrectUsage(f"flag needs an argument: -{name}")
            value = argv[i]
            i += 1
        if opt.kind == "list":
            getattr(values, opt.dest).append(value)
            continue
        if opt.kind == "int":
            value = _go_int(value, name)
        elif opt.kind == "duration":
            try:
                value = parse_duration(value)
            except ValueError:
                raise IncorrectUsage(f'invalid value "{value}" for flag -{name}: parse error') from None
        setattr(values, opt.dest, value)
    return values, argv[i:]


def _reorder(by_name, argv):
    """urfave/cli's reorderArgs: the command's flags (and -h/--help), each with the value it
    takes, ahead of everything else; from '--' on, nothing moves and all is an argument.
    (urfave/cli also moves the argument after a bool flag, as if it were its value: runc's
    `kill ID --all KILL` signals a container named KILL. Arguments keep their order here.)"""
    flags, rest = [], []
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            return flags + ["--"] + rest + argv[i:]
        name, eq, _ = (arg[2:] if arg.startswith("--") else arg[1:]).partition("=")
        opt = by_name.get(name) if arg.startswith("-") else None
        if opt is None and not (arg.startswith("-") and name in _HELP):
            rest.append(arg)
            continue
        flags.append(arg)
        if opt is not None and opt.kind != "bool" and not eq and i < len(argv):
            flags.append(argv[i])
            i += 1
    return flags + rest


def _go_int(text, name):
    """An Int flag's value as Go's strconv.ParseInt(text, 0, 64) reads it (0x.., 0o.., 0b.., 0.. octal)."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    try:
        if text.strip() != text:
            raise ValueError(text)
        number = int(text, 8 if len(digits) > 1 and digits[0] == "0" and digits[1].isdigit() else 0)
    except ValueError:
        raise IncorrectUsage(f'invalid value "{text}" for flag -{name}: parse error') from None
    if not -(1 << 63) <= number < (1 << 63):
        raise IncorrectUsage(f'invalid value "{text}" for flag -{name}: value out of range')
    return number


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0,
                   "m": 60.0, "h": 3600.0}


def parse_duration(text):
    """Seconds in a Go duration (time.ParseDuration: [-+]?([0-9]*(\\.[0-9]*)?[a-z]+)+, or 0);
    ValueError if it is not one."""
    s, sign = text, 1.0
    if s[:1] in ("-", "+"):
        sign, s = (-1.0 if s[0] == "-" else 1.0), s[1:]
    if s == "0":
        return 0.0
    if not s:
        raise ValueError(text)
    total = 0.0
    while s:
        j = 0
        while j < len(s) and (s[j].isdigit() or s[j] == "."):
            j += 1
        number, s = s[:j], s[j:]
        if number.count(".") > 1 or number.strip(".") == "" or not number.replace(".", "").isascii():
            raise ValueError(text)
        j = 0
        while j < len(s) and not (s[j].isdigit() or s[j] == "."):
            j += 1
        unit, s = s[:j], s[j:]
        if unit not in _DURATION_UNITS:
            raise ValueError(text)
        total += float(number) * _DURATION_UNITS[unit]
    return sign * total


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
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:   # None: the fd was closed when we started
                stream.flush()
        except (OSError, ValueError):
            pass   # a closed or broken stdout: nothing more can be said
    os._exit(status)


# The app's own flags besides GLOBAL_OPTIONS (-h/--help is recognised by parse itself).
_VERSION_FLAG = Option("--version", "-v")
# runc commands pyrun does not have, refused plainly; `checkpoint --help` fails too, which is
# how podman learns that a runtime cannot checkpoint.
UNSUPPORTED = frozenset(("checkpoint", "restore"))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    g = GlobalOptions()
    name = module = None
    try:
        # Global options come before the command name; nothing is reordered at this level.
        try:
            gopts, rest = parse(GLOBAL_OPTIONS + [_VERSION_FLAG], argv, stop_at_first_arg=True)
        except IncorrectUsage as err:
            err.header = f"Incorrect Usage. {err.message}"
            raise
        except HelpRequested:
            sys.stdout.write(_main_help())
            return 0
        if gopts.version:
            sys.stdout.write(version_text())
            return 0
        g.root, g.log, g.log_format = gopts.root, gopts.log, gopts.log_format
        g.debug, g.systemd_cgroup = gopts.debug, gopts.systemd_cgroup
        if gopts.rootless != "auto":     # None is auto
            from runtime.userns import parse_rootless_flag
            g.rootless = parse_rootless_flag(gopts.rootless)
        if g.log_format not in ("text", "json"):
            raise UsageError(f"invalid log-format: {g.log_format}")
        if g.log:
            _check_log(g)
        if g.root is None:
            g.root = default_root()
        if not rest:
            sys.stdout.write(_main_help())
            return 0
        name, rest = rest[0], rest[1:]
        asked_help = name in ("help", "h")
        if asked_help:
            if not rest:
                sys.stdout.write(_main_help())
                return 0
            name = rest[0]
        if name in UNSUPPORTED:
            from runtime.errors import Unsupported
            raise Unsupported(f"{name} is not supported: pyrun has no CRIU checkpoint/restore")
        if name not in COMMANDS:
            raise PyrunError(f"No help topic for '{name}'", exit_code=3)   # urfave/cli's words and code
        __import__(f"runtime.commands.{name}")   # the builtin: importlib itself costs 0.4 ms
        module = sys.modules[f"runtime.commands.{name}"]
        try:
            if asked_help:
                raise HelpRequested()
            opts, args = parse(module.OPTIONS, rest, getattr(module, "STOP_AT_FIRST_ARG", False))
        except HelpRequested:
            sys.stdout.write(_help_text(name, module))
            return 0
        return module.main(g, opts, args) or 0
    except IncorrectUsage as err:
        # runc prints this and the help on stdout, then the error as any other
        sys.stdout.write(err.header + "\n\n" + (_help_text(name, module) if module else _main_help()))
        report_error(g, err.message)
        return err.exit_code
    except PyrunError as err:
        report_error(g, err.message)
        return err.exit_code
    except OSError as err:
        report_error(g, os_error_text(err))
        return 1
    except KeyboardInterrupt:
        return 130


def os_error_text(err):
    """An OSError worded as Go words one: 'PATH: file name too long', not '[Errno 36] File name ...'."""
    if not err.strerror:
        return str(err)
    text = strerror_text(err)
    return f"{err.filename}: {text}" if err.filename is not None else text


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


def _check_log(g):
    """runc opens --log before running any command, and stops on a path it cannot open: so does
    pyrun (one open, ~10 us), instead of losing the error lines it would write there later."""
    try:
        os.close(os.open(g.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644))
    except OSError as err:
        path, g.log = g.log, None
        raise PyrunError(f"open {path}: {strerror_text(err)}") from None


def report_error(g, message):
    """The one error edge: a line on stderr and, with --log, one log line (JSON with --log-format json)."""
    from runtime import log
    log.error(g, message)
