"""pyrun resume: thaw a paused container."""

USAGE = "pyrun resume <container-id>"
OPTIONS = []


def main(g, opts, args):
    from runtime import container, state
    from runtime.cli import one_id
    from runtime.errors import InvalidState
    lock, record = state.locked(g.root, one_id(args, "resume"))
    try:
        manager = container.manager_of(record)
        if state.status(record, manager) != "paused":
            raise InvalidState("container not paused")
        manager.thaw()
    finally:
        lock.__exit__()
    return 0
