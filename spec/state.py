"""The state document of a container, as `pyrun state` prints it and hooks receive it (runtime-spec
runtime.md#state), and the RFC 3339 timestamps in it.

state_document() has the fields and order of runc 1.1.5's `runc state`: ociVersion, id, pid, status,
bundle, rootfs, created, annotations (only when there are any), owner; pid is 0 once stopped.
hook_state() is the spec's own State (what runc writes to a hook's stdin): ociVersion, id, status,
pid, bundle, annotations.
"""

from spec.version import OCI_VERSION

STATUSES = ("creating", "created", "running", "paused", "stopped")


def state_document(id, status, pid, bundle, created, annotations, owner="", rootfs=None):
    """The dict `pyrun state` prints (json.dumps(doc, indent=2), as runc does).

    created is an RFC 3339 string (see rfc3339_nano); rootfs, when given, is the absolute rootfs
    path (runc prints it); annotations appear only when non-empty.
    """
    doc = {
        "ociVersion": OCI_VERSION,
        "id": id,
        "pid": 0 if status == "stopped" else int(pid or 0),
        "status": status,
        "bundle": bundle,
    }
    if rootfs:
        doc["rootfs"] = rootfs
    doc["created"] = created
    if annotations:
        doc["annotations"] = dict(annotations)
    doc["owner"] = owner or ""
    return doc


def hook_state(id, status, pid, bundle, annotations):
    """The runtime-spec State a hook reads on its stdin (runc's specs.State, annotations omitted if empty)."""
    doc = {"ociVersion": OCI_VERSION, "id": id, "status": status,
           "pid": 0 if status == "stopped" else int(pid or 0), "bundle": bundle}
    if annotations:
        doc["annotations"] = dict(annotations)
    return doc


def rfc3339_nano(timestamp):
    """UTC RFC 3339 with nanoseconds, Go's RFC3339Nano as runc prints it: '2026-11-28T02:01:20.123456789Z'.

    timestamp: an int of nanoseconds since the epoch (time.time_ns(): full precision), or a float of
    seconds (time.time(): microsecond precision). An int too small to be nanoseconds after 1973
    (< 1e11) is taken as seconds. Like Go, trailing zeros of the fraction are dropped, and the
    fraction with them when it is zero.
    """
    if isinstance(timestamp, float):
        ns = round(timestamp * 1_000_000) * 1000  # a double holds microseconds exactly, not nanoseconds
    else:
        ns = int(timestamp)
        if abs(ns) < 100_000_000_000:
            ns *= 1_000_000_000
    seconds, fraction = divmod(ns, 1_000_000_000)
    import time
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    if fraction:
        text += "." + f"{fraction:09d}".rstrip("0")
    return text + "Z"


def parse_rfc3339_nano(text):
    """Nanoseconds since the epoch from an RFC 3339 time ('...Z' or '...+hh:mm'): rfc3339_nano's inverse."""
    try:
        date, clock = text[:10], text[11:19]
        if text[10] not in "Tt " or date[4] != "-" or date[7] != "-" or clock[2] != ":" or clock[5] != ":":
            raise ValueError
        year, month, day = int(date[:4]), int(date[5:7]), int(date[8:10])
        hour, minute, second = int(clock[:2]), int(clock[3:5]), int(clock[6:8])
        rest, fraction = text[19:], 0
        if rest.startswith("."):
            digits = len(rest) - len(rest[1:].lstrip("0123456789")) - 1
            if not 1 <= digits <= 9:
                raise ValueError
            fraction = int(rest[1:1 + digits].ljust(9, "0"))
            rest = rest[1 + digits:]
        if rest in ("Z", "z"):
            offset = 0
        elif len(rest) == 6 and rest[0] in "+-" and rest[3] == ":":
            offset = (int(rest[1:3]) * 3600 + int(rest[4:6]) * 60) * (-1 if rest[0] == "-" else 1)
        else:
            raise ValueError
        if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
            raise ValueError
    except (ValueError, IndexError):
        raise ValueError(f"not an RFC 3339 time: {text!r}") from None
    seconds = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
    return seconds * 1_000_000_000 + fraction


def _days_from_civil(year, month, day):
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468
