"""spec.validate: valid configs pass, every refusal names its field, and the precompiled validator
agrees with jsonschema (the reference) on every config here."""

import json
import os

import jsonschema
import pytest

import speclib
from runtime.errors import ConfigError
from spec import _validator, schemas
from spec.validate import json_path, load_config, validate_config

REFERENCE = jsonschema.Draft4Validator(schemas.bundle("config-schema.json"))


def fast_accepts(config):
    try:
        _validator.validate(config)
        return True
    except _validator.JsonSchemaValueException:
        return False


def refusal(config):
    with pytest.raises(ConfigError) as info:
        validate_config(config)
    return info.value.message


VALID = speclib.valid_configs()


def test_the_reference_schema_is_a_valid_draft4_schema():
    for name in ("config-schema.json", "state-schema.json", "features-schema.json"):
        jsonschema.Draft4Validator.check_schema(schemas.bundle(name))


def test_valid_configs_include_runcs_own():
    names = [name for name, _ in VALID]
    if os.path.exists(speclib.RUNC):
        assert "runc spec" in names and "runc spec --rootless" in names


@pytest.mark.parametrize("name,config", VALID, ids=[n for n, _ in VALID])
def test_valid_config_is_accepted(name, config):
    validate_config(config)
    assert fast_accepts(config)
    assert list(REFERENCE.iter_errors(config)) == []


@pytest.mark.parametrize("name,mutate,where,fragment", speclib.SCHEMA_BAD, ids=[c[0] for c in speclib.SCHEMA_BAD])
def test_schema_refusal_names_the_field(name, mutate, where, fragment):
    config = speclib.broken(mutate)
    message = refusal(config)
    prefix = f"config.json: {where}: " if where else "config.json: "
    assert message.startswith(prefix), message
    assert fragment in message, message
    if where is None:  # a problem with the whole document: nothing after the prefix looks like a path
        assert message[len(prefix):].startswith(("'", "[", "{")), message
    # Both validators refuse it.
    assert not fast_accepts(config)
    assert list(REFERENCE.iter_errors(config))


@pytest.mark.parametrize("name,mutate,where,fragment", speclib.SEMANTIC_BAD, ids=[c[0] for c in speclib.SEMANTIC_BAD])
def test_semantic_refusal_names_the_field(name, mutate, where, fragment):
    config = speclib.broken(mutate)
    # The schema allows it (both validators agree)...
    assert fast_accepts(config)
    assert list(REFERENCE.iter_errors(config)) == []
    # ...the extra checks do not.
    message = refusal(config)
    assert message.startswith(f"config.json: {where}: "), message
    assert fragment in message, message


def test_brief_examples_read_exactly():
    assert refusal(speclib.broken(lambda c: c["process"].update(args=[]))) == \
        "config.json: process.args: [] should be non-empty"
    message = refusal(speclib.broken(lambda c: c["linux"]["namespaces"].__setitem__(2, {"type": "foo"})))
    assert message == ("config.json: linux.namespaces[2].type: 'foo' is not one of "
                       "['mount', 'pid', 'network', 'uts', 'ipc', 'user', 'cgroup', 'time']")


def test_validation_does_not_change_the_config():
    config = speclib.containerd_like()
    before = json.dumps(config, sort_keys=True)
    validate_config(config)
    assert json.dumps(config, sort_keys=True) == before


def test_unknown_fields_are_allowed():
    config = speclib.broken(lambda c: c.update({"org.example.future": {"x": 1}}))
    config["process"]["futureField"] = True
    config["linux"]["futureSection"] = [1, 2]
    validate_config(config)


def test_json_path():
    assert json_path([]) == ""
    assert json_path(["process", "args"]) == "process.args"
    assert json_path(["linux", "namespaces", 2, "type"]) == "linux.namespaces[2].type"
    assert json_path(["linux", "sysctl", "net.ipv4.ip_forward"]) == 'linux.sysctl["net.ipv4.ip_forward"]'
    assert json_path(["annotations", "a b"]) == 'annotations["a b"]'


# ---- load_config: the file ----

def write(tmp_path, data):
    (tmp_path / "config.json").write_bytes(data if isinstance(data, bytes) else data.encode())
    return str(tmp_path)


def test_load_config_returns_the_dict(tmp_path):
    config = speclib.podman_like()
    assert load_config(write(tmp_path, json.dumps(config))) == config


def test_load_config_missing_file_names_config_json(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(str(tmp_path))
    assert info.value.message == f"JSON specification file {tmp_path}/config.json not found"


def test_load_config_missing_bundle(tmp_path):
    with pytest.raises(ConfigError, match="config.json not found"):
        load_config(str(tmp_path / "nope"))


def test_load_config_not_json(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, '{"ociVersion": "1.0.0",'))
    assert info.value.message.startswith("config.json: not valid JSON: ")
    assert "line 1" in info.value.message


def test_load_config_not_utf8(tmp_path):
    with pytest.raises(ConfigError, match="^config.json: not valid JSON: "):
        load_config(write(tmp_path, b'{"ociVersion": "\xff"}'))


def test_load_config_empty_file(tmp_path):
    with pytest.raises(ConfigError, match="^config.json: not valid JSON: Expecting value"):
        load_config(write(tmp_path, ""))


def test_load_config_is_a_directory(tmp_path):
    (tmp_path / "config.json").mkdir()
    with pytest.raises(ConfigError, match="config.json: Is a directory"):
        load_config(str(tmp_path))


def test_load_config_refusal_goes_through_the_file(tmp_path):
    config = speclib.broken(lambda c: c["process"].update(terminal="yes"))
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, json.dumps(config)))
    assert info.value.message == "config.json: process.terminal: 'yes' is not of type 'boolean'"


def test_load_config_refuses_nan(tmp_path):
    with pytest.raises(ConfigError, match="^config.json: not valid JSON: NaN is not a JSON value"):
        load_config(write(tmp_path, '{"ociVersion": "1.0.0", "x": NaN}'))


# ---- one broken value at a time: both validators agree, and the message points at it ----

SUBSTITUTES = [None, True, 0, -1, 1.5, 2 ** 64, "", "x", [], [1], {}, {"k": 1}]


def _nodes(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _nodes(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _nodes(value, path + (i,))


def _mutations(count=200, seed=20261128):
    import random
    rng = random.Random(seed)
    cases = []
    for name, config in (("default", speclib.default_config()), ("podman-like", speclib.podman_like()),
                         ("containerd-like", speclib.containerd_like())):
        for path in _nodes(config):
            if path:
                for substitute in SUBSTITUTES:
                    cases.append((name, path, substitute))
    return rng.sample(cases, count)


def test_single_mutations_agree_and_name_the_field():
    configs = {"default": speclib.default_config(), "podman-like": speclib.podman_like(),
               "containerd-like": speclib.containerd_like()}
    refused = 0
    for name, path, substitute in _mutations():
        config = json.loads(json.dumps(configs[name]))
        node = config
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = substitute
        reference_ok = REFERENCE.is_valid(config)
        assert fast_accepts(config) == reference_ok, (name, path, substitute)
        if not reference_ok:
            refused += 1
            message = refusal(config)
            where = message[len("config.json: "):]
            mutated = json_path(path)
            # The reported field is the mutated one, inside it (the substitute has children), or holds it.
            field = where.split(": ", 1)[0]
            holders = [json_path(path[:i]) for i in range(1, len(path))]
            assert field == mutated or field.startswith((mutated + ".", mutated + "[")) or field in holders, \
                (path, substitute, message)
    assert refused > 40  # the sample really exercised the refusals


def test_trailing_newline_is_refused_even_where_jsonschema_would_take_it():
    """Python's `$` matches before a final newline, so jsonschema takes "1.2.0\\n"; the precompiled
    validator (anchored with \\Z) refuses it, and the message then comes from its own words."""
    config = speclib.broken(lambda c: c.update(ociVersion="1.2.0\n"))
    assert REFERENCE.is_valid(config) and not fast_accepts(config)
    assert refusal(config).startswith("config.json: ociVersion: must match pattern ^1")
    config = speclib.broken(lambda c: c["process"]["rlimits"][0].update(type="RLIMIT_NOFILE\n"))
    assert refusal(config) == "config.json: process.rlimits[0].type: must match pattern ^RLIMIT_[A-Z]+$"


def test_load_config_too_deep(tmp_path):
    with pytest.raises(ConfigError, match="^config.json: not valid JSON: nested too deeply$"):
        load_config(write(tmp_path, '{"ociVersion": ' + "[" * 100000 + "]" * 100000 + "}"))


# ---- process.json (exec --process) ----

def write_process(tmp_path, process):
    path = tmp_path / "process.json"
    path.write_text(process if isinstance(process, str) else json.dumps(process))
    return str(path)


def test_load_process_accepts_a_config_process(tmp_path):
    from spec.validate import load_process
    for _, config in VALID:
        if "process" in config:
            assert load_process(write_process(tmp_path, config["process"])) == config["process"]


@pytest.mark.parametrize("process,message", [
    ({"cwd": "/", "args": []}, "process.json: args: [] should be non-empty"),
    ({"args": ["sh"]}, "process.json: 'cwd' is a required property"),
    ({"cwd": "/", "args": ["sh"], "terminal": 1}, "process.json: terminal: 1 is not of type 'boolean'"),
    ({"cwd": "/", "args": ["sh"], "user": {"uid": -1}}, "process.json: user.uid: -1 is less than the minimum of 0"),
    ({"cwd": "tmp", "args": ["sh"]}, "process.json: cwd: 'tmp' is not an absolute path"),
    ({"cwd": "/", "args": ["sh"], "env": ["X"]}, "process.json: env[0]: 'X' is not of the form KEY=value"),
    ({"cwd": "/", "args": ["sh"], "rlimits": [{"type": "RLIMIT_X", "soft": 1, "hard": 1}]},
     "process.json: rlimits[0].type: 'RLIMIT_X' is not a known rlimit"),
    (["sh"], "process.json: ['sh'] is not of type 'object'"),
])
def test_load_process_refusals(tmp_path, process, message):
    from spec.validate import load_process
    with pytest.raises(ConfigError) as info:
        load_process(write_process(tmp_path, process))
    assert info.value.message == message


def test_load_process_file_errors(tmp_path):
    from spec.validate import load_process
    with pytest.raises(ConfigError) as info:
        load_process(str(tmp_path / "nope.json"))
    assert info.value.message == f"open {tmp_path}/nope.json: no such file or directory"
    with pytest.raises(ConfigError, match="^process.json: not valid JSON: "):
        load_process(write_process(tmp_path, "{"))
