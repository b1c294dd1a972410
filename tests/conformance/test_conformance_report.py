"""Unit tests of the harness's pure logic: selection, cells, formats, README rewrite, known gaps."""

import json
import xml.etree.ElementTree as ET

import pytest

from conformance import report
from conformance.registry import CASES, Case, select
import conformance.cases  # noqa: F401  (registers the built-in cases)


def _case(name, area="a"):
    return Case(name, area, "config.md#x", "MUST", "text", None, "m", "f")


def _results():
    cases = [_case("a.one"), _case("a.two"), _case("b.three", "b")]
    results = {
        "runc": {"a.one": {"status": "pass", "reason": ""}, "a.two": {"status": "fail", "reason": "bad | thing"},
                 "b.three": {"status": "skip", "reason": "cgroup v2 controller memory not available"}},
        "pyrun": {"a.one": {"status": "fail", "reason": "create failed"}, "a.two": {"status": "fail", "reason": "x"},
                  "b.three": {"status": "error", "reason": "harness error"}},
    }
    return cases, results


def test_every_case_names_its_section_and_level():
    assert len(CASES) > 150
    for c in CASES.values():
        assert c.level in ("MUST", "SHOULD", "compat")
        assert c.section and c.text, c.name
        if c.level != "compat":
            assert ".md" in c.section, c.name


def test_select_by_area_case_and_prefix():
    assert {c.area for c in select(["hooks"])} == {"hooks"}
    assert [c.name for c in select(["uts.hostname"])] == ["uts.hostname"]
    assert all(c.name.startswith("process.cap") for c in select(["process.cap*"]))
    with pytest.raises(KeyError, match="no case or area named nosuch"):
        select(["nosuch"])


def test_cell_texts():
    assert report.cell({"status": "pass", "reason": ""}) == "pass"
    assert report.cell({"status": "fail", "reason": "x  y\nz"}) == "FAIL: x y z"
    assert report.cell({"status": "skip", "reason": "why"}) == "skip: why"
    assert report.cell({"status": "fail", "reason": "a" * 100}, width=10) == "FAIL: aaa…"
    assert report.cell(None) == "-"


def test_passed_all_counts_skips_as_fine():
    _, results = _results()
    results["runc"]["a.two"]["status"] = "pass"
    assert report.passed_all(results, "runc")
    assert not report.passed_all(results, "pyrun")


def test_table_has_matrix_and_area_summary():
    cases, results = _results()
    text = report.format_table(cases, results)
    assert "FAIL: bad | thing" in text and "skip: cgroup v2 controller memory" in text
    assert "a      1 pass, 1 fail, 0 skip  0 pass, 2 fail, 0 skip" in text
    assert "total" in text


def test_markdown_escapes_pipes_and_links_spec():
    cases, results = _results()
    md = report.format_markdown(cases, results)
    assert "bad \\| thing" in md
    assert "(https://github.com/opencontainers/runtime-spec/blob/v1.2.0/config.md#x)" in md
    assert md.count("\n|") >= 5


def test_tap_and_junit_and_json_parse():
    cases, results = _results()
    tap = report.format_tap(cases, results)
    assert tap.splitlines()[1] == "1..6"
    assert sum(1 for ln in tap.splitlines() if ln.startswith(("ok ", "not ok "))) == 6
    assert "# SKIP cgroup v2" in tap
    root = ET.fromstring(report.format_junit(cases, results))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["runc", "pyrun"]
    assert suites[1].get("failures") == "2" and suites[1].get("errors") == "1"
    data = json.loads(report.format_json(cases, results))
    assert data["summary"]["runc"] == {"pass": 1, "fail": 1, "error": 0, "skip": 1}


def test_replace_section_keeps_the_rest():
    text = f"head\n{report.BEGIN}\nold\n{report.END}\ntail\n"
    assert report.replace_section(text, "new body") == f"head\n{report.BEGIN}\nnew body\n{report.END}\ntail\n"
    with pytest.raises(ValueError):
        report.replace_section("no markers", "x")


def test_known_gaps_need_reasons():
    gaps = report.parse_known_gaps("# comment\n\nlifecycle.x   not yet: reason here\n")
    assert gaps == {"lifecycle.x": "not yet: reason here"}
    with pytest.raises(ValueError, match="line 1"):
        report.parse_known_gaps("lifecycle.x\n")


def test_regressions_only_where_reference_passes():
    _, results = _results()
    assert report.regressions(results, "pyrun", "runc", {}) == [("a.one", "FAIL: create failed")]
    assert report.regressions(results, "pyrun", "runc", {"a.one": "known"}) == []


def test_repo_known_gaps_file_is_valid():
    import os
    path = os.path.join(os.path.dirname(report.__file__), "known_gaps.txt")
    with open(path) as f:
        gaps = report.parse_known_gaps(f.read())
    unknown = [g for g in gaps if g not in CASES]
    assert not unknown, f"known_gaps.txt names cases that do not exist: {unknown}"


def test_parse_mountinfo_fields():
    from conformance.host import parse_mountinfo
    text = ("36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue\n"
            "40 36 0:5 / /proc rw,nosuid - proc proc rw\n")
    m = parse_mountinfo(text)
    assert m[0]["point"] == "/mnt/with space" and m[0]["optional"] == ["master:1", "shared:2"]
    assert m[0]["fstype"] == "ext3" and "errors=continue" in m[0]["options"] and "noatime" in m[0]["mount_options"]
    assert m[1]["parent"] == "36" and m[1]["optional"] == []
