"""Logging to --log in runc's formats: text (logrus-style) or one JSON object per line.

Engines parse this: containerd takes the last level=error object, podman parses the whole
file as one object, so each failure writes exactly one error line with an RFC 3339 time.
"""

import os
import sys
import time


def _now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _line(g, level, message):
    if g.log_format == "json":
        import json
        return json.dumps({"level": level, "msg": message, "time": _now()}) + "\n"
    quoted = message.replace("\\", "\\\\").replace('"', '\\"')
    return f'time="{_now()}" level={level} msg="{quoted}"\n'


def _append(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def error(g, message):
    """Report a failure: one line to --log (if given) and the message on stderr."""
    if g.log:
        try:
            _append(g.log, _line(g, "error", message))
        except OSError:
            pass
    try:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def warning(g, message):
    """A warning goes to --log only when given (stderr may be the container's stdio)."""
    if g.log:
        try:
            _append(g.log, _line(g, "warning", message))
        except OSError:
            pass


def debug(g, message):
    if g.debug and g.log:
        try:
            _append(g.log, _line(g, "debug", message))
        except OSError:
            pass
