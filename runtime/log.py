"""Logging to --log in runc's formats: text (logrus-style) or one JSON object per line.

Engines parse this: containerd takes the last level=error object, podman parses the whole
file as one object, so each failure writes exactly one error line with an RFC 3339 time.
"""

import os
import sys
import time


def _now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# msg quoted as logrus quotes it (Go's %q): a message of several lines stays one log line
_QUOTE = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _line(g, level, message):
    if g.log_format == "json":
        # logrus's JSON: compact, keys in this order
        from spec import jsonout
        return jsonout.dumps({"level": level, "msg": message, "time": _now()}, separators=(",", ":")) + "\n"
    return f'time="{_now()}" level={level} msg="{message.translate(_QUOTE)}"\n'


def _append(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def error(g, message):
    """Report a failure: one line to --log (if given) and the message on stderr. Without --log,
    --log-format json puts the JSON line on stderr instead, as runc does: whoever asked for JSON
    parses it. (runc's text format there is logrus's time="..." level=error msg="..." line;
    pyrun keeps the bare message, which is what a person reads and what callers match on.)"""
    if g.log:
        try:
            _append(g.log, _line(g, "error", message))
        except OSError:
            pass
    try:
        json_here = g.log_format == "json" and not g.log
        sys.stderr.write(_line(g, "error", message) if json_here else message + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def warning(g, message, stderr_is_ours=False):
    """A warning goes to --log when given. Without it, only where stderr is not the container's
    stdio (delete, the end of a foreground run) it goes there, as logrus's line, as runc's does."""
    if g.log:
        try:
            _append(g.log, _line(g, "warning", message))
        except OSError:
            pass
    elif stderr_is_ours:
        try:
            sys.stderr.write(_line(g, "warning", message))
            sys.stderr.flush()
        except (OSError, ValueError):
            pass


def debug(g, message):
    if g.debug and g.log:
        try:
            _append(g.log, _line(g, "debug", message))
        except OSError:
            pass
