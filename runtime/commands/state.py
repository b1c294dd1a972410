"""pyrun state: print the runtime-spec state of a container as JSON."""

USAGE = "pyrun state <container-id>"
OPTIONS = []


def main(g, opts, args):
    import sys
    from runtime import state   # status and document from the record: runtime.container is not needed
    from runtime.cli import one_id
    from spec import jsonout
    record = state.load(g.root, one_id(args, "state"))
    doc = state.state_document(record, state.status(record))
    sys.stdout.write(jsonout.dumps(doc, indent=2))   # no newline after it, as runc writes it
    return 0
