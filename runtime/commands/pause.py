"""pyrun pause: freeze every process in the container (cgroup.freeze on v2, freezer on v1)."""

USAGE = "pyrun pause <container-id>"
OPTIONS = []


def main(g, opts, args):
    from runtime import container, state
    from runtime.cli import one_id
    from runtime.errors import NotRunning, PyrunError
    lock, record = state.locked(g.root, one_id(args, "pause"))
    try:
        manager = container.manager_of(record)
        if state.status(record, manager) not in ("running", "created"):
            raise NotRunning()
        if manager is None:
            raise PyrunError("cannot pause a container without a cgroup")
        manager.freeze()
    finally:
        lock.__exit__()
    return 0
