"""spec.jsonout writes exactly what json.dumps writes, for the documents pyrun prints."""

import json
import random

import pytest

from spec import jsonout

ODD_STRINGS = ["", "plain", 'quo"te', "back\\slash", "new\nline\ttab\r\b\f", "\x00\x1f\x7f",
               "é ü ß", "日本", "emoji \U0001F600", "/path/with/slashes", "\u2028\u2029"]


def random_doc(rng, depth=0):
    kind = rng.choice(["str", "int", "float", "bool", "none", "list", "dict"] if depth < 3 else ["str", "int"])
    if kind == "str":
        return rng.choice(ODD_STRINGS) + str(rng.randint(0, 99))
    if kind == "int":
        return rng.randint(-2 ** 63, 2 ** 63)
    if kind == "float":
        return rng.uniform(-1e6, 1e6)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "none":
        return None
    if kind == "list":
        return [random_doc(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(ODD_STRINGS) + str(i): random_doc(rng, depth + 1) for i in range(rng.randint(0, 4))}


@pytest.mark.parametrize("seed", range(200))
@pytest.mark.parametrize("style", [{}, {"indent": 2}, {"separators": (",", ":")}])
def test_same_text_as_json_dumps(seed, style):
    doc = random_doc(random.Random(seed))
    assert jsonout.dumps(doc, **style) == json.dumps(doc, **style)


def test_state_document():
    doc = {"ociVersion": "1.2.0", "id": "c1", "pid": 42, "status": "running", "bundle": "/b",
           "created": "2026-11-28T02:01:20.1Z", "annotations": {"k": "v"}, "owner": ""}
    assert jsonout.dumps(doc, indent=2) == json.dumps(doc, indent=2)


def test_unsupported_type():
    with pytest.raises(TypeError):
        jsonout.dumps({"a": object()})
