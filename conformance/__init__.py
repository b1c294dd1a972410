"""pyrun's runtime-spec conformance harness: checks any runc-compatible runtime binary, as a black box.

Library use: a case is a plain function registered with @case; it gets a Trial `t` that builds
bundles (t.bundle()), drives the runtime (t.create / t.run / t.rt) and checks (t.check, t.eq,
t.skip). Run cases with `python -m conformance --cases my_cases.py --runtime PATH`, or from Python
with conformance.run(["my.case"], ["/usr/sbin/runc"]).
"""

from conformance.registry import AREAS, CASES, Case, Fail, Skip, area, case, select
from conformance.bundle import Bundle


def run(only, runtimes, timeout=10.0, jobs=1):
    """Run the selected cases against runtime paths; returns {label: {case: result}}."""
    from conformance import cases as _builtin  # noqa: F401
    from conformance.runner import parse_runtime, run_all
    return run_all(select(only), [parse_runtime(r) for r in runtimes], timeout=timeout, jobs=jobs)


__all__ = ["AREAS", "CASES", "Case", "Fail", "Skip", "area", "case", "select", "Bundle", "run"]
