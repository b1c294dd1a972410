"""Device access rules: from config.json to a clean rule set, to cgroup v1 writes or a cgroup v2 eBPF program.

The model is runc's (libcontainer/cgroups/devices): the rules of linux.resources.devices, followed by
runc's default allow list, are replayed through an emulator of the v1 devices controller. That yields a
default (allow or deny) and a set of exceptions, which become either the minimal devices.allow /
devices.deny writes (v1) or a BPF_PROG_TYPE_CGROUP_DEVICE program (v2) with one block per exception,
the same instructions runc generates. Pure logic; the bpf(2) calls live in runtime/linux.py.
"""

import struct

from runtime.errors import ConfigError

WILDCARD = -1


class Rule:
    """One device rule. A plain class: dataclasses would import inspect and re (10+ ms) into pyrun."""

    __slots__ = ("type", "major", "minor", "access", "allow")

    def __init__(self, type, major, minor, access, allow):
        self.type = type          # "a", "b" or "c"
        self.major = major        # WILDCARD for "*"
        self.minor = minor
        self.access = access      # a subset of "rwm", in that order
        self.allow = allow

    def _key(self):
        return (self.type, self.major, self.minor, self.access, self.allow)

    def __eq__(self, other):
        return isinstance(other, Rule) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return "Rule(%r, %r, %r, %r, %r)" % self._key()

    def v1_string(self):
        """The rule as devices.allow / devices.deny want it: "c 1:3 rwm"."""
        if self.type == "a":
            return "a"
        num = lambda n: "*" if n == WILDCARD else str(n)  # noqa: E731
        return f"{self.type} {num(self.major)}:{num(self.minor)} {self.access}"


def _rwm(chars):
    return "".join(c for c in "rwm" if c in chars)


# runc's specconv.AllowedDevices: what every container may use, appended after the config's rules.
# The paths matter only for dropping a default that config.json's linux.devices redefines.
DEFAULT_ALLOWED = (
    (None, Rule("c", WILDCARD, WILDCARD, "m", True)),
    (None, Rule("b", WILDCARD, WILDCARD, "m", True)),
    ("/dev/null", Rule("c", 1, 3, "rwm", True)),
    ("/dev/random", Rule("c", 1, 8, "rwm", True)),
    ("/dev/full", Rule("c", 1, 7, "rwm", True)),
    ("/dev/tty", Rule("c", 5, 0, "rwm", True)),
    ("/dev/zero", Rule("c", 1, 5, "rwm", True)),
    ("/dev/urandom", Rule("c", 1, 9, "rwm", True)),
    (None, Rule("c", 136, WILDCARD, "rwm", True)),   # /dev/pts/*
    (None, Rule("c", 5, 2, "rwm", True)),            # /dev/ptmx
    (None, Rule("c", 10, 200, "rwm", True)),         # /dev/net/tun
)


def parse_rules(devices, where="linux.resources.devices"):
    """linux.resources.devices (a list of dicts) -> [Rule]; a bad entry is a ConfigError naming it."""
    rules = []
    for i, d in enumerate(devices or ()):
        field = f"{where}[{i}]"
        if not isinstance(d, dict):
            raise ConfigError(f"{field}: must be an object")
        if not isinstance(d.get("allow"), bool):
            raise ConfigError(f"{field}.allow: must be true or false")
        dtype = d.get("type") or "a"
        if dtype not in ("a", "b", "c"):
            raise ConfigError(f"{field}.type: {dtype!r} is not one of a, b, c")
        nums = []
        for key in ("major", "minor"):
            n = d.get(key)
            if n is None:
                n = WILDCARD
            elif not isinstance(n, int) or isinstance(n, bool) or n < 0 or n > 0xFFFFFFFF:
                raise ConfigError(f"{field}.{key}: {n!r} is not a device number")
            nums.append(n)
        access = d.get("access")
        if access is None or access == "":
            access = "rwm"
        if not isinstance(access, str) or not set(access) <= set("rwm"):
            raise ConfigError(f"{field}.access: {access!r} must be made of r, w and m")
        rules.append(Rule(dtype, nums[0], nums[1], _rwm(access), d["allow"]))
    return rules


def redefined_defaults(config):
    """Paths of runc's default devices that config.json's linux.devices redefines (their rule is dropped)."""
    spec_paths = {d.get("path") for d in (config.get("linux") or {}).get("devices") or () if isinstance(d, dict)}
    return sorted(path for path, _ in DEFAULT_ALLOWED if path is not None and path in spec_paths)


def effective_rules(devices, redefined=()):
    """linux.resources.devices followed by runc's default allow list, minus the redefined defaults."""
    return parse_rules(devices) + [rule for path, rule in DEFAULT_ALLOWED if path is None or path not in redefined]


def rules_from_config(config):
    """The effective rule list for a container, as runc builds it: the config's rules, then the defaults."""
    resources = (config.get("linux") or {}).get("resources") or {}
    return effective_rules(resources.get("devices"), redefined_defaults(config))


class Emulator:
    """The v1 devices controller's semantics: a default plus exceptions keyed by (type, major, minor)."""

    def __init__(self, default_allow=True):
        self.default_allow = default_allow
        self.exceptions = {}   # (type, major, minor) -> access string

    def apply(self, rule):
        if rule.type == "a":
            # "a" resets the whole cgroup to allow-all or deny-all
            self.default_allow, self.exceptions = rule.allow, {}
        elif rule.allow == self.default_allow:
            self._remove(rule)
        else:
            self._add(rule)
        return self

    def _add(self, rule):
        key = (rule.type, rule.major, rule.minor)
        self.exceptions[key] = _rwm(self.exceptions.get(key, "") + rule.access)

    def _remove(self, rule):
        key = (rule.type, rule.major, rule.minor)
        # v1 silently ignores removing part of a wildcard exception; refuse instead, as runc does
        for partial in ((rule.type, WILDCARD, rule.minor), (rule.type, rule.major, WILDCARD),
                        (rule.type, WILDCARD, WILDCARD)):
            if partial != key and set(self.exceptions.get(partial, "")) & set(rule.access):
                raise ConfigError(f"device rule {rule.v1_string()!r} cannot punch a hole in the wildcard rule "
                                  f"{Rule(*partial, self.exceptions[partial], True).v1_string()!r}")
        left = _rwm(set(self.exceptions.get(key, "")) - set(rule.access))
        if left:
            self.exceptions[key] = left
        else:
            self.exceptions.pop(key, None)

    def rules(self):
        """The exceptions as rules, sorted by (major, minor, type) like runc, wildcards first."""
        keys = sorted(self.exceptions, key=lambda k: (k[1], k[2], k[0]))
        return [Rule(t, ma, mi, self.exceptions[(t, ma, mi)], not self.default_allow) for t, ma, mi in keys]

    @classmethod
    def from_rules(cls, rules, default_allow=False):
        # runc starts from deny-all: an empty rule list denies every device
        emu = cls(default_allow)
        for rule in rules:
            emu.apply(rule)
        return emu

    @classmethod
    def from_v1_list(cls, text):
        """Rebuild the state from a devices.list; "a *:* rwm" means allow-all (whose denies v1 cannot show)."""
        emu = cls(default_allow=False)
        for line in text.splitlines():
            parts = line.split()
            if not parts:
                continue
            if parts[0] == "a":
                emu = cls(default_allow=True)
                continue
            major, minor = (WILDCARD if n == "*" else int(n) for n in parts[1].split(":"))
            emu.apply(Rule(parts[0], major, minor, _rwm(parts[2]), True))
        return emu

    def __eq__(self, other):
        return self.default_allow == other.default_allow and self.exceptions == other.exceptions


def v1_transition(current, target):
    """Minimal [Rule] to write (allow -> devices.allow, deny -> devices.deny) to go from current to target.

    As runc: a disruptive "a" rule when the default changes or the current cgroup is allow-all
    (whose deny exceptions cannot be read back), then drops, then additions."""
    writes = []
    old = current.exceptions
    if current.default_allow or current.default_allow != target.default_allow:
        writes.append(Rule("a", WILDCARD, WILDCARD, "rwm", target.default_allow))
        old = {}
    for key in sorted(old, key=lambda k: (k[1], k[2], k[0])):
        dropped = _rwm(set(old[key]) - set(target.exceptions.get(key, "")))
        if dropped:
            writes.append(Rule(*key, dropped, target.default_allow))
    for key in sorted(target.exceptions, key=lambda k: (k[1], k[2], k[0])):
        gained = _rwm(set(target.exceptions[key]) - set(old.get(key, "")))
        if gained:
            writes.append(Rule(*key, gained, not target.default_allow))
    return writes


# --- the cgroup v2 eBPF program -------------------------------------------------------------------

# opcodes (linux/bpf_common.h, linux/bpf.h)
LDX_MEM_W = 0x61    # BPF_LDX | BPF_MEM | BPF_W
AND32_IMM = 0x54    # BPF_ALU | BPF_AND | BPF_K
RSH32_IMM = 0x74    # BPF_ALU | BPF_RSH | BPF_K
MOV32_REG = 0xBC    # BPF_ALU | BPF_MOV | BPF_X
MOV32_IMM = 0xB4    # BPF_ALU | BPF_MOV | BPF_K
JNE_IMM = 0x55      # BPF_JMP | BPF_JNE | BPF_K
JNE_REG = 0x5D      # BPF_JMP | BPF_JNE | BPF_X
EXIT = 0x95         # BPF_JMP | BPF_EXIT

BPF_DEVCG_ACC_MKNOD, BPF_DEVCG_ACC_READ, BPF_DEVCG_ACC_WRITE = 1, 2, 4
BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_DEV_CHAR = 1, 2
LICENSE = "Apache"
_ACCESS_BITS = {"r": BPF_DEVCG_ACC_READ, "w": BPF_DEVCG_ACC_WRITE, "m": BPF_DEVCG_ACC_MKNOD}


def bpf_instructions(rules):
    """[(opcode, dst, src, off, imm)] of the device filter for an effective rule list.

    Registers after the prologue (struct bpf_cgroup_dev_ctx at R1): R2 type, R3 access, R4 major,
    R5 minor. Each exception is a block that jumps to the next block on mismatch and otherwise
    returns its verdict; the last block returns the default."""
    emu = Emulator.from_rules(rules)
    insns = [
        (LDX_MEM_W, 2, 1, 0, 0), (AND32_IMM, 2, 0, 0, 0xFFFF),     # R2 = access_type & 0xffff
        (LDX_MEM_W, 3, 1, 0, 0), (RSH32_IMM, 3, 0, 0, 16),         # R3 = access_type >> 16
        (LDX_MEM_W, 4, 1, 4, 0),                                   # R4 = major
        (LDX_MEM_W, 5, 1, 8, 0),                                   # R5 = minor
    ]
    NEXT = "next"   # placeholder offset, resolved when the block ends
    for rule in emu.rules():
        block = [(JNE_IMM, 2, 0, NEXT, BPF_DEVCG_DEV_BLOCK if rule.type == "b" else BPF_DEVCG_DEV_CHAR)]
        access = 0
        for c in rule.access:
            access |= _ACCESS_BITS[c]
        if access != BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD:
            # if (R3 & access) != R3: the request wants more than this rule covers
            block += [(MOV32_REG, 1, 3, 0, 0), (AND32_IMM, 1, 0, 0, access), (JNE_REG, 1, 3, NEXT, 0)]
        if rule.major != WILDCARD:
            block.append((JNE_IMM, 4, 0, NEXT, rule.major))
        if rule.minor != WILDCARD:
            block.append((JNE_IMM, 5, 0, NEXT, rule.minor))
        block += [(MOV32_IMM, 0, 0, 0, int(rule.allow)), (EXIT, 0, 0, 0, 0)]
        start = len(insns)
        end = start + len(block)   # index of the next block's first instruction
        for i, (op, dst, src, off, imm) in enumerate(block):
            if off == NEXT:
                off = end - (start + i + 1)
            insns.append((op, dst, src, off, imm))
    insns += [(MOV32_IMM, 0, 0, 0, int(emu.default_allow)), (EXIT, 0, 0, 0, 0)]
    return insns


def encode(insns):
    """struct bpf_insn[] bytes: u8 code, u8 dst:4 | src:4, s16 off, s32 imm (little-endian)."""
    out = bytearray()
    for op, dst, src, off, imm in insns:
        if imm > 0x7FFFFFFF:
            imm -= 1 << 32   # a u32 device number goes into the s32 immediate bit for bit
        out += struct.pack("<BBhi", op, (src << 4) | dst, off, imm)
    return bytes(out)
