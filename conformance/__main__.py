"""Command line: python -m conformance --runtime PATH [--runtime PATH …] [options].

Exit code: 0 when the first runtime passed every case that applied, 1 when it failed one,
2 on a usage error.
"""

import argparse
import os
import sys
import time

from conformance import cases as _builtin_cases  # noqa: F401  (registers the built-in cases)
from conformance import report
from conformance.registry import select
from conformance.runner import parse_runtime, run_all
from conformance.worker import load_module


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m conformance",
                                description="OCI runtime-spec conformance harness for runc-compatible runtimes")
    p.add_argument("--runtime", action="append", default=[], metavar="[LABEL=]PATH",
                   help="runtime binary to test (repeat for a side-by-side matrix; the first decides the exit code)")
    p.add_argument("--only", action="extend", nargs="+", default=[], metavar="AREA|CASE",
                   help="run only these areas or cases (repeatable, comma-separated, 'prefix*' allowed)")
    p.add_argument("--format", choices=sorted(report.FORMATS), default="table")
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML here")
    p.add_argument("--keep-going", action="store_true",
                   help="run every case; without it a runtime's run stops at its first failure")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S",
                   help="seconds any one runtime invocation may take before it is killed (default 10)")
    p.add_argument("--jobs", "-j", type=int, default=1, help="cases run at once (default 1)")
    p.add_argument("--cases", action="append", default=[], metavar="FILE.py",
                   help="a Python file defining extra cases with @conformance.case (repeatable)")
    p.add_argument("--update-readme", metavar="FILE",
                   help="rewrite the section between the conformance markers of FILE with the markdown matrix")
    p.add_argument("--baseline", metavar="LABEL",
                   help="exit code: fail only where the first runtime fails a case this runtime passes (implies --keep-going)")
    p.add_argument("--known-gaps", metavar="FILE",
                   help="with --baseline: cases ('CASE  reason' lines) the first runtime may fail anyway")
    p.add_argument("--workdir", metavar="DIR", help="where the run's temporary bundles go (default: $TMPDIR)")
    p.add_argument("--list", action="store_true", help="list the cases and exit")
    p.add_argument("-v", "--verbose", action="store_true", help="print each result on stderr as it comes")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    for path in args.cases:
        load_module("__main__", os.path.abspath(path))
    try:
        chosen = select([p for item in args.only for p in item.split(",") if p])
    except KeyError as e:
        print(f"conformance: {e.args[0]}", file=sys.stderr)
        return 2
    if args.list:
        for c in chosen:
            print(f"{c.name:45} {c.level:6} {c.section:32} {c.text}")
        return 0
    if not args.runtime:
        print("conformance: give at least one --runtime PATH", file=sys.stderr)
        return 2
    runtimes = [parse_runtime(r) for r in args.runtime]
    if len({r.label for r in runtimes}) != len(runtimes):
        print("conformance: two runtimes share a label; name them LABEL=PATH", file=sys.stderr)
        return 2
    gaps = {}
    if args.baseline:
        args.keep_going = True  # a comparison needs every case of both
    if args.baseline and args.baseline not in [r.label for r in runtimes[1:]]:
        print(f"conformance: --baseline {args.baseline} is not the label of a later --runtime", file=sys.stderr)
        return 2
    if args.known_gaps:
        try:
            with open(args.known_gaps) as f:
                gaps = report.parse_known_gaps(f.read())
        except (OSError, ValueError) as e:
            print(f"conformance: --known-gaps {args.known_gaps}: {e}", file=sys.stderr)
            return 2
    started = time.monotonic()
    stopped = set()

    tty = sys.stderr.isatty()

    def progress(label, case, result):
        if args.verbose:
            print(f"[{label}] {case.name}: {report.cell(result)} ({result.get('seconds', 0):.2f}s)",
                  file=sys.stderr, flush=True)
        elif tty:  # a mark per case, so a long run shows it is alive
            sys.stderr.write({"pass": ".", "skip": "s", "fail": "F", "error": "E"}.get(result["status"], "?"))
            sys.stderr.flush()
        if not args.keep_going and result["status"] in ("fail", "error"):
            stopped.add(label)

    def gate(label):
        return label not in stopped

    results = run_all(chosen, runtimes, timeout=args.timeout, jobs=args.jobs, progress=progress, gate=gate,
                      workroot=args.workdir)
    if tty and not args.verbose:
        sys.stderr.write("\n")
    text = report.FORMATS[args.format](chosen, results)
    sys.stdout.write(text)
    if args.junit:
        with open(args.junit, "w") as f:
            f.write(report.format_junit(chosen, results))
    if args.update_readme:
        body = readme_section(chosen, results, runtimes, args, time.monotonic() - started)
        with open(args.update_readme) as f:
            old = f.read()
        with open(args.update_readme, "w") as f:
            f.write(report.replace_section(old, body))
    if args.verbose:
        print(f"conformance: {len(chosen)} cases x {len(runtimes)} runtimes in "
              f"{time.monotonic() - started:.1f} s", file=sys.stderr)
    if args.baseline:
        bad = report.regressions(results, runtimes[0].label, args.baseline, gaps)
        for name, why in bad:
            print(f"conformance: {runtimes[0].label} fails {name} which {args.baseline} passes: {why}",
                  file=sys.stderr)
        return 1 if bad else 0
    return 0 if report.passed_all(results, runtimes[0].label) else 1


def readme_section(chosen, results, runtimes, args, seconds):
    import platform
    cmd = "python3 -m conformance " + " ".join(f"--runtime {r.label}={_short(r.path)}" for r in runtimes)
    if args.only:
        cmd += " " + " ".join(f"--only {o}" for o in args.only)
    if args.jobs > 1:
        cmd += f" -j {args.jobs}"
    return "\n".join([
        "## Runtime-spec conformance",
        "",
        "`conformance/` is a harness that checks any runc-compatible runtime binary against the OCI",
        "runtime-spec (Linux) from the outside: a busybox-static probe inside the container and /proc and",
        "the cgroup files on the host. Each case runs in its own pid and mount namespace and is cleaned up",
        "even when the runtime hangs. See [docs/conformance.md](docs/conformance.md).",
        "",
        "```sh",
        ".venv/bin/python3 -m conformance --runtime /usr/sbin/runc --runtime .venv/bin/pyrun --keep-going -j 4",
        ".venv/bin/python3 -m conformance --runtime .venv/bin/pyrun --only hooks --only process.umask -v",
        ".venv/bin/python3 -m conformance --list",
        "```",
        "",
        "The matrix below is generated by the harness, not written by hand:",
        "",
        "```sh",
        f".venv/bin/{cmd} --keep-going --update-readme README.md",
        "```",
        "",
        f"Last run: {platform.system()} {platform.release()}, cgroups {_cgroups()}, {seconds:.0f} s. Cases that do not",
        "apply on this host are skipped with the reason. CI (`tests/conformance/test_conformance.py`) fails",
        "when pyrun fails a case runc passes, unless the case is a known gap listed with its reason in",
        "[conformance/known_gaps.txt](conformance/known_gaps.txt).",
        "",
        report.format_markdown(chosen, results, summary_first=True),
    ])


def _short(path):
    cwd = os.getcwd() + "/"
    return path[len(cwd):] if path.startswith(cwd) else path


def _cgroups():
    from conformance import host
    return host.cgroup_version()


if __name__ == "__main__":
    sys.exit(main())
