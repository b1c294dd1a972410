"""Plain unit tests of runtime/userns.py's pure parts and the rootless cgroup decision."""

import pytest

from runtime import userns
from runtime.errors import CgroupError, ConfigError, UsageError
from spec.defaults import rootless_config

MAPS = [{"containerID": 0, "hostID": 1000, "size": 1}, {"containerID": 1, "hostID": 100000, "size": 65536}]


def test_helper_argv_is_pid_then_triples():
    assert userns.helper_args("/usr/bin/newuidmap", 4242, MAPS) == \
        ["/usr/bin/newuidmap", "4242", "0", "1000", "1", "1", "100000", "65536"]


def test_map_lines_are_what_the_kernel_reads():
    assert userns.map_lines(MAPS) == "0 1000 1\n1 100000 65536\n"


def test_only_a_single_own_id_may_be_written_directly():
    assert userns.is_own_id_only(MAPS[:1], 1000)
    assert not userns.is_own_id_only(MAPS[:1], 1001)
    assert not userns.is_own_id_only(MAPS, 1000)
    assert not userns.is_own_id_only([{"containerID": 0, "hostID": 1000, "size": 2}], 1000)


@pytest.mark.parametrize("value, expected", [("auto", None), (None, None), ("true", True), ("1", True),
                                             ("T", True), ("false", False), ("0", False), ("FALSE", False)])
def test_rootless_flag_takes_runcs_values(value, expected):
    assert userns.parse_rootless_flag(value) is expected


def test_rootless_flag_refuses_anything_else():
    with pytest.raises(UsageError, match="--rootless"):
        userns.parse_rootless_flag("maybe")


def test_explicit_rootless_wins_over_detection():
    assert userns.is_rootless(True) is True
    assert userns.is_rootless(False) is False
    assert userns.is_rootless("false") is False


def test_subordinate_ranges_by_name_or_number(tmp_path):
    f = tmp_path / "subuid"
    f.write_text("alice:100000:65536\n# comment\n1001:300000:10\nbob:200000:65536\nbroken line\nalice:x:5\n")
    assert userns.subordinate_ranges(str(f), "alice", 1001) == [(100000, 65536), (300000, 10)]
    assert userns.subordinate_ranges(str(f), "carol", 7) == []
    assert userns.subordinate_ranges(str(tmp_path / "missing"), "alice", 1) == []


def rootless(uid=1000, gid=1000):
    return rootless_config(uid, gid)


def test_a_rootless_spec_passes_the_unprivileged_checks():
    userns.check_unprivileged(rootless(), 1000, 1000)


def test_unprivileged_without_user_namespace_is_refused():
    config = rootless()
    config["linux"]["namespaces"] = [ns for ns in config["linux"]["namespaces"] if ns["type"] != "user"]
    with pytest.raises(ConfigError, match="linux.namespaces: .*requires a user namespace"):
        userns.check_unprivileged(config, 1000, 1000)


@pytest.mark.parametrize("key", ["uidMappings", "gidMappings"])
def test_unprivileged_without_mappings_is_refused(key):
    config = rootless()
    del config["linux"][key]
    with pytest.raises(ConfigError, match=f"linux.{key}"):
        userns.check_unprivileged(config, 1000, 1000)


def test_a_joined_user_namespace_needs_no_mappings():
    config = rootless()
    config["linux"]["namespaces"][-1]["path"] = "/proc/1/ns/user"
    del config["linux"]["uidMappings"], config["linux"]["gidMappings"]
    userns.check_unprivileged(config, 1000, 1000)


def test_mount_ids_must_be_mapped():
    config = rootless()
    config["mounts"][2]["options"].append("gid=5")     # /dev/pts: runc's default, unmapped rootless
    with pytest.raises(ConfigError, match=r"mounts\[2\].options: gid=5"):
        userns.check_unprivileged(config, 1000, 1000)
    config["linux"]["gidMappings"].append({"containerID": 1, "hostID": 100000, "size": 10})
    userns.check_unprivileged(config, 1000, 1000)


def test_rootless_spec_follows_runcs_to_rootless():
    config = rootless(1234, 5678)
    lin = config["linux"]
    assert [ns["type"] for ns in lin["namespaces"]][-1] == "user"
    assert "network" not in [ns["type"] for ns in lin["namespaces"]]
    assert lin["uidMappings"] == [{"containerID": 0, "hostID": 1234, "size": 1}]
    assert lin["gidMappings"] == [{"containerID": 0, "hostID": 5678, "size": 1}]
    assert "resources" not in lin
    sys_mount = next(m for m in config["mounts"] if m["destination"] == "/sys")
    assert sys_mount == {"destination": "/sys", "type": "none", "source": "/sys",
                         "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]}
    assert not any(o.startswith(("uid=", "gid=")) for m in config["mounts"] for o in m.get("options", []))
    assert any(m["type"] == "cgroup" for m in config["mounts"])   # kept, as runc keeps it


def test_rootless_cgroup_decision_on_this_host():
    """On a v1/hybrid host rootless gets no cgroup: a warning without limits, an error with them."""
    from runtime import cgroups
    if cgroups.is_v2_host():
        pytest.skip("a pure cgroup v2 host")
    warned = []
    assert cgroups.new_manager(rootless(), "c1", rootless=warned.append) is None
    assert len(warned) == 1 and "no cgroup" in warned[0]
    config = rootless()
    config["linux"]["resources"] = {"memory": {"limit": 1 << 26}}
    with pytest.raises(CgroupError, match="linux.resources.memory"):
        cgroups.new_manager(config, "c1", rootless=warned.append)
    config["linux"]["resources"] = {"devices": [{"allow": False, "access": "rwm"}]}
    assert cgroups.new_manager(config, "c1", rootless=True) is None   # devices are moot in a userns
