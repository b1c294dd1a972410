"""Linux capabilities of the container process: process.capabilities parsed into five 64-bit
masks, and applied in runc's order (bounding set while still privileged, KEEPCAPS across the
uid switch, then effective/permitted/inheritable and the ambient set).

Names are accepted exactly as runc accepts them ("CAP_CHOWN"). A name Linux does not know is a
ConfigError; a capability this kernel lacks (above /proc/sys/kernel/cap_last_cap) is skipped
with a warning, as runc does.
"""

import os

from runtime import linux
from runtime.errors import ConfigError, SetupError
from spec.capabilities import CAP_NAMES   # every Linux capability, by number

CAP_NUMBERS = {name: number for number, name in enumerate(CAP_NAMES)}
SETS = ("bounding", "effective", "permitted", "inheritable", "ambient")

_last_cap = None


def _reason(err):
    return os.strerror(err.errno) if err.errno else str(err)


class CapSets:
    """The five capability sets as bit masks (bit n = capability n); immutable.

    (A plain class: importing dataclasses costs ~15 ms, more than the rest of a small command.)
    """

    __slots__ = SETS + ("unavailable",)

    def __init__(self, bounding=0, effective=0, permitted=0, inheritable=0, ambient=0, unavailable=()):
        for name, value in zip(self.__slots__, (bounding, effective, permitted, inheritable, ambient,
                                                tuple(unavailable))):
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise AttributeError("CapSets is immutable")

    def __eq__(self, other):
        return isinstance(other, CapSets) and all(
            getattr(self, n) == getattr(other, n) for n in self.__slots__)

    def __hash__(self):
        return hash(tuple(getattr(self, n) for n in self.__slots__))

    def __repr__(self):
        return "CapSets(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__) + ")"


def last_cap():
    """The highest capability number the running kernel knows."""
    global _last_cap
    if _last_cap is None:
        try:
            with open("/proc/sys/kernel/cap_last_cap") as f:
                _last_cap = int(f.read())
        except (OSError, ValueError):
            _last_cap = len(CAP_NAMES) - 1
    return _last_cap


def parse(caps, warn=None):
    """process.capabilities (a dict of five name lists, or None for no capabilities) -> CapSets.

    warn(message) is called once when some known capabilities are missing from this kernel.
    """
    if caps is None:
        return CapSets()
    if not isinstance(caps, dict):
        raise ConfigError("process.capabilities: must be an object")
    top = last_cap()
    masks = {}
    unavailable = []
    for set_name in SETS:
        names = caps.get(set_name)
        if names is None:
            names = []
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError(f"process.capabilities.{set_name}: must be a list of strings")
        mask = 0
        for name in names:
            number = CAP_NUMBERS.get(name)
            if number is None:
                raise ConfigError(f'process.capabilities.{set_name}: unknown capability "{name}"')
            if number > top:
                if name not in unavailable:
                    unavailable.append(name)
                continue
            mask |= 1 << number
        masks[set_name] = mask
    if unavailable and warn is not None:
        warn("ignoring unknown or unavailable capabilities: [" + " ".join(sorted(unavailable)) + "]")
    return CapSets(unavailable=tuple(unavailable), **masks)


def names(mask):
    """The capability names set in mask, in number order (unknown bits as "CAP_<n>")."""
    out = []
    number = 0
    while mask >> number:
        if mask >> number & 1:
            out.append(CAP_NAMES[number] if number < len(CAP_NAMES) else f"CAP_{number}")
        number += 1
    return out


def bounding_set():
    """The calling thread's bounding set as a mask."""
    mask = 0
    for number in range(last_cap() + 1):
        if linux.prctl(linux.PR_CAPBSET_READ, number) == 1:
            mask |= 1 << number
    return mask


def drop_bounding(capsets):
    """Drop every capability not in capsets.bounding from the bounding set.

    Needs CAP_SETPCAP in the effective set: call it while still privileged, before the uid switch.
    """
    current = bounding_set()
    for number in range(last_cap() + 1):
        bit = 1 << number
        if current & bit and not capsets.bounding & bit:
            try:
                linux.prctl(linux.PR_CAPBSET_DROP, number)
            except OSError as err:
                raise SetupError(f"unable to apply bounding set: drop {CAP_NAMES[number]}: "
                                 f"{_reason(err)}") from None


def keep_across_setuid():
    """PR_SET_KEEPCAPS: the permitted set survives a setresuid from root to another uid."""
    linux.prctl(linux.PR_SET_KEEPCAPS, 1)


def apply(capsets, warn=None):
    """Set the process's capabilities to exactly capsets; call after the uid switch.

    Order as runc: bounding (if drop_bounding was not called before, it is done here from the
    retained permitted set), then capset(effective, permitted, inheritable), then the ambient
    set raised cap by cap, and KEEPCAPS cleared. An ambient capability the kernel refuses
    (it must also be permitted and inheritable) is reported through warn, as runc warns.
    Returns the ambient capabilities that could not be raised, as a mask.
    """
    if bounding_set() & ~capsets.bounding:
        # After setresuid to non-root the effective set is empty; CAP_SETPCAP is needed to
        # drop from the bounding set, so take back what is still permitted first.
        _effective, permitted, inheritable = linux.capget()
        try:
            linux.capset(permitted, permitted, inheritable)
        except OSError:
            pass
        drop_bounding(capsets)
    try:
        linux.capset(capsets.effective, capsets.permitted, capsets.inheritable)
    except OSError as err:
        raise SetupError(f"unable to apply caps: capset: {_reason(err)}") from None
    refused = 0
    try:
        linux.prctl(linux.PR_CAP_AMBIENT, linux.PR_CAP_AMBIENT_CLEAR_ALL)
    except OSError as err:
        if capsets.ambient:
            raise SetupError(f"unable to apply caps: clear ambient set: {_reason(err)}") from None
    for number in range(last_cap() + 1):
        if capsets.ambient >> number & 1:
            try:
                linux.prctl(linux.PR_CAP_AMBIENT, linux.PR_CAP_AMBIENT_RAISE, number)
            except OSError:
                refused |= 1 << number
    if refused and warn is not None:
        warn("can't raise ambient capabilities: " + " ".join(names(refused)))
    linux.prctl(linux.PR_SET_KEEPCAPS, 0)
    return refused
