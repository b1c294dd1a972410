"""Applying layer tars to a rootfs, safely: nothing is ever written outside the root.

Entry names are taken apart by hand: absolute names and `..` components are refused, and
every parent directory is resolved component by component with lstat, following symlinks
*inside* the root (an absolute target means the root's own /), and refusing any that climbs
above it. The last component is never followed: a symlink there is replaced, not written
through. Hard-link targets and whiteouts go through the same resolution.

Whiteouts: in a plain rootfs `.wh.NAME` removes NAME and `.wh..wh..opq` removes what lower
layers put in the directory. In overlay mode (each layer into its own empty directory, as
overlayfs lower dirs) they become a 0/0 character device and the trusted.overlay.opaque xattr.
"""

import errno
import gzip
import os
import shutil
import stat
import tarfile

from images.errors import DigestMismatch, ImageError, UnsafeLayer

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
_MAX_FOLLOW = 40
_COPY = 1 << 20


class HashingReader:
    """Wraps a stream, hashing what passes through (the diff id of a decompressed layer)."""

    def __init__(self, inner, algorithm="sha256"):
        import hashlib
        self.inner = inner
        self.hash = hashlib.new(algorithm)

    def read(self, n=-1):
        data = self.inner.read(n)
        self.hash.update(data)
        return data

    def drain(self):
        while self.read(_COPY):
            pass
        return self.hash.hexdigest()


def open_layer(path):
    """A decompressed stream of a layer blob (gzip, zstd or plain tar, told by its magic bytes)."""
    f = open(path, "rb")
    magic = f.read(4)
    f.seek(0)
    if magic[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=f, mode="rb")
    if magic == b"\x28\xb5\x2f\xfd":
        import zstandard
        return zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True, closefd=True)
    return f


def map_id(value, mappings):
    """Host id for a container id under [(container, host, size)]; unmapped ids are an error."""
    if not mappings:
        return value
    for container, host, size in mappings:
        if container <= value < container + size:
            return host + value - container
    raise ImageError(f"id {value} of a layer entry is not covered by the id mappings")


class Applier:
    """Applies layers one after another to root. overlay=True writes overlayfs-style whiteouts."""

    def __init__(self, root, overlay=False, uid_map=None, gid_map=None):
        self.root = os.path.abspath(root)
        self.overlay = overlay
        self.is_root = os.geteuid() == 0
        self.uid_map = uid_map
        self.gid_map = gid_map
        self._dirs = {}          # parts tuple -> resolved real dir path (valid until a dir is removed)
        self._dir_modes = {}     # not root: dirs stay owner-writable until finish() sets these modes

    def apply(self, blob_path, diff_id=None, label=None):
        """Apply one layer blob; verifies the decompressed stream against diff_id when given."""
        label = label or os.path.basename(blob_path)
        stream = open_layer(blob_path)
        reader = HashingReader(stream, diff_id.split(":")[0] if diff_id else "sha256")
        self.label = label
        self.written = set()
        self.written_parents = set()
        self.dir_times = {}      # dir -> (atime, mtime) ns to set when the layer is done
        try:
            try:
                tar = tarfile.open(fileobj=reader, mode="r|", bufsize=1 << 16)
            except tarfile.ReadError as e:
                raise ImageError(f"layer {label}: not a tar archive: {e}") from None
            for member in tar:
                self._entry(tar, member)
            actual = reader.drain()
        except ImageError:
            raise
        except Exception as e:      # tarfile, zlib, zstandard and the filesystem each have their own
            raise ImageError(f"layer {label}: {type(e).__name__}: {e}") from None
        finally:
            stream.close()
        # Directories get their own times back (from the tar, or as they were when the layer only
        # changed their contents), after everything in them was written.
        for path, times in self.dir_times.items():
            try:
                fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
            except (FileNotFoundError, NotADirectoryError):   # removed later in the same layer
                continue
            try:
                os.utime(fd, ns=times)
            finally:
                os.close(fd)
        if diff_id and f"{diff_id.split(':')[0]}:{actual}" != diff_id:
            raise DigestMismatch(f"layer {label}: uncompressed content hashes to sha256:{actual}, "
                                 f"config says {diff_id}")

    # -- path resolution ----------------------------------------------------------------------
    def _refuse(self, name, why):
        raise UnsafeLayer(f"layer {self.label}: entry {name!r}: {why}")

    def _parts(self, name, entry):
        if name.startswith("/"):
            self._refuse(entry, "absolute path")
        parts = [p for p in name.split("/") if p not in ("", ".")]
        if ".." in parts:
            self._refuse(entry, "path with '..' leaves the rootfs")
        return parts

    def resolve_dir(self, parts, entry, create=True):
        """The real directory for parts under root, following symlinks inside the root only."""
        key = tuple(parts)
        cached = self._dirs.get(key)
        if cached is not None:
            return cached
        stack, todo, follows = [], list(parts), 0
        while todo:
            comp = todo.pop(0)
            if comp in ("", "."):
                continue
            if comp == "..":
                if not stack:
                    self._refuse(entry, "a symlinked parent directory points outside the rootfs")
                stack.pop()
                continue
            path = os.path.join(self.root, *stack, comp)
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                if not create:
                    return None
                os.mkdir(path, 0o755)
                stack.append(comp)
                continue
            if stat.S_ISLNK(st.st_mode):
                follows += 1
                if follows > _MAX_FOLLOW:
                    self._refuse(entry, "too many levels of symbolic links")
                target = os.readlink(path)
                if target.startswith("/"):
                    stack = []
                todo = target.split("/") + todo
            elif stat.S_ISDIR(st.st_mode):
                stack.append(comp)
            else:
                self._refuse(entry, f"parent {'/'.join(stack + [comp])!r} is not a directory")
        resolved = os.path.join(self.root, *stack)
        self._dirs[key] = resolved
        return resolved

    # -- entries ------------------------------------------------------------------------------
    def _keep_times(self, directory):
        if directory not in self.dir_times:
            st = os.lstat(directory)
            self.dir_times[directory] = (st.st_atime_ns, st.st_mtime_ns)

    def _entry(self, tar, m):
        parts = self._parts(m.name, m.name)
        if not parts:                                   # the root directory itself
            if m.isdir():
                self._meta(self.root, m)
                self.dir_times[self.root] = self._times(m)
            return
        parent = self.resolve_dir(parts[:-1], m.name)
        self._keep_times(parent)
        name = parts[-1]
        if name.startswith(WHITEOUT):
            return self._whiteout(parent, name, m)
        path = os.path.join(parent, name)
        try:
            existing = os.lstat(path)
        except FileNotFoundError:
            existing = None
        if m.isdir():
            if existing and not stat.S_ISDIR(existing.st_mode):
                self._remove(path, existing)
                existing = None
            if not existing:
                os.mkdir(path, 0o700)
            self._meta(path, m)
            self.dir_times[path] = self._times(m)
        elif m.isreg():
            if existing:
                self._remove(path, existing)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            with os.fdopen(fd, "wb") as out:
                src = tar.extractfile(m)
                remaining = m.size
                while remaining:
                    chunk = src.read(min(_COPY, remaining))
                    if not chunk:
                        raise ImageError(f"layer {self.label}: entry {m.name!r}: truncated")
                    out.write(chunk)
                    remaining -= len(chunk)
            self._meta(path, m)
            os.utime(path, ns=self._times(m), follow_symlinks=False)
        elif m.issym():
            if existing:
                self._remove(path, existing)
            os.symlink(m.linkname, path)
            self._owner(path, m)
            self._xattrs(path, m)
            os.utime(path, ns=self._times(m), follow_symlinks=False)
        elif m.islnk():
            tparts = self._parts(m.linkname, m.name)
            if not tparts:
                self._refuse(m.name, "hard link to the rootfs itself")
            tparent = self.resolve_dir(tparts[:-1], m.name, create=False)
            target = os.path.join(tparent, tparts[-1]) if tparent else None
            try:
                tst = os.lstat(target) if target else None
            except FileNotFoundError:
                tst = None
            if tst is None:
                raise ImageError(f"layer {self.label}: entry {m.name!r}: hard link target {m.linkname!r} does not exist")
            if stat.S_ISDIR(tst.st_mode):
                self._refuse(m.name, f"hard link to directory {m.linkname!r}")
            if existing:
                if existing.st_ino == tst.st_ino and existing.st_dev == tst.st_dev:
                    return self._mark(path)
                self._remove(path, existing)
            os.link(target, path, follow_symlinks=False)
        elif m.ischr() or m.isblk() or m.isfifo():
            if not m.isfifo() and not self.is_root:
                self._refuse(m.name, "device node, and not running as root")
            if existing:
                self._remove(path, existing)
            kind = stat.S_IFCHR if m.ischr() else stat.S_IFBLK if m.isblk() else stat.S_IFIFO
            os.mknod(path, kind | 0o600, os.makedev(m.devmajor, m.devminor) if kind != stat.S_IFIFO else 0)
            self._meta(path, m)
            os.utime(path, ns=self._times(m), follow_symlinks=False)
        else:
            raise ImageError(f"layer {self.label}: entry {m.name!r}: unsupported tar entry type {m.type!r}")
        self._mark(path)

    def _mark(self, path):
        self.written.add(path)
        parent = os.path.dirname(path)
        while parent not in self.written_parents and len(parent) > len(self.root):
            self.written_parents.add(parent)
            parent = os.path.dirname(parent)

    def _whiteout(self, parent, name, m):
        if name == OPAQUE:
            if self.overlay:
                os.setxattr(parent, "trusted.overlay.opaque", b"y")
            else:
                self._opaque(parent)
            return
        target = name[len(WHITEOUT):]
        if target in ("", ".", "..") or target.startswith(WHITEOUT):
            self._refuse(m.name, "whiteout names nothing inside its directory")
        path = os.path.join(parent, target)
        if self.overlay:
            if not self.is_root:
                self._refuse(m.name, "overlay whiteouts need root")
            try:
                self._remove(path, os.lstat(path))
            except FileNotFoundError:
                pass
            os.mknod(path, stat.S_IFCHR | 0o000, os.makedev(0, 0))
            return
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        self._remove(path, st)

    def _opaque(self, directory):
        """Remove what lower layers put under directory, keeping what this layer wrote."""
        for entry in os.scandir(directory):
            path = entry.path
            # Only into a real directory: a name this layer wrote may since be a symlink (out).
            if entry.is_dir(follow_symlinks=False) and (path in self.written_parents or path in self.written):
                self._opaque(path)
            elif path not in self.written and path not in self.written_parents:
                self._remove(path, entry.stat(follow_symlinks=False))

    def _remove(self, path, st):
        if stat.S_ISDIR(st.st_mode):
            shutil.rmtree(path)
            self._forget(path)
        else:
            os.unlink(path)
            self.written.discard(path)
            if stat.S_ISLNK(st.st_mode):
                self._dirs.clear()   # resolutions may have gone through the link
        # (nothing is recorded below a file or a link: the tables hold resolved directories)

    def _forget(self, path):
        """Drop what was recorded under a removed directory: a symlink may take its place, and
        times, modes or an opaque marker applied through the old names would follow it, out of the
        rootfs. A scan of the tables: directories are replaced far less often than files."""
        inside = path + "/"

        def gone(p):
            return p == path or p.startswith(inside)
        for table in (self.dir_times, self._dir_modes):
            for p in [p for p in table if gone(p)]:
                del table[p]
        self.written = {p for p in self.written if not gone(p)}
        self.written_parents = {p for p in self.written_parents if not gone(p)}
        self._dirs.clear()   # resolved through what was removed, a symlink among them

    # -- metadata -----------------------------------------------------------------------------
    @staticmethod
    def _times(m):
        mtime = int(float(m.mtime) * 1e9)
        atime = m.pax_headers.get("atime")
        return (int(float(atime) * 1e9) if atime else mtime, mtime)

    def _owner(self, path, m):
        if self.is_root:
            os.lchown(path, map_id(m.uid, self.uid_map), map_id(m.gid, self.gid_map))

    def _xattrs(self, path, m):
        for key, value in m.pax_headers.items():
            if not key.startswith("SCHILY.xattr."):
                continue
            name = key[len("SCHILY.xattr."):]
            try:
                os.setxattr(path, name, value.encode("utf-8", "surrogateescape"), follow_symlinks=False)
            except OSError as e:
                # Without privilege trusted.* and security.* cannot be set; a filesystem may lack xattrs.
                if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
                    raise ImageError(f"layer {self.label}: entry {m.name!r}: xattr {name}: {e.strerror}") from None

    def _meta(self, path, m):
        self._owner(path, m)
        self._xattrs(path, m)
        mode = m.mode & 0o7777
        if m.isdir() and not self.is_root:
            # Without CAP_DAC_OVERRIDE a 0555 directory could not take its own entries (or a later
            # layer's): keep it writable while unpacking.
            self._dir_modes[path] = mode
            mode |= 0o700
        os.chmod(path, mode)

    def finish(self):
        """After the last layer: give directories kept writable their real modes."""
        for path, mode in self._dir_modes.items():
            try:
                fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
            except (FileNotFoundError, NotADirectoryError):
                continue
            try:
                os.fchmod(fd, mode)
            finally:
                os.close(fd)
        self._dir_modes.clear()


def scoped_path(root, relpath):
    """The host path of relpath inside root with symlinks resolved inside it (None if missing)."""
    applier = Applier(root)
    applier.label = "(rootfs)"
    parts = [p for p in relpath.split("/") if p not in ("", ".")]
    if not parts:
        return root
    for _ in range(_MAX_FOLLOW):
        parent = applier.resolve_dir(parts[:-1], relpath, create=False)
        if parent is None:
            return None
        path = os.path.join(parent, parts[-1])
        if not os.path.islink(path):
            return path if os.path.lexists(path) else None
        target = os.readlink(path)
        base = [] if target.startswith("/") else os.path.relpath(parent, root).split("/")
        parts = [p for p in base + target.split("/") if p not in ("", ".")]
        while ".." in parts:
            i = parts.index("..")
            if i == 0:
                return None
            del parts[i - 1:i + 1]
    return None
