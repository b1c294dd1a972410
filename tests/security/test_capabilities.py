"""Capabilities: parsing (unit) and the five sets as the kernel reports them after apply,
for root and across a switch to uid 1000, before and after execve."""

import os
import shutil
import tempfile

import pytest

from runtime import capabilities
from runtime.errors import ConfigError, SetupError
from seclib import cap_masks, exec_busybox, parse_status, proc_status, report, run_child

CONFIG = {
    "bounding": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                 "CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_AUDIT_WRITE", "CAP_SETFCAP", "CAP_BPF"],
    "effective": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
    "permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"],
    "inheritable": ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"],
    "ambient": ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"],
}


def mask(*names):
    return sum(1 << capabilities.CAP_NUMBERS[n] for n in names)


def expected(config=CONFIG):
    return {k: mask(*v) for k, v in config.items()}


# --- parsing ---

def test_parse_masks_and_names():
    sets = capabilities.parse(CONFIG)
    assert sets.bounding == expected()["bounding"]
    assert sets.ambient == (1 << 0) | (1 << 10)
    assert capabilities.names(sets.permitted) == ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                                                  "CAP_NET_RAW"]
    assert capabilities.names(1 << 40) == ["CAP_CHECKPOINT_RESTORE"]
    with pytest.raises(AttributeError):
        sets.bounding = 0


def test_parse_none_and_missing_sets_are_empty():
    assert capabilities.parse(None) == capabilities.CapSets()
    sets = capabilities.parse({"bounding": ["CAP_KILL"]})
    assert (sets.effective, sets.permitted, sets.inheritable, sets.ambient) == (0, 0, 0, 0)


def test_unknown_capability_names_the_set_and_cap():
    with pytest.raises(ConfigError) as err:
        capabilities.parse({"bounding": ["CAP_CHOWN", "CAP_FOO"]})
    assert str(err.value) == 'process.capabilities.bounding: unknown capability "CAP_FOO"'
    # runc accepts only the exact upper-case "CAP_" names
    with pytest.raises(ConfigError, match='process.capabilities.ambient: unknown capability "chown"'):
        capabilities.parse({"ambient": ["chown"]})
    with pytest.raises(ConfigError, match="process.capabilities.effective: must be a list of strings"):
        capabilities.parse({"effective": "CAP_CHOWN"})


def test_capability_beyond_kernel_is_skipped_with_warning(monkeypatch):
    # As on a kernel whose cap_last_cap is 38 (before CAP_BPF and CAP_CHECKPOINT_RESTORE).
    monkeypatch.setattr(capabilities, "_last_cap", 38)
    warnings = []
    sets = capabilities.parse({"bounding": ["CAP_CHOWN", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"],
                               "effective": ["CAP_BPF"]}, warn=warnings.append)
    assert sets.bounding == 1 and sets.effective == 0
    assert sets.unavailable == ("CAP_BPF", "CAP_CHECKPOINT_RESTORE")
    assert warnings == ["ignoring unknown or unavailable capabilities: [CAP_BPF CAP_CHECKPOINT_RESTORE]"]


def test_known_list_matches_this_kernel():
    with open("/proc/sys/kernel/cap_last_cap") as f:
        last = int(f.read())
    assert capabilities.last_cap() == last
    assert len(capabilities.CAP_NAMES) == 41


# --- applied, as the kernel sees it ---

def _apply_as(uid, config=CONFIG, drop_first=True, then=None):
    def child():
        sets = capabilities.parse(config)
        if drop_first:
            capabilities.drop_bounding(sets)
        capabilities.keep_across_setuid()
        if uid:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
        capabilities.apply(sets)
        status = proc_status()
        report({"caps": cap_masks(status), "uid": status["Uid"]})
        if then:
            then()
    return child


def test_root_gets_exactly_the_sets(root):
    child = run_child(_apply_as(0))
    assert child.exit_code == 0, child.output
    assert child.json()["caps"] == expected()


def test_sets_exact_across_switch_to_uid_1000(root):
    child = run_child(_apply_as(1000))
    assert child.exit_code == 0, child.output
    got = child.json()
    assert got["uid"].split() == ["1000"] * 4
    assert got["caps"] == expected()


def test_apply_alone_also_drops_bounding_after_uid_switch(root):
    # The init may call only apply() after the switch: the bounding set must still come out right.
    child = run_child(_apply_as(1000, drop_first=False))
    assert child.exit_code == 0, child.output
    assert child.json()["caps"] == expected()


def test_ambient_caps_survive_execve_for_non_root(root):
    child = run_child(_apply_as(1000, then=lambda: exec_busybox("cat", "/proc/self/status")))
    assert child.exit_code == 0, child.output
    after = cap_masks(parse_status(child.output))
    want = expected()
    # execve as non-root: permitted and effective become the ambient set; the rest carry over.
    assert after == {"bounding": want["bounding"], "effective": want["ambient"],
                     "permitted": want["ambient"], "inheritable": want["inheritable"],
                     "ambient": want["ambient"]}


def test_root_execve_is_limited_by_the_bounding_set(root):
    child = run_child(_apply_as(0, then=lambda: exec_busybox("cat", "/proc/self/status")))
    assert child.exit_code == 0, child.output
    after = cap_masks(parse_status(child.output))
    want = expected()
    assert after["bounding"] == want["bounding"]
    # root's execve grants inheritable | bounding, never more
    assert after["permitted"] == after["effective"] == want["inheritable"] | want["bounding"]


@pytest.fixture
def shared_dir():
    """A directory uid 1000 can reach, with a file owned by root inside."""
    path = tempfile.mkdtemp(prefix="pyrun-caps-", dir="/tmp")
    os.chmod(path, 0o755)
    with open(os.path.join(path, "file"), "w"):
        pass
    yield path
    shutil.rmtree(path)


@pytest.mark.parametrize("ambient", [["CAP_CHOWN"], []])
def test_ambient_chown_really_works_as_uid_1000(root, shared_dir, ambient):
    config = {"bounding": ["CAP_CHOWN"], "effective": ["CAP_CHOWN"], "permitted": ["CAP_CHOWN"],
              "inheritable": ["CAP_CHOWN"], "ambient": ambient}
    target = os.path.join(shared_dir, "file")
    child = run_child(_apply_as(1000, config, then=lambda: exec_busybox("chown", "1000", target)))
    if ambient:
        assert child.exit_code == 0, child.output
        assert os.stat(target).st_uid == 1000
    else:
        assert child.exit_code == 1
        assert "Operation not permitted" in child.output
        assert os.stat(target).st_uid == 0


def test_ambient_not_inheritable_is_refused_with_warning(root):
    def child():
        sets = capabilities.parse({"bounding": ["CAP_CHOWN", "CAP_KILL"], "permitted": ["CAP_CHOWN", "CAP_KILL"],
                                   "effective": ["CAP_CHOWN"], "inheritable": ["CAP_CHOWN"],
                                   "ambient": ["CAP_CHOWN", "CAP_KILL"]})
        capabilities.drop_bounding(sets)
        warnings = []
        refused = capabilities.apply(sets, warn=warnings.append)
        report({"refused": refused, "warnings": warnings, "caps": cap_masks(proc_status())})
    got = run_child(child).json()
    assert got["refused"] == mask("CAP_KILL")
    assert got["warnings"] == ["can't raise ambient capabilities: CAP_KILL"]
    assert got["caps"]["ambient"] == mask("CAP_CHOWN")


def test_permitted_beyond_what_the_process_has_fails(root):
    def child():
        sets = capabilities.parse({"bounding": ["CAP_KILL"], "permitted": ["CAP_KILL", "CAP_SYS_ADMIN"]})
        capabilities.drop_bounding(sets)
        # A capability gone from the permitted set can never be put back: capset must refuse.
        from runtime import linux
        eff, prm, inh = linux.capget()
        linux.capset(eff & ~mask("CAP_SYS_ADMIN"), prm & ~mask("CAP_SYS_ADMIN"), inh)
        try:
            capabilities.apply(sets)
        except SetupError as err:
            report({"error": str(err)})
            return 0
        report({"error": None})
    got = run_child(child).json()
    assert got["error"] == "unable to apply caps: capset: Operation not permitted"
