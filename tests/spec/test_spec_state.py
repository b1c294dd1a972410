"""spec.state: the state document matches what runc 1.1.5's `runc state` prints, and RFC 3339 times
are formatted and parsed as Go does."""

import datetime
import json
import os
import subprocess
import time

import jsonschema
import pytest

import speclib  # noqa: F401  (puts the checkout on sys.path)
from spec import schemas
from spec.state import hook_state, parse_rfc3339_nano, rfc3339_nano, state_document
from spec.version import OCI_VERSION

# Not imported from the top conftest: another directory's conftest may hold that module name.
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (runc creates a container)")


def test_rfc3339_nano_full_precision():
    assert rfc3339_nano(1795831280_123456789) == "2026-11-28T02:01:20.123456789Z"


def test_rfc3339_nano_drops_trailing_zeros_like_go():
    assert rfc3339_nano(1795831280_120000000) == "2026-11-28T02:01:20.12Z"
    assert rfc3339_nano(1795831280_000000001) == "2026-11-28T02:01:20.000000001Z"
    assert rfc3339_nano(1795831280_000000000) == "2026-11-28T02:01:20Z"


def test_rfc3339_nano_from_float_seconds_and_int_seconds():
    assert rfc3339_nano(1795831280.25) == "2026-11-28T02:01:20.25Z"
    assert rfc3339_nano(1795831280) == "2026-11-28T02:01:20Z"
    assert rfc3339_nano(0) == "1970-01-01T00:00:00Z"


def test_rfc3339_nano_agrees_with_datetime():
    now = time.time_ns()
    expected = datetime.datetime.fromtimestamp(now // 10**9, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    assert rfc3339_nano(now).startswith(expected)


@pytest.mark.parametrize("ns", [0, 951782400_000000000, 1795831280_123456789, 4102444800_999999999,
                                1709164800_500000000])  # 2000-02-29, 2100-01-01, 2024-02-29
def test_rfc3339_round_trip(ns):
    assert parse_rfc3339_nano(rfc3339_nano(ns)) == ns


def test_parse_rfc3339_offsets_and_refusals():
    assert parse_rfc3339_nano("2026-11-28T03:01:20.5+01:00") == 1795831280_500000000
    assert parse_rfc3339_nano("2026-11-27T21:01:20-05:00") == 1795831280_000000000
    for bad in ("", "2026-11-28", "2026-11-28T02:01:20", "2026-13-28T02:01:20Z", "2026-11-28T02:01:20.Z",
                "2026-11-28T02:01:20.1234567891Z", "yesterday"):
        with pytest.raises(ValueError):
            parse_rfc3339_nano(bad)


def test_state_document_fields_and_order():
    doc = state_document("c1", "running", 42, "/b", "2026-11-28T02:01:20Z", {"a": "b"}, rootfs="/b/rootfs")
    assert list(doc) == ["ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "annotations", "owner"]
    assert doc["ociVersion"] == OCI_VERSION and doc["pid"] == 42 and doc["owner"] == ""
    jsonschema.validate(doc, schemas.bundle("state-schema.json"), cls=jsonschema.Draft4Validator)


def test_state_document_stopped_has_pid_zero_and_no_empty_annotations():
    doc = state_document("c1", "stopped", 42, "/b", "2026-11-28T02:01:20Z", {})
    assert doc["pid"] == 0
    assert "annotations" not in doc and "rootfs" not in doc
    jsonschema.validate(doc, schemas.bundle("state-schema.json"), cls=jsonschema.Draft4Validator)


def test_hook_state_is_the_spec_state():
    doc = hook_state("c1", "creating", 7, "/b", {})
    assert list(doc) == ["ociVersion", "id", "status", "pid", "bundle"]
    jsonschema.validate(doc, schemas.bundle("state-schema.json"), cls=jsonschema.Draft4Validator)
    assert hook_state("c1", "stopped", 7, "/b", {"k": "v"})["annotations"] == {"k": "v"}


def test_state_schema_refuses_an_unknown_status():
    doc = state_document("c1", "running", 1, "/b", "2026-11-28T02:01:20Z", {})
    doc["status"] = "sleeping"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schemas.bundle("state-schema.json"), cls=jsonschema.Draft4Validator)


@needs_root
def test_matches_runc_state(runc, make_bundle):
    """Our document, given runc's values, is runc's document (but for the spec version we speak)."""
    bundle = make_bundle(args=["sleep", "30"])
    bundle.config["annotations"] = {"org.example.key": "value"}
    bundle.save()
    cid = runc.new_id("spec-state")
    # The container inherits create's stdio: give it no pipe that would keep us waiting for EOF.
    runc("create", "--bundle", bundle.path, cid, capture_output=False, stdout=subprocess.DEVNULL,
         stderr=subprocess.DEVNULL)
    for status in ("created", "stopped"):
        if status == "stopped":
            runc("kill", cid, "KILL")
            for _ in range(100):
                if runc.state(cid)["status"] == "stopped":
                    break
                time.sleep(0.05)
        text = runc("state", cid).stdout
        theirs = json.loads(text)
        assert theirs["status"] == status
        ours = state_document(cid, status, theirs["pid"] or 12345, theirs["bundle"], theirs["created"],
                              bundle.config["annotations"], owner=theirs["owner"], rootfs=theirs["rootfs"])
        assert list(ours) == list(theirs)
        assert {**ours, "ociVersion": theirs["ociVersion"]} == theirs
        assert parse_rfc3339_nano(theirs["created"]) <= time.time_ns()
        assert rfc3339_nano(parse_rfc3339_nano(theirs["created"])) == theirs["created"]
