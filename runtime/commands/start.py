"""pyrun start: release a created container's init to exec the user's process."""


USAGE = "pyrun start <container-id>"
OPTIONS = []


def main(g, opts, args):
    from runtime import container, state
    from runtime.cli import one_id
    lock, record = state.locked(g.root, one_id(args, "start"))
    try:
        container.start(record, g)
    finally:
        lock.__exit__()
    return 0
