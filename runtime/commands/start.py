"""pyrun start: release a created container's init to exec the user's process."""


USAGE = "pyrun start <container-id>"
OPTIONS = []


def main(g, opts, args):
    from runtime import container, state
    from runtime.cli import check_args   # not commands.common's one_id: a module fewer to load
    check_args(args, "start", "exactly", 1)
    lock, record = state.locked(g.root, args[0])
    try:
        container.start(record, g)
    finally:
        lock.__exit__()
    return 0
