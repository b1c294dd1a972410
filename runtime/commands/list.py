"""pyrun list: the containers under --root, as a table or as JSON."""

from runtime.cli import Option

USAGE = "pyrun list [command options]"
OPTIONS = [
    Option("--format", "-f", kind="value", default="table", help="select one of: table or json"),
    Option("--quiet", "-q", help="display only container IDs"),
]


def main(g, opts, args):
    import sys
    from runtime import container, state
    from runtime.errors import PyrunError, UsageError
    if opts.format not in ("table", "json"):
        raise UsageError(f"invalid format option: {opts.format}")
    docs = []
    for cid in state.list_ids(g.root):
        try:
            record = state.load(g.root, cid)
        except PyrunError:
            continue
        docs.append(container.state_document(record, container.status(record)))
    if opts.quiet:
        sys.stdout.write("".join(d["id"] + "\n" for d in docs))
    elif opts.format == "json":
        from spec import jsonout
        sys.stdout.write((jsonout.dumps(docs) if docs else "null") + "\n")   # runc prints null
    else:
        rows = [("ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER")]
        rows += [(d["id"], str(d["pid"]), d["status"], d["bundle"], d["created"], d.get("owner") or "root")
                 for d in docs]
        widths = [max(len(r[i]) for r in rows) for i in range(6)]
        for r in rows:
            sys.stdout.write("   ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() + "\n")
    return 0
