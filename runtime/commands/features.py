"""`pyrun features`: print the runtime-spec features document (what this pyrun implements)."""

import sys

from runtime.cli import check_args

USAGE = "pyrun features"
DESCRIPTION = """\
   Show the enabled features.
   The result is parsable as a JSON.
   See https://github.com/opencontainers/runtime-spec/blob/main/features.md for the format.
"""
OPTIONS = []


def main(g, opts, args):
    check_args(args, "features", "exactly", 0)
    import json
    from runtime.cli import VERSION
    from spec.features import features_document
    sys.stdout.write(json.dumps(features_document(VERSION), indent=4) + "\n")
    sys.stdout.flush()
    return 0
