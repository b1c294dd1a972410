"""The features document: valid against the features schema, claims what the brief's table says,
and agrees with the runtime modules that implement each claim. Also `pyrun features` itself."""

import importlib
import json
import subprocess

import jsonschema
import pytest

import speclib
from spec import features, schemas
from spec.version import OCI_VERSION


def runtime_module(name):
    try:
        return importlib.import_module(name)
    except ImportError as err:
        pytest.skip(f"{name} is not importable here: {err}")


def test_document_is_valid_against_the_features_schema():
    jsonschema.validate(features.features_document(), schemas.bundle("features-schema.json"),
                        cls=jsonschema.Draft4Validator)


def test_document_claims():
    doc = features.features_document()
    assert doc["ociVersionMin"] == "1.0.0" and doc["ociVersionMax"] == OCI_VERSION
    assert doc["hooks"] == ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]
    linux = doc["linux"]
    assert sorted(linux["namespaces"]) == ["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"]
    assert linux["cgroup"] == {"v1": True, "v2": True, "systemd": False, "systemdUser": False, "rdma": False}
    assert linux["apparmor"] == {"enabled": False} and linux["selinux"] == {"enabled": False}
    assert linux["intelRdt"] == {"enabled": False}
    assert linux["mountExtensions"] == {"idmap": {"enabled": True}}
    assert "SCMP_ACT_NOTIFY" in linux["seccomp"]["actions"] and "SCMP_ARCH_X86_64" in linux["seccomp"]["archs"]
    assert set(linux["seccomp"]["supportedFlags"]) <= set(linux["seccomp"]["knownFlags"])
    assert linux["capabilities"][0] == "CAP_CHOWN" and linux["capabilities"][-1] == "CAP_CHECKPOINT_RESTORE"
    options = doc["mountOptions"]
    assert options == sorted(set(options))
    for name in ("ro rw suid nosuid dev nodev exec noexec sync async dirsync remount mand nomand atime noatime "
                 "diratime nodiratime bind rbind relatime norelatime strictatime nostrictatime shared rshared "
                 "slave rslave private rprivate unbindable runbindable lazytime nolazytime rro rrw rnosuid "
                 "rnodev rnoexec acl noacl iversion noiversion tmpcopyup idmap ridmap").split():
        assert name in options
    # Not implemented, so not claimed.
    for name in ("copy-symlink", "defaults"):   # runc 1.1.5 claims defaults, but hands it to the kernel
        assert name not in options


def test_seccomp_is_enabled_where_libseccomp_is_installed():
    doc = features.features_document()
    version = features.libseccomp_version()
    assert doc["linux"]["seccomp"]["enabled"] == bool(version and features.kernel_has_seccomp())
    if version:
        assert doc["annotations"]["io.github.seccomp.libseccomp.version"] == version
        assert version.count(".") == 2


def test_supported_seccomp_flags_follow_the_kernel():
    assert features.kernel_release("6.18.0-1-amd64") == (6, 18)
    assert features.kernel_release("4.9") == (4, 9)
    assert features.supported_seccomp_flags("6.1.0") == list(features.SECCOMP_KNOWN_FLAGS)
    assert features.supported_seccomp_flags("5.10.0") == ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                                          "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]
    assert features.supported_seccomp_flags("4.14.1") == ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG"]
    assert features.supported_seccomp_flags("3.10.0") == []


def test_runc_features_is_a_superset_of_the_shared_vocabulary():
    """Every name we claim for seccomp and hooks is one runc's libseccomp-based list also uses."""
    if not speclib.os.path.exists(speclib.RUNC):
        pytest.skip("runc is not installed")
    runc = json.loads(subprocess.run([speclib.RUNC, "features"], capture_output=True, text=True, check=True).stdout)
    doc = features.features_document()
    assert doc["hooks"] == runc["hooks"]
    assert set(doc["linux"]["seccomp"]["actions"]) == set(runc["linux"]["seccomp"]["actions"])
    assert set(doc["linux"]["seccomp"]["operators"]) == set(runc["linux"]["seccomp"]["operators"])
    assert set(runc["linux"]["seccomp"]["archs"]) <= set(doc["linux"]["seccomp"]["archs"])
    assert doc["linux"]["capabilities"] == runc["linux"]["capabilities"]
    assert set(runc["linux"]["namespaces"]) <= set(doc["linux"]["namespaces"])


# ---- the tables agree with the modules that do the work ----

def test_mount_options_are_the_ones_the_mount_module_parses():
    mounts = runtime_module("runtime.rootfs.mounts")
    parsed = set(mounts.FLAGS) | set(mounts.PROPAGATION) | set(mounts.RECURSIVE)
    assert set(features.MOUNT_OPTIONS) == parsed | set(features.MOUNT_EXTENSION_OPTIONS)
    assert set(features.MOUNT_EXTENSION_OPTIONS) == mounts.IGNORED - {"copy-symlink"}   # copy-symlink: skipped


def test_seccomp_names_are_the_seccomp_modules():
    seccomp = runtime_module("runtime.seccomp")
    assert set(features.SECCOMP_ACTIONS) == set(seccomp.ACTIONS)
    assert set(features.SECCOMP_OPERATORS) == set(seccomp.OPERATORS)
    assert set(features.SECCOMP_ARCHS) == set(seccomp.ARCHITECTURES)
    known_flags = getattr(seccomp, "FLAGS", None) or getattr(seccomp, "FLAG_ATTRS")
    assert set(features.SECCOMP_KNOWN_FLAGS) == set(known_flags)


def test_capabilities_are_the_capability_modules():
    capabilities = runtime_module("runtime.capabilities")
    assert features.CAPABILITIES == tuple(capabilities.CAP_NAMES)


def test_namespaces_are_the_namespace_modules():
    namespaces = runtime_module("runtime.namespaces")
    assert set(features.NAMESPACES) == set(namespaces.TYPES)


def test_hooks_are_the_ones_the_validator_knows():
    from spec.validate import HOOK_NAMES
    assert features.HOOKS == HOOK_NAMES
    config_hooks = schemas.bundle("config-schema.json")["properties"]["hooks"]["properties"]
    assert tuple(config_hooks) == features.HOOKS


# ---- the command ----

def test_pyrun_features_through_the_launcher():
    if not speclib.os.path.exists(speclib.PYRUN):
        pytest.skip("pyrun launcher missing: run setup.sh")
    proc = subprocess.run([speclib.PYRUN, "features"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.endswith("}\n")
    from runtime.cli import VERSION
    doc = json.loads(proc.stdout)
    assert doc == features.features_document(VERSION)
    assert doc["annotations"]["pyrun.version"] == VERSION


def test_pyrun_features_refuses_arguments():
    if not speclib.os.path.exists(speclib.PYRUN):
        pytest.skip("pyrun launcher missing: run setup.sh")
    proc = subprocess.run([speclib.PYRUN, "features", "extra"], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert proc.stderr == 'pyrun: "features" requires exactly 0 argument(s)\n'
    assert proc.stdout.startswith("Incorrect Usage.\n\nNAME:\n   pyrun features")   # as runc prints it
