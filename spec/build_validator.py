"""Generates spec/_validator.py and spec/_process_validator.py: the config.json and process.json
schemas precompiled into plain Python modules.

pyrun validates every config.json it runs (and every process.json of `exec --process`). Importing
jsonschema costs ~50 ms and fastjsonschema ~11 ms, so neither is imported on that path: fastjsonschema compiles the bundled schema
(spec.schemas.bundle) to Python source once, here, and the result is committed. The generated
module imports only spec.patterns (plain-Python checks of the schema's patterns; `re` only for a
pattern without one); its imports of fastjsonschema and decimal are replaced by local stand-ins.

Run after changing spec/schema/*.json:
    .venv/bin/python3 -m spec.build_validator          # rewrite the generated modules
    .venv/bin/python3 -m spec.build_validator --check  # exit 1 if one is out of date
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
# schema file -> generated module
TARGETS = {
    "config-schema.json": os.path.join(_HERE, "_validator.py"),
    "process-schema.json": os.path.join(_HERE, "_process_validator.py"),
}
SCHEMA = "config-schema.json"
OUTPUT = TARGETS[SCHEMA]

HEADER = '''\
"""{document} validator precompiled from spec/schema/{schema} by spec/build_validator.py. DO NOT EDIT.

validate(config) returns config or raises JsonSchemaValueException at the first problem. The
message is terse on purpose: spec.validate re-runs jsonschema on failure for a message naming the field.
"""
# fastjsonschema {version}, draft-04, detailed_exceptions=False, use_default=False.
# schema sha256 {digest}
'''

# The generated code's imports, and what replaces them so that running it imports neither.
_FASTJSONSCHEMA_IMPORT = "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException\n"
_LOCAL_EXCEPTIONS = '''\


class JsonSchemaValueException(ValueError):
    """The config does not match the schema (fastjsonschema's exception, without its import)."""


class JsonSchemaValuesException(JsonSchemaValueException):
    pass
'''
_DECIMAL_IMPORT = "from decimal import Decimal\n"
# A pattern is checked by spec.patterns' plain function when it has one: importing re costs ~4 ms,
# more than the whole validation. Any other pattern is compiled on its first use.
_LAZY_PATTERN = '''\


class _LazyPattern:
    """A schema pattern: spec.patterns' check for it, else a regex compiled on its first search()."""

    __slots__ = ("source", "search_fn")

    def __init__(self, source):
        self.source = source
        self.search_fn = MATCHERS.get(source)

    def search(self, text):
        if self.search_fn is None:
            import re
            self.search_fn = re.compile(self.source).search
        return self.search_fn(text)
'''
_DECIMAL_STANDIN = '''\


class Decimal:
    """Stand-in for decimal.Decimal in isinstance checks: json.loads never makes one."""
'''


def schema_digest(schema):
    """A fingerprint of the bundled schema, written into the generated module's header."""
    import hashlib
    import json
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()


def header_fields(text):
    """(fastjsonschema version, schema digest) from a generated module's header."""
    version = digest = None
    for line in text.splitlines()[:12]:
        if line.startswith("# fastjsonschema "):
            version = line.split()[2].rstrip(",")
        elif line.startswith("# schema sha256 "):
            digest = line.split()[3]
    return version, digest


def generate(schema_name=SCHEMA):
    """The source text of the generated module for spec/schema/<schema_name> and the files it refers to."""
    import fastjsonschema

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from spec import schemas

    schema = schemas.bundle(schema_name)
    code = fastjsonschema.compile_to_code(schema, use_default=False, use_formats=False,
                                          detailed_exceptions=False)
    for original in (_FASTJSONSCHEMA_IMPORT, _DECIMAL_IMPORT):
        if original not in code:
            raise RuntimeError(f"fastjsonschema output changed: no {original.strip()!r} to replace")
    code = code.replace(_FASTJSONSCHEMA_IMPORT, "").replace(_DECIMAL_IMPORT, "")
    # Keep the generated `import re` (and anything else) first, then the stand-ins.
    lines = code.splitlines(keepends=True)
    first_body = next(i for i, line in enumerate(lines)
                      if line.strip() and not line.startswith(("import ", "from ", "VERSION")))
    imports = [line for line in lines[:first_body] if line.startswith(("import ", "from "))]
    if any(line.strip() != "import re" for line in imports):
        raise RuntimeError(f"unexpected imports in generated validator: {imports}")
    body = "".join(lines[first_body:])
    if body.count("REGEX_PATTERNS[") != body.count("'].search("):
        raise RuntimeError("generated validator uses a regex method other than search()")
    start, end = body.index("REGEX_PATTERNS = {"), body.index("\n}\n") + 3
    body = body[:start] + body[start:end].replace("re.compile(", "_LazyPattern(") + body[end:]
    return (HEADER.format(version=fastjsonschema.VERSION, digest=schema_digest(schema), schema=schema_name,
                          document=schema_name.replace("-schema", ""))
            + "\nfrom spec.patterns import MATCHERS\n" + _LOCAL_EXCEPTIONS
            + _DECIMAL_STANDIN + _LAZY_PATTERN + "\n\n" + body.rstrip() + "\n")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    stale = 0
    for schema_name, output in TARGETS.items():
        code = generate(schema_name)
        if "--check" in argv:
            try:
                with open(output, encoding="utf-8") as f:
                    current = f.read()
            except FileNotFoundError:
                current = None
            if current != code:
                sys.stderr.write(f"{output} is out of date: run .venv/bin/python3 -m spec.build_validator\n")
                stale += 1
            continue
        with open(output, "w", encoding="utf-8") as f:
            f.write(code)
        sys.stdout.write(f"wrote {output} ({len(code.splitlines())} lines)\n")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
