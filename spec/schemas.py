"""The OCI runtime-spec JSON schemas in spec/schema/, bundled into one self-contained document each.

The schema files refer to each other (`defs.json#/definitions/uint32`, `config-linux.json#/linux`).
Both validators need one document: the precompiled fast one (spec/_validator.py, generated from
bundle("config-schema.json")) and jsonschema, which explains a failure. Bundling merges the
definitions of defs.json and defs-linux.json into the document's own `definitions` and inlines
`config-linux.json#/linux`, so both validators see exactly the same schema.

Not on the hot path: only build_validator.py, the error path of validate.py and tests use it.
"""

import copy
import json
import os

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema")
DEFINITION_FILES = ("defs.json", "defs-linux.json")


def read(name):
    """One schema file as it is on disk."""
    with open(os.path.join(SCHEMA_DIR, name), encoding="utf-8") as f:
        return json.load(f)


def _definitions():
    merged = {}
    for name in DEFINITION_FILES:
        for key, value in read(name)["definitions"].items():
            if key in merged:
                raise ValueError(f"schema definition {key!r} is defined in more than one of {DEFINITION_FILES}")
            merged[key] = value
    return merged


def _rewrite_refs(node):
    """Point every $ref into the bundle: file-qualified definitions become local, fragments are inlined."""
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and not ref.startswith("#"):
        filename, _, pointer = ref.partition("#")
        if filename in DEFINITION_FILES:
            node = dict(node, **{"$ref": "#" + pointer})
        else:
            # A fragment of another file (config-linux.json#/linux): inline it.
            target = read(filename)
            for part in pointer.strip("/").split("/"):
                target = target[part]
            inlined = {k: v for k, v in node.items() if k != "$ref"}
            inlined.update(target)
            return _rewrite_refs(inlined)
    return {key: _rewrite_refs(value) for key, value in node.items()}


def bundle(name):
    """A self-contained draft-04 schema for spec/schema/<name> (e.g. 'config-schema.json')."""
    document = copy.deepcopy(read(name))
    document = _rewrite_refs(document)
    definitions = _rewrite_refs(_definitions())
    document["definitions"] = definitions
    return document
