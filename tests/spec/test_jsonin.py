"""spec.jsonin parses exactly as json.loads does (NaN and Infinity refused), and fails with
json's own errors, without importing json on the success path."""

import json
import random
import subprocess
import sys

import pytest

from spec import jsonin
from testlib import ROOT
from test_jsonout import random_doc


def _json_loads(data):
    def refuse(name):
        raise ValueError(f"{name} is not a JSON value")
    return json.loads(data, parse_constant=refuse)


def test_random_documents_parse_as_json_does():
    rng = random.Random(7)
    for _ in range(300):
        doc = random_doc(rng)
        for text in (json.dumps(doc), json.dumps(doc, indent=2), json.dumps(doc, ensure_ascii=False)):
            for data in (text, text.encode("utf-8"), f" \n\t{text}\r\n "):
                assert jsonin.loads(data) == _json_loads(data)


@pytest.mark.parametrize("data", [
    "", " ", "{", "[1,]", '{"a": 1,}', "{} {}", "{}x", "nul", '"\x01"', "[1 2]", "01",
    b"\xff\xfe{}", b'{"a": "\xc3"}', "NaN", "[Infinity]", '{"a": -Infinity}', "\ufeff{}",
])
def test_bad_input_fails_with_jsons_error(data):
    with pytest.raises(ValueError) as ours:
        jsonin.loads(data)
    with pytest.raises(ValueError) as theirs:
        _json_loads(data)
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf{\"a\": 1}", '{"a": 1}'.encode("utf-16"),
                                  '[1, "x"]'.encode("utf-32-le")])
def test_what_json_accepts_beyond_utf8_still_parses(data):
    assert jsonin.loads(data) == json.loads(data)


def test_deep_nesting_is_a_recursion_error():
    with pytest.raises(RecursionError):
        jsonin.loads("[" * 100000 + "]" * 100000)


def test_errors_are_jsons_in_a_fresh_interpreter():
    # The C scanner finds JSONDecodeError only once json is imported: no SystemError before that.
    code = ("from spec import jsonin\n"
            "for doc in ('{', '[1,]', '{\"a\": 1,}', '{}x', ''):\n"
            "    try:\n"
            "        jsonin.loads(doc)\n"
            "    except ValueError as err:\n"
            "        print(type(err).__name__, err)\n")
    out = subprocess.run([sys.executable, "-IS", "-c", f"import sys; sys.path.insert(0, {ROOT!r})\n{code}"],
                         capture_output=True, text=True, check=True)
    expected = []
    for doc in ("{", "[1,]", '{"a": 1,}', "{}x", ""):
        try:
            json.loads(doc)
        except ValueError as err:
            expected.append(f"{type(err).__name__} {err}")
    assert out.stdout.splitlines() == expected


def test_parsing_a_config_imports_neither_json_nor_re():
    code = ("import sys; from spec import jsonin; "
            "jsonin.loads(open(sys.argv[1], 'rb').read()); "
            "print(sorted(m for m in ('json', 're', 'enum') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-IS", "-c", f"import sys; sys.path.insert(0, {ROOT!r}); {code}",
                          f"{ROOT}/spec/schema/config-schema.json"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
