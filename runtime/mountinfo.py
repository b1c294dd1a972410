"""/proc/self/mountinfo read into plain records: the one parser for the mounts this process sees,
used by the rootfs (the mount holding it), the cgroup mount inside a container and the v1 cgroup
manager (the host's hierarchies)."""


class Mount:
    """One line of mountinfo (proc(5)): root within its file system, mount point, the optional
    fields (shared:N, master:N, ...), file system type, source and super options."""

    __slots__ = ("root", "point", "optional", "fstype", "source", "super_options")

    def __init__(self, root, point, optional, fstype, source, super_options):
        self.root = root
        self.point = point
        self.optional = optional
        self.fstype = fstype
        self.source = source
        self.super_options = super_options


def mounts(path="/proc/self/mountinfo"):
    """Every mount, in the kernel's order (a mount after the one it sits on)."""
    found = []
    with open(path) as f:
        for line in f:
            left, _, right = line.rstrip("\n").partition(" - ")
            fields = left.split()
            fstype, source, super_options = (right.split() + ["", "", ""])[:3]
            found.append(Mount(_unescape(fields[3]), _unescape(fields[4]), fields[6:], fstype, source,
                               super_options))
    return found


def _unescape(field):
    """mountinfo escapes space, tab, newline and backslash as octal (\\040)."""
    if "\\" not in field:
        return field
    return field.encode().decode("unicode_escape").encode("latin-1").decode()
