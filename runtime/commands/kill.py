"""pyrun kill: send a signal to the container's init, or to every process in it with --all."""

from runtime.cli import Option

USAGE = "pyrun kill [command options] <container-id> [signal]"
OPTIONS = [Option("--all", "-a", help="send the specified signal to all processes inside the container")]


def main(g, opts, args):
    from runtime import container, state
    from runtime.errors import NotRunning, UsageError
    if len(args) not in (1, 2):
        raise UsageError('"pyrun kill" requires a minimum of 1 and a maximum of 2 arguments')
    sig = container.parse_signal(args[1] if len(args) == 2 else "SIGTERM")
    record = state.load(g.root, args[0])
    if container.status(record) == "stopped":
        raise NotRunning()
    manager = container.manager_of(record) if opts.all else None
    if manager is not None:
        manager.signal_all(sig)
    else:
        container.signal_init(record, sig)
    return 0
