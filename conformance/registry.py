"""The case registry: what a conformance case is and the @case decorator that records one.

A case is a plain function taking a Trial (see trial.py). It raises Fail or Skip (or simply
returns, which is a pass). The decorator records where in the runtime-spec the checked
requirement lives and how strong it is (MUST / SHOULD / runc-compat).
"""

import dataclasses
import os
import sys

AREAS = {}   # area name -> one-line description (for the summary)
CASES = {}   # case name -> Case, in registration order


@dataclasses.dataclass
class Case:
    name: str          # "<area>.<what>", unique
    area: str
    section: str       # spec section, e.g. "runtime.md#start"
    level: str         # "MUST", "SHOULD" or "compat" (runc behaviour the engines rely on)
    text: str          # the requirement checked, in one line
    fn: object
    module: str
    file: str
    needs_root: bool = True


def area(name, description):
    AREAS.setdefault(name, description)


def case(name, section, level, text, needs_root=True):
    """Register fn as conformance case `name` ("area.case"); returns fn unchanged."""
    if level not in ("MUST", "SHOULD", "compat"):
        raise ValueError(f"case {name}: level must be MUST, SHOULD or compat, not {level!r}")
    area_name = name.split(".", 1)[0]
    if "." not in name or not area_name:
        raise ValueError(f"case name {name!r} must look like 'area.case'")
    # The module that registers the case is the one a worker must import to find it again.
    module_name = sys._getframe(1).f_globals.get("__name__", "__main__")

    def register(fn):
        if name in CASES and CASES[name].fn.__code__ is not fn.__code__:
            raise ValueError(f"case {name!r} is registered twice")
        module = sys.modules.get(module_name)
        CASES[name] = Case(name, area_name, section, level, text, fn, module_name,
                           os.path.abspath(getattr(module, "__file__", "") or ""), needs_root)
        AREAS.setdefault(area_name, "")
        return fn

    return register


class Skip(Exception):
    """The case does not apply here (missing kernel feature, controller, tool); the message says why."""


class Fail(AssertionError):
    """The runtime did not do what the spec requires; the message says what was seen."""


def select(patterns):
    """Cases matching any pattern: an area name, a case name, or a prefix ending in '*'."""
    if not patterns:
        return list(CASES.values())
    chosen = []
    unknown = []
    for pat in patterns:
        hits = [c for c in CASES.values()
                if c.name == pat or c.area == pat or (pat.endswith("*") and c.name.startswith(pat[:-1]))]
        if not hits:
            unknown.append(pat)
        chosen.extend(c for c in hits if c not in chosen)
    if unknown:
        raise KeyError(f"no case or area named {', '.join(unknown)} "
                       f"(areas: {', '.join(sorted({c.area for c in CASES.values()}))})")
    return chosen
