"""The schemas' string patterns as plain Python checks, so that validating a config imports no `re`.

Importing re (and the enum module it pulls in) costs ~4 ms, more than the rest of validation, and
every config.json has an ociVersion, which the schema checks with a regex. The precompiled
validators (spec/_validator.py, spec/_process_validator.py) look a pattern up in MATCHERS first and
fall back to re only for a pattern that has no entry here. Each function returns True when the
regex (anchored: ^...\\Z) would match; tests/spec/test_patterns.py checks each against re.
"""

_DIGITS = frozenset("0123456789")
_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_IDENT = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-")
_CPU_LIST = frozenset("0123456789, -")
_ACCESS = frozenset("rwm")


def _number(text):
    """0|[1-9][0-9]* in ASCII digits."""
    return text == "0" or (text != "" and text[0] != "0" and all(ch in _DIGITS for ch in text))


def oci_version(text):
    """^1\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$"""
    if not text.startswith("1."):
        return False
    rest = text[2:]
    cut = len(rest)
    for i, ch in enumerate(rest):
        if ch == "-" or ch == "+":
            cut = i
            break
    minor, dot, patch = rest[:cut].partition(".")
    if not dot or not _number(minor) or not _number(patch):
        return False
    pre, plus, build = rest[cut:].partition("+")
    if pre and (len(pre) < 2 or not all(ch in _IDENT for ch in pre)):
        return False
    return not plus or (build != "" and all(ch in _IDENT for ch in build))


def rlimit_type(text):
    """^RLIMIT_[A-Z]+$"""
    return text.startswith("RLIMIT_") and len(text) > 7 and all(ch in _UPPER for ch in text[7:])


def device_access(text):
    """^[rwm]*$"""
    return all(ch in _ACCESS for ch in text)


def cpu_list(text):
    """^[0-9, -]*$"""
    return all(ch in _CPU_LIST for ch in text)


def hugepage_limit(text):
    """^MB:[^\\n]*$"""
    return text.startswith("MB:") and "\n" not in text


# The regex source the generated validators compile (fastjsonschema writes the schema's $ as \\Z)
# -> its check.
MATCHERS = {
    "^1\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?\\Z": oci_version,
    "^RLIMIT_[A-Z]+\\Z": rlimit_type,
    "^[rwm]*\\Z": device_access,
    "^[0-9, -]*\\Z": cpu_list,
    "^MB:[^\\n]*\\Z": hugepage_limit,
}
