"""Resolving paths inside the container's rootfs without ever leaving it.

A path from config.json (a mount destination, a device, a masked path) is resolved component by
component as if the rootfs were "/": a symlink is followed inside the rootfs, ".." stops at
the rootfs, and nothing outside it is reached (the CVE-2021-30465 family). Then the target is
opened with O_PATH|O_NOFOLLOW and the kernel's own view of that fd (/proc/self/fd/N) is checked
to be inside the rootfs, so a symlink swapped in after resolution cannot redirect the mount:
callers mount onto /proc/self/fd/N, not onto the path string.
"""

import os
import stat

from runtime.errors import SetupError

_MAX_SYMLINKS = 255


def secure_join(root, unsafe_path):
    """root + unsafe_path with symlinks resolved inside root. Missing components are kept lexically."""
    root = root.rstrip("/") or "/"
    resolved = ""                       # the part of the path resolved so far, relative to root
    pending = [p for p in unsafe_path.split("/") if p]
    links = 0
    while pending:
        part = pending.pop(0)
        if part == ".":
            continue
        if part == "..":
            resolved = resolved.rsplit("/", 1)[0] if "/" in resolved else ""
            continue
        candidate = f"{resolved}/{part}" if resolved else part
        full = os.path.join(root, candidate)
        try:
            st = os.lstat(full)
        except (FileNotFoundError, NotADirectoryError):
            resolved = candidate
            continue
        if not stat.S_ISLNK(st.st_mode):
            resolved = candidate
            continue
        links += 1
        if links > _MAX_SYMLINKS:
            raise SetupError(f"{unsafe_path}: too many levels of symbolic links in rootfs")
        target = os.readlink(full)
        if target.startswith("/"):
            resolved = ""
        pending[:0] = [p for p in target.split("/") if p]
    return os.path.join(root, resolved) if resolved else root


def within(root, path):
    root = root.rstrip("/")
    return path == root or path.startswith(root + "/") or root == ""


def open_checked(root, path, flags=0):
    """Open an already resolved path with O_PATH|O_NOFOLLOW and verify the kernel agrees it is in root.

    Returns the fd; the caller uses proc_path(fd) as the mount target and closes the fd.
    """
    fd = os.open(path, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC | flags)
    real = os.readlink(f"/proc/self/fd/{fd}")
    if not within(root, real):
        os.close(fd)
        raise SetupError(f"{path} resolves to {real}, outside the container rootfs")
    return fd


def proc_path(fd):
    return f"/proc/self/fd/{fd}"


def make_target(root, dest, is_dir):
    """Resolve dest inside root and create it (a directory, or an empty file) if missing.

    What is missing is made one component at a time through directory fds opened O_NOFOLLOW
    from root: a directory swapped for a symlink after the resolution (another container writing
    a shared volume) fails the walk instead of having the rest made wherever it points, on the
    host say (CVE-2024-45310 in runc). Returns the resolved path.
    """
    path = secure_join(root, dest)
    if os.path.lexists(path):
        return path
    parts = path[len(root.rstrip("/")):].strip("/").split("/")
    fd = os.open(root, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for i, name in enumerate(parts):
            if i == len(parts) - 1 and not is_dir:
                try:
                    os.close(os.open(name, os.O_CREAT | os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644,
                                     dir_fd=fd))
                except OSError as err:
                    raise SetupError(f"{dest}: create {path}: {err.strerror}") from None
                break
            try:
                os.mkdir(name, 0o755, dir_fd=fd)
            except FileExistsError:
                pass
            except OSError as err:
                raise SetupError(f"{dest}: mkdir {path}: {err.strerror}") from None
            try:
                below = os.open(name, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
            except OSError as err:   # ENOTDIR, ELOOP: not a directory (any more)
                where = os.path.join(root, *parts[:i + 1])
                raise SetupError(f"{dest}: {where} is not a directory inside the rootfs ({err.strerror})") from None
            os.close(fd)
            fd = below
    finally:
        os.close(fd)
    return path
