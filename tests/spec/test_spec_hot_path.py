"""The precompiled validator: spec/_validator.py is what build_validator makes of the schemas on disk,
and validating a config imports neither jsonschema nor fastjsonschema (measured, in a fresh
interpreter started like the pyrun launcher)."""

import json
import os
import subprocess

import pytest

import speclib
from spec import build_validator

PROBE = r"""
import sys, time
sys.path.insert(0, ROOT)
import json
t0 = time.perf_counter()
from spec.validate import load_config
try:
    load_config(BUNDLE)
    outcome = "ok"
except Exception as err:
    outcome = type(err).__name__ + ": " + str(err)
elapsed = time.perf_counter() - t0
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("jsonschema", "fastjsonschema", "decimal"))
print(json.dumps({"outcome": outcome, "ms": elapsed * 1000, "heavy": heavy}))
"""


def probe(bundle):
    code = PROBE.replace("ROOT", repr(speclib.ROOT)).replace("BUNDLE", repr(str(bundle)))
    out = subprocess.run([speclib.VENV_PYTHON, "-I", "-c", code], capture_output=True, text=True, check=True,
                         timeout=60)
    return json.loads(out.stdout)


@pytest.fixture
def bundle(tmp_path):
    def make(config):
        (tmp_path / "config.json").write_text(json.dumps(config, indent=2))
        return tmp_path
    return make


def test_generated_validator_is_up_to_date():
    with open(build_validator.OUTPUT, encoding="utf-8") as f:
        committed = f.read()
    assert build_validator.generate() == committed, \
        "spec/_validator.py is stale: run .venv/bin/python3 -m spec.build_validator"


def test_generated_validator_imports_only_re():
    with open(build_validator.OUTPUT, encoding="utf-8") as f:
        imports = [line.strip() for line in f if line.startswith(("import ", "from "))]
    assert imports == ["import re"]


def test_valid_config_is_validated_without_jsonschema(bundle):
    result = probe(bundle(speclib.podman_like()))
    assert result["outcome"] == "ok"
    assert result["heavy"] == []
    print(f"hot path: import spec.validate + load + validate a podman-like config: {result['ms']:.2f} ms")
    # Target: well under 3 ms beyond json on an idle machine; allow for a busy shared one.
    assert result["ms"] < 15


def test_invalid_config_brings_in_jsonschema_for_the_message(bundle):
    config = speclib.podman_like()
    config["process"]["args"] = []
    result = probe(bundle(config))
    assert result["outcome"] == "ConfigError: config.json: process.args: [] should be non-empty"
    assert "jsonschema" in result["heavy"]
    assert "fastjsonschema" not in result["heavy"]


def test_semantic_refusal_needs_no_jsonschema(bundle):
    config = speclib.podman_like()
    config["process"]["cwd"] = "relative"
    result = probe(bundle(config))
    assert result["outcome"] == "ConfigError: config.json: process.cwd: 'relative' is not an absolute path"
    assert result["heavy"] == []


def test_build_validator_check_mode():
    proc = subprocess.run([speclib.VENV_PYTHON, "-m", "spec.build_validator", "--check"], cwd=speclib.ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert os.path.exists(build_validator.OUTPUT)
