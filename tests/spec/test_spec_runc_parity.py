"""Every config pyrun refuses, runc 1.1.5 refuses too, except the documented cases where pyrun
follows the spec's MUSTs more strictly than runc does. Runs each bad config through `runc run`."""

import json
import os

import pytest

import speclib

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (runc runs containers)")

# name -> why pyrun refuses what runc 1.1.5 runs.
STRICTER_THAN_RUNC = {
    "ociVersion missing": "config.md: ociVersion is REQUIRED",
    "ociVersion 2.0.0": "a 2.x config is not one this runtime understands (SemVer major)",
    "ociVersion garbage": "config.md: ociVersion MUST be SemVer",
    "ociVersion 1.0": "config.md: ociVersion MUST be SemVer",
    "consoleSize missing width": "config.md: height and width are REQUIRED",
    "mount idmap size missing": "config-linux.md: containerID, hostID and size are REQUIRED",
    "uidMappings size missing": "config-linux.md: containerID, hostID and size are REQUIRED",
    "hook timeout zero": "config.md: timeout MUST be greater than zero",
    "seccomp defaultAction missing": "config-linux.md: defaultAction is REQUIRED",
    "seccomp names empty": "config-linux.md: names MUST contain at least one entry",
    "pids limit missing": "config-linux.md: pids.limit is REQUIRED",
    "device cgroup allow missing": "config-linux.md: allow is REQUIRED",
    "device cgroup access q": "config-linux.md: access is a composition of r, w and m",
    "personality domain": "config-linux.md: domain is LINUX or LINUX32",
    "timeOffsets without time namespace": "time offsets without a time namespace would be silently lost (runc 1.2 refuses too)",
    "device without major": "config-linux.md: major and minor are REQUIRED unless type is p",
    "seccomp errnoRet with allow": "config-linux.md: an errnoRet on an action without errno MUST fail",
    "seccomp metadata without listener": "config-linux.md: listenerMetadata MUST NOT be set without listenerPath",
}

# Plain type errors are left out: runc's JSON decoder refuses every one of them.
CASES = [(name, mutate) for name, mutate, _, fragment in speclib.SCHEMA_BAD + speclib.SEMANTIC_BAD
         if "is not of type" not in fragment]


def test_the_stricter_list_names_real_cases():
    assert set(STRICTER_THAN_RUNC) <= {name for name, _ in CASES}


def base_config(rootfs):
    """The default config running `true` on the shared busybox rootfs, read-only so runs leave it untouched."""
    config = speclib.default_config()
    config["process"].update(terminal=False, args=["true"])
    config["root"] = {"path": rootfs, "readonly": True}
    return config


@needs_root
@pytest.mark.parametrize("name,mutate", CASES, ids=[name for name, _ in CASES])
def test_runc_refuses_it_too(runc, rootfs_template, tmp_path, name, mutate):
    config = speclib.broken(mutate, base_config(rootfs_template))
    (tmp_path / "config.json").write_text(json.dumps(config))
    before = {d: sorted(os.listdir(os.path.join(rootfs_template, d))) for d in ("", "dev", "etc", "tmp")}
    proc = runc("run", "--bundle", str(tmp_path), runc.new_id("parity"), check=False, timeout=30)
    # The shared rootfs other tests copy is left as it was.
    assert before == {d: sorted(os.listdir(os.path.join(rootfs_template, d))) for d in before}
    if name in STRICTER_THAN_RUNC:
        assert proc.returncode == 0, f"runc refuses {name!r} now: drop it from STRICTER_THAN_RUNC\n{proc.stderr}"
    else:
        assert proc.returncode != 0, f"runc runs {name!r}: pyrun refuses it without a documented reason"
