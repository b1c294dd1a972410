"""Pure logic of the cgroup managers: path resolution, runc's conversions, device rules and the eBPF
program, unified key validation. No cgroup is touched."""

import pytest

from runtime.cgroups import common, devices, v1, v2
from runtime.cgroups.devices import WILDCARD as W, Rule
from runtime.errors import CgroupError, ConfigError

# --- linux.cgroupsPath ------------------------------------------------------------------------------


@pytest.mark.parametrize("given, cleaned", [
    ("", ""), ("/a/b", "/a/b"), ("/a/../b", "/b"), ("/../../x", "/x"), ("a/b", "a/b"), ("../a", "a"),
    ("a/../../b", "b"), ("./a//b/", "a/b"), ("//a", "/a"),
])
def test_clean_path_never_climbs(given, cleaned):
    assert common.clean_path(given) == cleaned


def test_systemd_form_is_refused_with_a_clear_error():
    with pytest.raises(ConfigError, match="systemd.*slice:prefix:name"):
        common.inner_path("system.slice:docker:abc", "abc")
    # a colon inside a path is just a name
    assert common.inner_path("/a:b:c/x", "x") == "/a:b:c/x"


def test_root_cgroup_is_refused():
    for path in ("/", "/..", "."):
        with pytest.raises(ConfigError, match="root cgroup"):
            common.inner_path(path, "id")


def test_v1_paths_absolute_relative_and_default():
    mounts = {"cpu": "/sys/fs/cgroup/cpu", "memory": "/sys/fs/cgroup/memory", "name=systemd":
              "/sys/fs/cgroup/systemd", "": "/sys/fs/cgroup/unified"}
    own = {"cpu": "/", "memory": "/sup/x", "name=systemd": "/", "": "/u"}
    assert v1.resolve_paths("/pods/c1", "c1", mounts, own) == {
        "cpu": "/sys/fs/cgroup/cpu/pods/c1", "memory": "/sys/fs/cgroup/memory/pods/c1",
        "name=systemd": "/sys/fs/cgroup/systemd/pods/c1", "": "/sys/fs/cgroup/unified/pods/c1"}
    # default and relative: under the runtime's own cgroup in each hierarchy
    assert v1.resolve_paths(None, "c1", mounts, own)["memory"] == "/sys/fs/cgroup/memory/sup/x/c1"
    assert v1.resolve_paths("", "c1", mounts, own)["cpu"] == "/sys/fs/cgroup/cpu/c1"
    assert v1.resolve_paths("../../g/c1", "c1", mounts, own)["memory"] == "/sys/fs/cgroup/memory/sup/x/g/c1"


def test_v2_paths_absolute_relative_and_default():
    assert v2.resolve_path("/pods/c1", "c1", own="/user.slice/s.scope") == "/sys/fs/cgroup/pods/c1"
    # relative: under the parent of our own cgroup (ours holds processes)
    assert v2.resolve_path(None, "c1", own="/user.slice/s.scope") == "/sys/fs/cgroup/user.slice/c1"
    assert v2.resolve_path("g/c1", "c1", own="/") == "/sys/fs/cgroup/g/c1"
    assert v2.resolve_path("../../../etc", "c1", own="/a/b") == "/sys/fs/cgroup/a/etc"


# --- conversions ------------------------------------------------------------------------------------

@pytest.mark.parametrize("shares, weight", [(0, 0), (2, 1), (1024, 39), (512, 20), (262144, 10000), (100, 4)])
def test_shares_to_weight_as_runc(shares, weight):
    assert common.shares_to_weight(shares) == weight


@pytest.mark.parametrize("blkio, io", [(0, 0), (10, 1), (1000, 10000), (500, 4950), (100, 910)])
def test_blkio_weight_to_io_weight_as_runc(blkio, io):
    assert common.blkio_weight_to_io_weight(blkio) == io


@pytest.mark.parametrize("swap, memory, expect", [
    (None, None, None), (0, 100, None), (-1, 100, -1), (-1, None, -1), (0, -1, -1),
    (300, 100, 200), (100, 100, 0),
])
def test_swap_conversion_as_runc(swap, memory, expect):
    assert common.swap_to_v2(swap, memory) == expect


@pytest.mark.parametrize("swap, memory, message", [
    (100, 0, "without a memory limit"), (100, -1, "without a memory limit"), (50, 100, "below memory.limit"),
])
def test_swap_conversion_refuses_what_runc_refuses(swap, memory, message):
    with pytest.raises(ConfigError, match=message):
        common.swap_to_v2(swap, memory)


def test_small_parsers():
    assert common.parse_cpu_list("0-2,5\n") == {0, 1, 2, 5}
    assert common.hugepage_bytes("2MB") == 2 << 20 and common.hugepage_bytes("1GB") == 1 << 30
    with pytest.raises(ConfigError, match="pageSize"):
        common.hugepage_bytes("2M")
    assert common.merge_resources({"memory": {"limit": 1, "swap": 2}, "pids": {"limit": 3}},
                                  {"memory": {"limit": 5}}) == {"memory": {"limit": 5, "swap": 2},
                                                                "pids": {"limit": 3}}


def test_resource_types_checked_with_the_field_named():
    common.check_types({"memory": {"limit": 1, "disableOOMKiller": False}, "cpu": {"cpus": "0"},
                        "blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 5}]},
                        "hugepageLimits": [{"pageSize": "2MB", "limit": 0}], "unified": {"a.b": "1"}})
    for bad, field in [({"memory": {"limit": "1G"}}, r"memory\.limit: must be an integer"),
                       ({"memory": {"limit": True}}, r"memory\.limit: must be an integer"),
                       ({"memory": {"disableOOMKiller": 1}}, r"memory\.disableOOMKiller: must be true"),
                       ({"cpu": {"cpus": 0}}, r"cpu\.cpus: must be a string"),
                       ({"cpu": []}, r"linux\.resources\.cpu: must be an object"),
                       ({"blockIO": {"weightDevice": [{"major": "8"}]}}, r"weightDevice\[0\]\.major"),
                       ({"hugepageLimits": [{"pageSize": "2MB"}]}, r"hugepageLimits\[0\]"),
                       ({"rdma": {"mlx": {"hcaHandles": "2"}}}, r"rdma\['mlx'\]"),
                       ({"unified": {"memory.max": 5}}, r"unified: must be an object of strings")]:
        with pytest.raises(ConfigError, match=field):
            common.check_types(bad)


# --- unified ----------------------------------------------------------------------------------------

def test_unified_keys_validated():
    enabled = {"memory", "pids"}
    common.check_unified_key("memory.high", enabled)
    common.check_unified_key("cgroup.max.descendants", enabled)
    for bad, message in [("../memory.max", "plain file name"), ("memory/../../x", "plain file name"),
                         ("..", "plain file name"), (".hidden", "plain file name"), ("memory", "CONTROLLER.PARAMETER"),
                         ("io.max", "'io' is not available"), ("cgroup.procs", "managed by the runtime"),
                         ("cgroup.kill", "managed by the runtime")]:
        with pytest.raises(ConfigError, match=message):
            common.check_unified_key(bad, enabled)


def test_v2_refuses_what_it_cannot_enforce():
    for res, field in [({"memory": {"kernel": 1 << 20}}, "memory.kernel"),
                       ({"memory": {"swappiness": 10}}, "memory.swappiness"),
                       ({"memory": {"disableOOMKiller": True}}, "disableOOMKiller"),
                       ({"cpu": {"realtimeRuntime": 1000}}, "realtimeRuntime"),
                       ({"network": {"classID": 1}}, "network")]:
        with pytest.raises(CgroupError, match=field):
            v2.check_supported(res)
    v2.check_supported({"memory": {"swappiness": -1, "disableOOMKiller": False}, "cpu": {"shares": 2}})


def test_v2_needed_controllers_name_their_field():
    need = v2.needed_controllers({"cpu": {"cpus": "0"}, "hugepageLimits": [{"pageSize": "2MB", "limit": 0}],
                                  "unified": {"misc.max": "x", "cgroup.max.depth": "3"}})
    assert need == {"cpuset": "linux.resources.cpu.cpus/mems", "hugetlb": "linux.resources.hugepageLimits",
                    "misc": "linux.resources.unified['misc.max']"}


# --- device rules -----------------------------------------------------------------------------------

def test_parse_rules_defaults_and_errors():
    assert devices.parse_rules([{"allow": False}]) == [Rule("a", W, W, "rwm", False)]
    assert devices.parse_rules([{"allow": True, "type": "c", "major": 1, "minor": 3, "access": "wr"}]) == \
        [Rule("c", 1, 3, "rw", True)]
    for bad, field in [({"allow": "yes"}, r"\[0\].allow"), ({"allow": True, "type": "x"}, r"\[0\].type"),
                       ({"allow": True, "major": -2}, r"\[0\].major"), ({"allow": True, "access": "rwx"},
                                                                         r"\[0\].access")]:
        with pytest.raises(ConfigError, match=field):
            devices.parse_rules([bad])


def test_rules_from_config_appends_runc_defaults_minus_redefined_paths():
    config = {"linux": {"resources": {"devices": [{"allow": False, "access": "rwm"}]},
                        "devices": [{"path": "/dev/zero", "type": "c", "major": 1, "minor": 5}]}}
    rules = devices.rules_from_config(config)
    assert rules[0] == Rule("a", W, W, "rwm", False)
    assert Rule("c", 1, 3, "rwm", True) in rules
    assert Rule("c", 1, 5, "rwm", True) not in rules       # /dev/zero redefined by linux.devices
    assert len(rules) == 1 + len(devices.DEFAULT_ALLOWED) - 1


def test_emulator_refuses_punching_a_hole_in_a_wildcard():
    with pytest.raises(ConfigError, match="punch a hole"):
        devices.Emulator.from_rules([Rule("c", W, W, "rwm", True), Rule("c", 1, 3, "r", False)])


def test_v1_transition_from_a_fresh_cgroup_and_for_an_update():
    target = devices.Emulator.from_rules([Rule("a", W, W, "rwm", False), Rule("c", 1, 3, "rwm", True),
                                          Rule("c", 136, W, "rw", True)])
    fresh = devices.Emulator.from_v1_list("a *:* rwm\n")
    assert [r.v1_string() + (" allow" if r.allow else " deny") for r in devices.v1_transition(fresh, target)] == \
        ["a deny", "c 1:3 rwm allow", "c 136:* rw allow"]
    # the cgroup as written, then an update that drops w on the pts rule and adds /dev/zero
    current = devices.Emulator.from_v1_list("c 1:3 rwm\nc 136:* rw\n")
    assert current == target
    new = devices.Emulator.from_rules([Rule("c", 1, 3, "rwm", True), Rule("c", 136, W, "r", True),
                                       Rule("c", 1, 5, "rwm", True)])
    assert [(r.v1_string(), r.allow) for r in devices.v1_transition(current, new)] == \
        [("c 136:* w", False), ("c 1:5 rwm", True)]


def run_bpf(insns, dev_type, access, major, minor):
    """A tiny interpreter for the instructions the generator emits: the program's verdict for a request."""
    ctx = {0: dev_type | (access << 16), 4: major, 8: minor}
    regs = [0] * 11
    pc = 0
    for _ in range(10000):
        op, dst, src, off, imm = insns[pc]
        pc += 1
        if op == devices.LDX_MEM_W:
            assert src == 1
            regs[dst] = ctx[off]
        elif op == devices.AND32_IMM:
            regs[dst] = regs[dst] & imm & 0xFFFFFFFF
        elif op == devices.RSH32_IMM:
            regs[dst] = (regs[dst] & 0xFFFFFFFF) >> imm
        elif op == devices.MOV32_REG:
            regs[dst] = regs[src] & 0xFFFFFFFF
        elif op == devices.MOV32_IMM:
            regs[dst] = imm & 0xFFFFFFFF
        elif op == devices.JNE_IMM:
            if regs[dst] != imm:
                pc += off
        elif op == devices.JNE_REG:
            if regs[dst] != regs[src]:
                pc += off
        elif op == devices.EXIT:
            return regs[0]
        else:
            raise AssertionError(f"unexpected opcode {op:#x}")
    raise AssertionError("program did not exit")


C, B = devices.BPF_DEVCG_DEV_CHAR, devices.BPF_DEVCG_DEV_BLOCK
R, WR, M = devices.BPF_DEVCG_ACC_READ, devices.BPF_DEVCG_ACC_WRITE, devices.BPF_DEVCG_ACC_MKNOD
DEFAULTS = [rule for _, rule in devices.DEFAULT_ALLOWED]


def test_bpf_empty_rule_list_denies_everything():
    insns = devices.bpf_instructions([])
    assert len(insns) == 8 and insns[-2] == (devices.MOV32_IMM, 0, 0, 0, 0)
    assert run_bpf(insns, C, R, 1, 3) == 0


def test_bpf_runc_default_allow_list_shape_and_verdicts():
    insns = devices.bpf_instructions(DEFAULTS)
    # runc's program for this list: 6 prologue, 2 wildcard-mknod blocks of 6, 7 exact blocks of 5
    # (null random full tty zero urandom ptmx... sorted by major/minor), tun 5, pts 4, default 2 = 64
    assert len(insns) == 64
    assert insns[:6] == [(devices.LDX_MEM_W, 2, 1, 0, 0), (devices.AND32_IMM, 2, 0, 0, 0xFFFF),
                         (devices.LDX_MEM_W, 3, 1, 0, 0), (devices.RSH32_IMM, 3, 0, 0, 16),
                         (devices.LDX_MEM_W, 4, 1, 4, 0), (devices.LDX_MEM_W, 5, 1, 8, 0)]
    # first block: (b, *, *, m) with its access check, jumping to the next block at 12
    assert insns[6:12] == [(devices.JNE_IMM, 2, 0, 5, B), (devices.MOV32_REG, 1, 3, 0, 0),
                           (devices.AND32_IMM, 1, 0, 0, M), (devices.JNE_REG, 1, 3, 2, 0),
                           (devices.MOV32_IMM, 0, 0, 0, 1), (devices.EXIT, 0, 0, 0, 0)]
    # last rule block: /dev/pts (c, 136, *, rwm) has no minor and no access check
    assert insns[58:64] == [(devices.JNE_IMM, 2, 0, 3, C), (devices.JNE_IMM, 4, 0, 2, 136),
                            (devices.MOV32_IMM, 0, 0, 0, 1), (devices.EXIT, 0, 0, 0, 0),
                            (devices.MOV32_IMM, 0, 0, 0, 0), (devices.EXIT, 0, 0, 0, 0)]
    cases = [((C, R | WR, 1, 3), 1), ((C, R, 1, 5), 1), ((C, R, 1, 1), 0), ((C, M, 1, 1), 1),
             ((B, M, 8, 0), 1), ((B, R, 8, 0), 0), ((C, R | WR, 136, 7), 1), ((C, R, 5, 2), 1),
             ((C, R, 10, 200), 1), ((C, R, 10, 201), 0), ((C, R | M, 1, 1), 0), ((B, R, 1, 3), 0)]
    for request, verdict in cases:
        assert run_bpf(insns, *request) == verdict, request


def test_bpf_privileged_and_blacklist_forms():
    allow_all = devices.bpf_instructions([Rule("a", W, W, "rwm", True)])
    assert len(allow_all) == 8 and run_bpf(allow_all, B, R | WR, 8, 0) == 1
    # allow all but one block device: one deny block, default allow (runc's PrivilegedExceptSingleDevice)
    insns = devices.bpf_instructions([Rule("a", W, W, "rwm", True), Rule("b", 8, 0, "rwm", False)])
    assert len(insns) == 13
    assert run_bpf(insns, B, R, 8, 0) == 0 and run_bpf(insns, B, R, 8, 1) == 1 and run_bpf(insns, C, R, 8, 0) == 1
    # a deny before an allow-all is wiped out by it (runc's "Weird" case): 8:1 allowed, 8:2 denied
    weird = devices.bpf_instructions([Rule("b", 8, 1, "rwm", False), Rule("a", W, W, "rwm", True),
                                      Rule("b", 8, 2, "rwm", False)])
    assert len(weird) == 13 and run_bpf(weird, B, R, 8, 1) == 1 and run_bpf(weird, B, R, 8, 2) == 0


def test_bpf_partial_access_rule():
    insns = devices.bpf_instructions([Rule("c", 1, 3, "r", True)])
    assert run_bpf(insns, C, R, 1, 3) == 1
    assert run_bpf(insns, C, WR, 1, 3) == 0 and run_bpf(insns, C, R | WR, 1, 3) == 0


def test_bpf_encoding():
    raw = devices.encode([(devices.JNE_IMM, 4, 0, 2, 136), (devices.LDX_MEM_W, 2, 1, 4, 0),
                          (devices.JNE_IMM, 5, 0, 1, 0xFFFFFFFF)])
    assert raw[:8] == bytes([0x55, 0x04, 2, 0, 136, 0, 0, 0])
    assert raw[8:16] == bytes([0x61, 0x12, 4, 0, 0, 0, 0, 0])
    assert raw[16:24] == bytes([0x55, 0x05, 1, 0, 0xFF, 0xFF, 0xFF, 0xFF])
