"""`pyrun spec` through the real launcher: writes runc's starter config (ours validates), in runc's
file format, refuses to overwrite, and fails cleanly on a missing bundle."""

import json
import os
import stat
import subprocess

import pytest

import speclib
from spec.defaults import default_config, rootless_config
from spec.validate import load_config


@pytest.fixture
def pyrun_spec():
    if not os.path.exists(speclib.PYRUN):
        pytest.skip("pyrun launcher missing: run setup.sh")

    def run(*args, cwd=None):
        return subprocess.run([speclib.PYRUN, "spec", *args], capture_output=True, text=True, cwd=cwd,
                              timeout=60, stdin=subprocess.DEVNULL)
    return run


def read(path):
    with open(os.path.join(path, "config.json")) as f:
        return f.read()


def test_spec_writes_the_default_config(pyrun_spec, tmp_path):
    proc = pyrun_spec(cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""
    assert json.loads(read(tmp_path)) == default_config()
    assert load_config(str(tmp_path)) == default_config()


def test_spec_file_format_is_runcs(pyrun_spec, tmp_path):
    old = os.umask(0o022)
    try:
        assert pyrun_spec("--bundle", str(tmp_path)).returncode == 0
    finally:
        os.umask(old)
    text = read(tmp_path)
    assert text.startswith('{\n\t"ociVersion": ') and text.endswith("\n}")  # tabs, no trailing newline
    assert stat.S_IMODE(os.stat(tmp_path / "config.json").st_mode) == 0o644
    if os.path.exists(speclib.RUNC):
        theirs_dir = tmp_path / "runc"
        theirs_dir.mkdir()
        subprocess.run([speclib.RUNC, "spec", "-b", str(theirs_dir)], check=True)
        theirs, ours = json.loads(read(theirs_dir)), json.loads(text)
        # Same layout: same keys in the same order, section by section.
        assert list(ours) == list(theirs)
        assert list(ours["process"]) == list(theirs["process"])
        assert list(ours["linux"]) == list(theirs["linux"])
        assert ours["mounts"] == theirs["mounts"][:2] + [dict(theirs["mounts"][2], options=ours["mounts"][2]["options"])] \
            + theirs["mounts"][3:]


def test_spec_rootless(pyrun_spec, tmp_path):
    assert pyrun_spec("--rootless", "-b", str(tmp_path)).returncode == 0
    ours = json.loads(read(tmp_path))
    expected = rootless_config(os.geteuid(), os.getegid())
    expected["mounts"] = [{k: v for k, v in m.items() if not (k == "options" and not v)} for m in expected["mounts"]]
    assert ours == expected
    assert list(ours["linux"])[:2] == ["uidMappings", "gidMappings"]  # runc's (Go struct) order
    assert "network" not in [ns["type"] for ns in ours["linux"]["namespaces"]]
    load_config(str(tmp_path))


def test_spec_refuses_to_overwrite(pyrun_spec, tmp_path):
    (tmp_path / "config.json").write_text("mine")
    proc = pyrun_spec("-b", str(tmp_path))
    assert proc.returncode == 1
    assert proc.stderr.strip() == "File config.json exists. Remove it first"
    assert read(tmp_path) == "mine"


def test_spec_missing_bundle_leaves_nothing(pyrun_spec, tmp_path):
    missing = tmp_path / "nope"
    proc = pyrun_spec("--bundle", str(missing))
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"chdir {missing}: no such file or directory"
    assert not missing.exists()


def test_spec_refuses_arguments(pyrun_spec, tmp_path):
    proc = pyrun_spec("extra", cwd=tmp_path)
    assert proc.returncode != 0
    assert '"spec" requires exactly 0 argument(s)' in proc.stderr
    assert not (tmp_path / "config.json").exists()


def test_spec_help(pyrun_spec):
    proc = pyrun_spec("--help")
    assert proc.returncode == 0
    assert "--bundle, -b value" in proc.stdout and "--rootless" in proc.stdout
