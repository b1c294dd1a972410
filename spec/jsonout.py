"""JSON text for the small documents pyrun prints (state, list, events), without the json module.

Importing json costs 5-8 ms (it pulls in re and enum) and `pyrun state` runs in about that
much in all. The documents are plain: dicts, lists, strings, ints, floats, booleans and None.
dumps() gives the same text as json.dumps with the same indent/separators (ensure_ascii on);
tests/spec/test_jsonout.py checks that on generated documents.
"""

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _string(s):
    if s.isascii() and s.isprintable() and '"' not in s and "\\" not in s:
        return f'"{s}"'   # the usual string (an id, a path, a time): nothing to escape
    out = ['"']
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            code = ord(ch)
            if code >= 0x10000:   # a surrogate pair, as json.dumps writes it
                code -= 0x10000
                out.append(f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}")
            else:
                out.append(f"\\u{code:04x}")
    out.append('"')
    return "".join(out)


def _value(v, indent, level, item_sep, key_sep):
    if isinstance(v, str):
        return _string(v)
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, int):
        return str(int(v))
    if isinstance(v, float):
        return repr(v) if v == v and v not in (float("inf"), float("-inf")) else \
            {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[repr(v)]
    if isinstance(v, dict):
        items = [f"{_string(str(k))}{key_sep}{_value(val, indent, level + 1, item_sep, key_sep)}"
                 for k, val in v.items()]
        return _wrap("{", "}", items, indent, level, item_sep)
    if isinstance(v, (list, tuple)):
        items = [_value(x, indent, level + 1, item_sep, key_sep) for x in v]
        return _wrap("[", "]", items, indent, level, item_sep)
    raise TypeError(f"Object of type {type(v).__name__} is not JSON serializable")


def _wrap(open_, close, items, indent, level, item_sep):
    if not items:
        return open_ + close
    if indent is None:
        return open_ + item_sep.join(items) + close
    pad = "\n" + " " * (indent * (level + 1))
    return open_ + pad + (item_sep.rstrip(" ") + pad).join(items) + "\n" + " " * (indent * level) + close


def dumps(obj, indent=None, separators=None):
    if separators is None:
        separators = (", ", ": ") if indent is None else (",", ": ")
    item_sep, key_sep = separators
    return _value(obj, indent, 0, item_sep, key_sep)
