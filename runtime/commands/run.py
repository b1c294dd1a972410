"""pyrun run: create and start a container; in the foreground, forward signals, wait for it,
exit with its status (128+N when killed by signal N) and delete it."""

from runtime.cli import Option, one_id
from runtime.commands import create

USAGE = "pyrun run [command options] <container-id>"
OPTIONS = create.OPTIONS + [
    Option("--detach", "-d", help="detach from the container's process"),
    Option("--keep", help="do not delete the container after it exits"),
    # accepted as runc's, without effect: pyrun's create makes the runtime a subreaper either way
    # (its init may be re-parented to it), and run waits for the init alone
    Option("--no-subreaper", help="disable the use of the subreaper used to reap reparented processes"),
]


def main(g, opts, args):
    from runtime import container
    from runtime.commands import common
    container_id = one_id(args, "run")
    created, ours, swapped = common.create_from_options(g, opts, container_id, foreground=not opts.detach)
    record = created.record
    if opts.detach:
        container.start(record, g)
        return 0
    pid = record.pid
    container.forward_signals(pid)
    master = None
    if ours is not None:
        from runtime import terminal
        master = terminal.receive_fd(ours)
    container.start(record, g)
    if master is not None:
        from runtime import state, terminal
        terminal.proxy(master, lambda: state.init_alive(record))
    elif swapped:
        from runtime import state, terminal
        terminal.relay_pipes(swapped, lambda: state.init_alive(record))
    status = container.wait_for_exit_status(pid)
    if not opts.keep:
        container.destroy(record, g, created.manager)
    return status
