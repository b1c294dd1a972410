"""pyrun list: the containers under --root, as a table or as JSON."""

from runtime.cli import Option

USAGE = "pyrun list [command options]"
OPTIONS = [
    Option("--format", "-f", kind="value", default="table", help="select one of: table or json"),
    Option("--quiet", "-q", help="display only container IDs"),
]


def main(g, opts, args):
    import sys
    from runtime import state
    from runtime.cli import check_args
    from runtime.errors import PyrunError
    check_args(args, "list", "exactly", 0)
    docs = []
    for cid in state.list_ids(g.root):
        try:
            record = state.load(g.root, cid)
        except PyrunError:
            continue
        doc = state.state_document(record, state.status(record))
        doc["owner"] = _owner(record.dir)
        docs.append(doc)
    if opts.quiet:
        sys.stdout.write("".join(d["id"] + "\n" for d in docs))
    elif opts.format == "json":
        from spec import jsonout
        # json.Encoder's text: compact, null for no containers
        sys.stdout.write((jsonout.dumps(docs, separators=(",", ":")) if docs else "null") + "\n")
    elif opts.format == "table":
        rows = [("ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER")]
        rows += [(d["id"], str(d["pid"]), d["status"], d["bundle"], d["created"], d["owner"]) for d in docs]
        # Go's tabwriter as runc sets it up (minwidth 12, padding 3); the last column is not padded
        widths = [max(12, max(len(r[i]) for r in rows) + 3) for i in range(5)]
        for r in rows:
            sys.stdout.write("".join(c.ljust(w) for c, w in zip(r, widths)) + r[5] + "\n")
    else:
        raise PyrunError("invalid format option")
    return 0


def _owner(path):
    """The user owning the container's state directory, by name (#uid when it has none), as runc lists it."""
    import os
    import pwd
    uid = os.stat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"#{uid}"
