"""pyrun events: runc's event stream for a container: resource statistics every --interval,
an "oom" event when the OOM-kill counter grows; --stats prints one statistics event and exits."""

from runtime.cli import Option

USAGE = "pyrun events [command options] <container-id>"
OPTIONS = [
    Option("--interval", kind="duration", default=5.0, help="set the stats collection interval"),
    Option("--stats", help="display the container's stats then exit"),
]


def main(g, opts, args):
    import gc
    import sys
    import time
    gc.enable()   # this command runs on (runtime.cli.run turns the collector off for one-shot commands)
    from runtime import container, state
    from runtime.cli import one_id
    from runtime.errors import InvalidState, PyrunError
    from spec import jsonout
    record = state.load(g.root, one_id(args, "events"))
    manager = container.manager_of(record)
    if manager is None:
        raise PyrunError("events need the container's cgroup")
    if state.status(record, manager) == "stopped":
        raise InvalidState(f"container with id {record.id} is not running")   # runc's words

    def stats():
        # runc's types.Stats always carries these two (no Intel RDT, no network namespace stats here)
        data = manager.stats()
        data.setdefault("intel_rdt", {})
        data.setdefault("network_interfaces", None)
        return data

    def emit(kind, data=None):
        event = {"type": kind, "id": record.id}
        if data is not None:
            event["data"] = data
        sys.stdout.write(jsonout.dumps(event, separators=(",", ":")) + "\n")
        sys.stdout.flush()

    if opts.stats:
        emit("stats", stats())
        return 0
    interval = opts.interval   # seconds: the option's kind parsed it
    if interval <= 0:
        raise PyrunError("duration interval must be greater than 0")
    ooms = manager.oom_kills()
    next_stats = time.monotonic() + interval   # runc's ticker: the first stats one interval in
    while state.init_alive(record):
        now = time.monotonic()
        if now >= next_stats:
            emit("stats", stats())
            next_stats = now + interval
        count = manager.oom_kills()
        if count > ooms:
            emit("oom")
            ooms = count
        time.sleep(min(0.1, max(0.0, next_stats - time.monotonic())))
    return 0
