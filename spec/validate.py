"""Reading and validating a bundle's config.json: the one place that says whether a config is acceptable.

load_config(bundle_dir) reads <bundle>/config.json, checks it against the runtime-spec 1.2 schema
(spec/schema/) and against the rules a JSON schema cannot state but the spec or runc enforce
(duplicate namespaces, relative paths that must be absolute, user namespace without mappings, ...),
and returns the parsed dict. Every refusal is a runtime.errors.ConfigError whose message names the
field: `config.json: linux.namespaces[2].type: 'foo' is not one of [...]`. load_process(path) does
the same for the process.json of `exec --process`.

Hot path: a valid config is checked by spec/_validator.py (the schema precompiled to plain Python)
and the checks below; jsonschema (~50 ms to import) is imported only to explain a failure.
"""

import os

from runtime.errors import ConfigError
from spec import jsonin   # json.loads's result and errors, without importing json and re

CONFIG_NAME = "config.json"

# The rlimits Linux knows (getrlimit(2)); runc refuses any other name.
RLIMITS = frozenset((
    "RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_LOCKS",
    "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_RSS",
    "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK",
))

HOOK_NAMES = ("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop")

# Seccomp actions that carry an errno (runtime-spec: any other action with errnoRet is an error).
_ERRNO_ACTIONS = ("SCMP_ACT_ERRNO", "SCMP_ACT_TRACE")

# sysctls that belong to the IPC namespace (runc's list; fs.mqueue.* are too).
_IPC_SYSCTLS = frozenset(("kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
                          "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"))


def load_config(bundle_dir):
    """Read, parse and validate <bundle_dir>/config.json; return the config dict or raise ConfigError."""
    path = os.path.join(bundle_dir, CONFIG_NAME)
    try:
        data = _read(path)
    except FileNotFoundError:
        raise ConfigError(f"JSON specification file {path} not found") from None
    config = _parse(data, CONFIG_NAME)
    validate_config(config)
    return config


def load_process(path):
    """Read, parse and validate a process.json (`exec --process`); return the dict or raise ConfigError.

    Refusals name the file and the field: `process.json: args: [] should be non-empty`.
    """
    try:
        data = _read(path)
    except FileNotFoundError:
        raise ConfigError(f"open {path}: no such file or directory") from None
    name = os.path.basename(path)
    process = _parse(data, name)
    from spec import _process_validator
    try:
        _process_validator.validate(process)
    except _process_validator.JsonSchemaValueException as err:
        raise ConfigError(f"{name}: {schema_error(process, str(err), 'process-schema.json')}") from None
    problem = process_error(process, "")
    if problem:
        raise ConfigError(f"{name}: {problem}")
    return process


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise
    except OSError as err:
        raise ConfigError(f"open {path}: {err.strerror}") from None


def _parse(data, name):
    try:
        return jsonin.loads(data)
    except ValueError as err:  # JSONDecodeError, and UnicodeDecodeError for bytes that are not UTF-8
        raise ConfigError(f"{name}: not valid JSON: {err}") from None
    except RecursionError:
        raise ConfigError(f"{name}: not valid JSON: nested too deeply") from None


def validate_config(config):
    """Raise ConfigError naming the field if config (a parsed config.json) is not acceptable."""
    from spec import _validator
    try:
        _validator.validate(config)
    except _validator.JsonSchemaValueException as err:
        raise ConfigError(f"{CONFIG_NAME}: {schema_error(config, str(err))}") from None
    problem = semantic_error(config)
    if problem:
        raise ConfigError(f"{CONFIG_NAME}: {problem}")


# ---- the error path: jsonschema explains what the fast validator refused ----

_reference = {}  # schema name -> jsonschema validator, made on the first refusal


def schema_error(document, fast_message="", schema="config-schema.json"):
    """'<field path>: <message>' for the most relevant schema violation (jsonschema's best_match)."""
    import jsonschema
    if schema not in _reference:
        from spec import schemas
        _reference[schema] = jsonschema.Draft4Validator(schemas.bundle(schema))
    error = jsonschema.exceptions.best_match(_reference[schema].iter_errors(document))
    if error is None:
        # The two validators disagree (e.g. on a trailing newline matching `$`); report the fast one's words.
        where, _, what = fast_message.partition(" must ")
        where = where[len("data"):].lstrip(".") if where.startswith("data") else where
        return f"{where or '(root)'}: must {what}" if what else fast_message or "invalid"
    where = json_path(error.absolute_path)
    message = error.message
    if error.validator == "pattern" and list(error.absolute_path) == ["ociVersion"]:
        message = f"{error.instance!r} is not a supported version: pyrun reads runtime-spec 1.x"
    return f"{where}: {message}" if where else message


def json_path(parts):
    """process.args, linux.namespaces[2].type, linux.sysctl["net.ipv4.ip_forward"]."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}" if out else part
        else:
            from spec import jsonout   # only to word a refusal
            out += f"[{jsonout.dumps(part)}]"
    return out


# ---- what the schema cannot say ----

def semantic_error(config):
    """The first problem a JSON schema cannot express, as '<field path>: <message>', or None.

    Runs after the schema check passed, so types and required fields can be trusted here.
    """
    process = config.get("process")
    if process is None:
        return "process: missing: a container needs a process to run"
    problem = process_error(process, "process.")
    if problem:
        return problem

    for name in HOOK_NAMES:
        for i, hook in enumerate((config.get("hooks") or {}).get(name) or ()):
            if not hook["path"].startswith("/"):
                return f"hooks.{name}[{i}].path: {hook['path']!r} is not an absolute path"

    linux = config.get("linux") or {}
    namespaces = {}
    for i, ns in enumerate(linux.get("namespaces") or ()):
        kind = ns["type"]
        if kind in namespaces:
            return f"linux.namespaces[{i}].type: {kind!r} is listed twice"
        path = ns.get("path") or ""
        if path and not path.startswith("/"):
            return f"linux.namespaces[{i}].path: {path!r} is not an absolute path"
        namespaces[kind] = path

    if config.get("hostname") and "uts" not in namespaces:
        return "hostname: cannot set the hostname without a private UTS namespace (linux.namespaces has no 'uts')"
    if config.get("domainname") and "uts" not in namespaces:
        return "domainname: cannot set the domainname without a private UTS namespace (linux.namespaces has no 'uts')"
    if namespaces.get("user") == "":  # a new user namespace
        for field in ("uidMappings", "gidMappings"):
            if not linux.get(field):
                return f"linux.{field}: missing: a new user namespace needs {field[:3]} mappings"
    if linux.get("timeOffsets") and "time" not in namespaces:
        return "linux.timeOffsets: time offsets need a time namespace (linux.namespaces has no 'time')"

    for i, device in enumerate(linux.get("devices") or ()):
        if device["type"] != "p":
            for field in ("major", "minor"):
                if field not in device:
                    return f"linux.devices[{i}]: {field!r} is required for a device of type {device['type']!r}"

    problem = _sysctl_error(linux.get("sysctl") or {}, namespaces)
    if problem:
        return problem
    return _seccomp_error(linux.get("seccomp"))


def process_error(process, prefix):
    """The first problem of a (schema-valid) process object; field paths start with prefix."""
    cwd = process["cwd"]
    if not cwd.startswith("/"):
        return f"{prefix}cwd: {cwd!r} is not an absolute path"
    for i, entry in enumerate(process.get("env") or ()):
        if "=" not in entry:
            return f"{prefix}env[{i}]: {entry!r} is not of the form KEY=value"
    seen = set()
    for i, rlimit in enumerate(process.get("rlimits") or ()):
        kind = rlimit["type"]
        if kind not in RLIMITS:
            return f"{prefix}rlimits[{i}].type: {kind!r} is not a known rlimit"
        if kind in seen:
            return f"{prefix}rlimits[{i}].type: {kind!r} is listed twice"
        seen.add(kind)
        if rlimit["soft"] > rlimit["hard"]:
            return f"{prefix}rlimits[{i}]: soft limit {rlimit['soft']} is above hard limit {rlimit['hard']}"
    return None


def _sysctl_error(sysctl, namespaces):
    """runc's rule: a sysctl may be set only if it lives in a namespace the container has its own of."""
    for key in sysctl:
        problem = _sysctl_problem(key, namespaces)
        if problem:
            from spec import jsonout   # only to word a refusal
            return f"linux.sysctl[{jsonout.dumps(key)}]: {problem}"
    return None


def _sysctl_problem(key, namespaces):
    if key in _IPC_SYSCTLS or key.startswith("fs.mqueue."):
        if "ipc" not in namespaces:
            return "needs a private IPC namespace (linux.namespaces has no 'ipc')"
    elif key.startswith("net."):
        if "network" not in namespaces:
            return "not allowed in the host's network namespace (linux.namespaces has no 'network')"
    elif key in ("kernel.hostname", "kernel.domainname"):
        if "uts" not in namespaces:
            return "needs a private UTS namespace (linux.namespaces has no 'uts')"
        if key == "kernel.hostname":
            return "conflicts with the hostname field: set hostname instead"
    else:
        return "is not in a separate kernel namespace"
    return None


def _seccomp_error(seccomp):
    if not seccomp:
        return None
    default = seccomp["defaultAction"]
    if default == "SCMP_ACT_NOTIFY":
        return "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"
    if "defaultErrnoRet" in seccomp and default not in _ERRNO_ACTIONS:
        return f"linux.seccomp.defaultErrnoRet: {default} does not take an errno"
    if seccomp.get("listenerMetadata") and not seccomp.get("listenerPath"):
        return "linux.seccomp.listenerMetadata: set without linux.seccomp.listenerPath"
    for i, rule in enumerate(seccomp.get("syscalls") or ()):
        action = rule["action"]
        if "errnoRet" in rule and action not in _ERRNO_ACTIONS:
            return f"linux.seccomp.syscalls[{i}].errnoRet: {action} does not take an errno"
        if action == "SCMP_ACT_NOTIFY" and not seccomp.get("listenerPath"):
            return f"linux.seccomp.syscalls[{i}].action: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath"
    return None
