"""pyrun ps: the container's processes: a JSON array of host pids, or the host's `ps` output
filtered to them (extra arguments after the id go to ps; default -ef)."""

from runtime.cli import Option

USAGE = "pyrun ps [command options] <container-id> [ps options]"
OPTIONS = [Option("--format", "-f", kind="value", default="table", help="select one of: table or json")]
STOP_AT_FIRST_ARG = True


def main(g, opts, args):
    import sys
    from runtime import container, state
    from runtime.errors import PyrunError, UsageError
    if not args:
        raise UsageError('"pyrun ps" requires a minimum of 1 argument')
    if opts.format not in ("table", "json"):
        raise UsageError(f"invalid format option: {opts.format}")
    record = state.load(g.root, args[0])
    manager = container.manager_of(record)
    if manager is None:
        pids = [record.pid] if state.init_alive(record) else []
    else:
        pids = sorted(manager.pids())
    if opts.format == "json":
        sys.stdout.write("[" + ",".join(str(p) for p in pids) + "]\n")
        return 0
    import subprocess
    ps_args = args[1:] or ["-ef"]
    try:
        out = subprocess.run(["ps", *ps_args], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as err:
        raise PyrunError(f"ps: {err}") from None
    lines = out.splitlines()
    if not lines:
        return 0
    header = lines[0].split()
    if "PID" not in header:
        raise PyrunError("couldn't find PID field in ps output")
    column = header.index("PID")
    wanted = set(pids)
    sys.stdout.write(lines[0] + "\n")
    for line in lines[1:]:
        fields = line.split()
        if len(fields) > column and fields[column].isdigit() and int(fields[column]) in wanted:
            sys.stdout.write(line + "\n")
    return 0
