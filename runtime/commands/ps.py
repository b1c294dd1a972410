"""pyrun ps: the container's processes: a JSON array of host pids, or the host's `ps` output
filtered to them (extra arguments after the id go to ps; default -ef)."""

from runtime.cli import Option

USAGE = "pyrun ps [command options] <container-id> [ps options]"
OPTIONS = [Option("--format", "-f", kind="value", default="table", help="select one of: table or json")]
STOP_AT_FIRST_ARG = True


def main(g, opts, args):
    import sys
    from runtime import container, state
    from runtime.cli import check_args
    from runtime.errors import PyrunError, strerror_text
    check_args(args, "ps", "a minimum of", 1)
    record = state.load(g.root, args[0])
    manager = container.manager_of(record)
    if manager is None:
        pids = [record.pid] if state.init_alive(record) else []
    else:
        pids = sorted(manager.pids())
    if opts.format == "json":
        # Go's encoding of a nil slice, as runc prints a stopped container's
        sys.stdout.write(("[" + ",".join(str(p) for p in pids) + "]" if pids else "null") + "\n")
        return 0
    if opts.format != "table":
        raise PyrunError("invalid format option")   # runc's words, once the container is found
    import subprocess
    ps_args = args[1:] or ["-ef"]
    try:
        proc = subprocess.run(["ps", *ps_args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except OSError as err:
        raise PyrunError(f'exec: "ps": {strerror_text(err)}') from None
    out = proc.stdout
    if proc.returncode:
        # runc's words: Go's exec error, then what ps said
        raise PyrunError(f"exit status {proc.returncode}: {out}")
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
