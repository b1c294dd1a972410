"""Files under the container's /proc that pyrun writes: sysctls (linux.sysctl) and the LSM exec
labels (process.apparmorProfile, process.selinuxLabel).

Opened by name, such a write goes wherever a mount over the file or over a directory on its way
sends it: a directory on another filesystem, or another procfs file (/proc/sysrq-trigger bound
over a sysctl, say), and an LSM label meant to confine the container is then silently not applied
(CVE-2025-52881 in runc: mounts raced through a volume shared with another container). So the
file is opened from /proc, checked to be the root of a procfs mount, with openat2 refusing to
cross any mount or follow any link on the way, as runc's procfs handle does.
"""

import errno
import os

from runtime import linux
from runtime.errors import SetupError

def open_for_write(relative):
    """An fd of /proc/<relative> open for writing; SetupError naming the file when /proc is not
    a procfs root or anything is mounted over the file or its path (or a link is on it). A first
    component "self" or "thread-self" is read as the link it is, in that procfs's pid namespace."""
    path = "/proc/" + relative
    proc = os.open("/proc", os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        if not linux.is_procfs_root(proc):
            raise SetupError(f"{path}: /proc is not the root of a procfs mount")
        first, _, rest = relative.partition("/")
        if first in ("self", "thread-self"):
            relative = os.readlink(first, dir_fd=proc) + "/" + rest
        try:
            return linux.openat2(proc, relative, os.O_WRONLY | os.O_CLOEXEC,
                                 linux.RESOLVE_NO_XDEV | linux.RESOLVE_NO_SYMLINKS | linux.RESOLVE_NO_MAGICLINKS)
        except OSError as err:
            if err.errno in (errno.EXDEV, errno.ELOOP):
                raise SetupError(f"{path}: not a plain procfs file (something is mounted over it or "
                                 f"its path, or a link is on it): refusing to write it") from None
            raise OSError(err.errno, os.strerror(err.errno), path) from None
    finally:
        os.close(proc)
