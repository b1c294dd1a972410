"""pyrun kill: send a signal to the container's init, or to every process in it with --all."""

from runtime.cli import Option

USAGE = "pyrun kill [command options] <container-id> [signal]"
OPTIONS = [Option("--all", "-a", help="send the specified signal to all processes inside the container")]


def main(g, opts, args):
    from runtime import container, state
    from runtime.cli import check_args
    from runtime.errors import CgroupError, NotRunning
    check_args(args, "kill", "a minimum of", 1)
    check_args(args, "kill", "a maximum of", 2)
    # runc's order: the container, then the signal, then whether it runs
    record = state.load(g.root, args[0])
    sig = container.parse_signal(args[1] if len(args) == 2 and args[1] else "SIGTERM")
    manager = container.manager_of(record) if opts.all else None
    st = state.status(record, manager)
    if opts.all and manager is not None:
        # a stopped container may still have processes in its cgroup (no pid namespace of its
        # own): --all reaches them, as runc's does, and is no error when there are none
        try:
            manager.signal_all(sig)
        except CgroupError:
            if st != "stopped":
                raise
        return 0
    if st == "stopped":
        if opts.all:
            return 0
        raise NotRunning()
    container.signal_init(record, sig)
    if st == "paused" and sig == container.SIGKILL:
        # a frozen init does not act on SIGKILL until thawed (v1 freezer): runc thaws it
        container.manager_of(record).thaw()
    return 0
