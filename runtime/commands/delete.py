"""pyrun delete: remove a stopped (or, with --force, any) container and all it owned."""

from runtime.cli import Option

USAGE = "pyrun delete [command options] <container-id>"
OPTIONS = [Option("--force", "-f", help="forcibly deletes the container if it is still running (uses SIGKILL)")]


def main(g, opts, args):
    from runtime import container, state
    from runtime.cli import one_id
    from runtime.errors import ContainerNotFound, InvalidState
    container_id = one_id(args, "delete")
    try:
        lock, record = state.locked(g.root, container_id)
    except ContainerNotFound:
        if opts.force:
            # containerd always deletes twice; the second must succeed. A directory left without
            # a record (a create killed half way) would block the id for ever: remove it.
            state.remove_stale_dir(g.root, container_id)
            return 0
        raise
    try:
        st = state.status(record)   # from the saved cgroup: no manager for a stopped container
        if st in ("running", "paused") and not opts.force:
            raise InvalidState(f"cannot delete container {container_id} that is not stopped: {st}")
        manager = None
        if st != "stopped":
            manager = container.manager_of(record)
            if st == "paused" and manager is not None:
                manager.thaw()
            container.kill_and_wait(record, manager)
        container.destroy(record, g, manager)
    finally:
        lock.__exit__()
    return 0
