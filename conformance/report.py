"""Output formats for results: table (side-by-side matrix), tap, json, markdown, junit; the README
section rewrite; the known-gaps file. Pure functions over result dicts, unit-tested without root."""

import json
import re
import xml.etree.ElementTree as ET

STATUSES = ("pass", "fail", "error", "skip")
BEGIN, END = "<!-- conformance:begin -->", "<!-- conformance:end -->"


def cell(result, width=None):
    """'pass', 'FAIL: reason', 'ERROR: reason', 'skip: reason' (cut to width)."""
    if result is None:
        return "-"
    status = result["status"]
    text = "pass" if status == "pass" else (status.upper() if status in ("fail", "error") else status)
    if status != "pass" and result.get("reason"):
        text += ": " + " ".join(result["reason"].split())
    if width and len(text) > width:
        text = text[:width - 1] + "…"
    return text


def counts(results):
    c = {s: 0 for s in STATUSES}
    for r in results.values():
        c[r["status"]] = c.get(r["status"], 0) + 1
    return c


def area_summary(cases, results):
    """[(area, {label: counts})] in case order."""
    areas = []
    for case in cases:
        if case.area not in areas:
            areas.append(case.area)
    out = []
    for a in areas:
        names = [c.name for c in cases if c.area == a]
        out.append((a, {label: counts({n: res[n] for n in names if n in res}) for label, res in results.items()}))
    return out


def passed_all(results, label):
    """True when the runtime `label` passed every case that applied (skips do not count against it)."""
    return all(r["status"] in ("pass", "skip") for r in results[label].values())


def _fmt_counts(c):
    return f"{c['pass']} pass, {c['fail'] + c.get('error', 0)} fail, {c['skip']} skip"


def format_table(cases, results, width=None):
    labels = list(results)
    width = width or (200 if len(labels) == 1 else 60)
    rows = [["case", "level", *labels]]
    for case in cases:
        rows.append([case.name, case.level, *[cell(results[l].get(case.name), width) for l in labels]])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(v.ljust(widths[i]) for i, v in enumerate(r)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines += ["", "summary per spec area:"]
    srows = [["area", *labels]]
    for a, per in area_summary(cases, results):
        srows.append([a, *[_fmt_counts(per[l]) for l in labels]])
    srows.append(["total", *[_fmt_counts(counts(results[l])) for l in labels]])
    sw = [max(len(r[i]) for r in srows) for i in range(len(srows[0]))]
    lines += ["  ".join(v.ljust(sw[i]) for i, v in enumerate(r)).rstrip() for r in srows]
    return "\n".join(lines) + "\n"


def format_tap(cases, results):
    lines = ["TAP version 13"]
    n = 0
    total = len(cases) * len(results)
    lines.append(f"1..{total}")
    for label, res in results.items():
        for case in cases:
            n += 1
            r = res.get(case.name)
            desc = f"[{label}] {case.name} ({case.section} {case.level})"
            if r is None:
                lines.append(f"not ok {n} - {desc} # no result")
            elif r["status"] == "pass":
                lines.append(f"ok {n} - {desc}")
            elif r["status"] == "skip":
                lines.append(f"ok {n} - {desc} # SKIP {r['reason']}")
            else:
                lines.append(f"not ok {n} - {desc}")
                lines += ["  ---", f"  status: {r['status']}", f"  reason: {json.dumps(r.get('reason', ''))}",
                          "  ..."]
    return "\n".join(lines) + "\n"


def format_json(cases, results):
    return json.dumps({
        "cases": [{"name": c.name, "area": c.area, "section": c.section, "level": c.level, "text": c.text}
                  for c in cases],
        "results": results,
        "summary": {label: counts(res) for label, res in results.items()},
    }, indent=1) + "\n"


def _md(text):
    return text.replace("|", "\\|").replace("\n", " ")


SPEC_URL = "https://github.com/opencontainers/runtime-spec/blob/v1.2.0/"


def format_markdown(cases, results, width=90, summary_first=False):
    labels = list(results)
    summary = [f"| area | {' | '.join(labels)} |", "|---|" + "---|" * len(labels)]
    for a, per in area_summary(cases, results):
        summary.append(f"| {a} | {' | '.join(_fmt_counts(per[l]) for l in labels)} |")
    summary.append(f"| **total** | {' | '.join('**' + _fmt_counts(counts(results[l])) + '**' for l in labels)} |")
    lines = [f"| case | spec | {' | '.join(labels)} |", "|---|---|" + "---|" * len(labels)]
    for case in cases:
        section = case.section
        link = f"[{section} {case.level}]({SPEC_URL}{section})" if ".md" in section else f"{section} {case.level}"
        cells = [_md(cell(results[l].get(case.name), width)) for l in labels]
        lines.append(f"| `{case.name}` | {link} | {' | '.join(cells)} |")
    if summary_first:
        return "\n".join(summary + ["", "<details><summary>every case</summary>", ""] + lines + ["", "</details>"]) + "\n"
    return "\n".join(lines + [""] + summary) + "\n"


def format_junit(cases, results):
    suites = ET.Element("testsuites", name="runtime-spec conformance")
    for label, res in results.items():
        c = counts(res)
        suite = ET.SubElement(suites, "testsuite", name=label, tests=str(len(res)),
                              failures=str(c["fail"]), errors=str(c.get("error", 0)), skipped=str(c["skip"]))
        for case in cases:
            r = res.get(case.name)
            if r is None:
                continue
            tc = ET.SubElement(suite, "testcase", classname=f"{label}.{case.area}", name=case.name,
                               time=str(r.get("seconds", 0)))
            if r["status"] == "fail":
                ET.SubElement(tc, "failure", message=r.get("reason", "")).text = \
                    f"{case.section} {case.level}: {case.text}"
            elif r["status"] == "error":
                ET.SubElement(tc, "error", message=r.get("reason", ""))
            elif r["status"] == "skip":
                ET.SubElement(tc, "skipped", message=r.get("reason", ""))
            if r.get("notes"):
                ET.SubElement(tc, "system-out").text = "\n".join(r["notes"])
    return ET.tostring(suites, encoding="unicode") + "\n"


FORMATS = {"table": format_table, "tap": format_tap, "json": format_json, "markdown": format_markdown}


def replace_section(text, body):
    """text with everything between the conformance markers replaced by body (markers kept)."""
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise ValueError(f"expected exactly one {BEGIN} followed by one {END}")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{body.strip()}\n{END}{tail}"


def parse_known_gaps(text):
    """{case name: reason} from known_gaps.txt: 'case.name  reason…' per line, '#' comments."""
    gaps = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"(\S+)\s+(.+)$", line)
        if not m:
            raise ValueError(f"known_gaps line {n}: a case name and a reason are both required: {line!r}")
        gaps[m.group(1)] = m.group(2).strip()
    return gaps


def regressions(results, subject, reference, gaps):
    """Cases `reference` passes and `subject` does not, minus known gaps: [(case, reason)]."""
    bad = []
    for name, ref in results[reference].items():
        got = results[subject].get(name)
        if ref["status"] == "pass" and (got is None or got["status"] != "pass") and name not in gaps:
            bad.append((name, cell(got)))
    return bad
