"""Parsing the JSON documents pyrun reads (config.json, process.json) without importing json.

The json package imports re and enum (~5 ms, as much as the rest of `pyrun create`'s parsing and
validation together). Its parser proper is the C scanner in the _json module, which needs neither:
loads() drives that scanner directly. Whatever the fast path does not take - invalid JSON, a byte
order mark, UTF-16/32 text, NaN/Infinity - is handed to json.loads, so the result and the error
messages are json.loads's own. tests/spec/test_jsonin.py compares the two.
"""

import _json

_WHITESPACE = " \t\n\r"


def _no_constant(name):
    # Python's json takes NaN and Infinity; JSON (and runc's Go decoder) does not.
    raise ValueError(f"{name} is not a JSON value")


class _Context:
    """What the C scanner reads from a json.JSONDecoder: strict parsing, plain dicts."""
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = staticmethod(_no_constant)


_scan = _json.make_scanner(_Context)


def loads(data):
    """The value of one JSON document (str or UTF-8 bytes), as json.loads(data) with NaN and
    Infinity refused; raises ValueError (json.JSONDecodeError, UnicodeDecodeError) or RecursionError."""
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
        start = len(text) - len(text.lstrip(_WHITESPACE))
        if text.startswith("\ufeff"):
            raise ValueError("byte order mark")
        value, end = _scan(text, start)
        if text[end:].strip(_WHITESPACE):
            raise ValueError("extra data")
        return value
    except (ValueError, StopIteration, SystemError):
        # SystemError: the scanner reports an error through json.decoder.JSONDecodeError, which it
        # looks up in sys.modules only; before json is imported that lookup fails this way.
        pass
    # json.loads explains (or, for UTF-16/32 input, parses) what the fast path did not take.
    import json
    return json.loads(data, parse_constant=_no_constant)
