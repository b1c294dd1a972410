"""pyrun state: print the runtime-spec state of a container as JSON."""

USAGE = "pyrun state <container-id>"
OPTIONS = []


def main(g, opts, args):
    import sys
    from runtime import container, state
    from runtime.commands.common import one_id
    from spec import jsonout
    record = state.load(g.root, one_id(args, "state"))
    doc = container.state_document(record, container.status(record))
    sys.stdout.write(jsonout.dumps(doc, indent=2))   # no newline after it, as runc writes it
    return 0
