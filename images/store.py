"""The local content store: an OCI image layout (oci-layout, index.json, blobs/) plus two private dirs.

`ingest/` holds blobs being fetched (kept across an interrupted pull, so it resumes), and
`layers/<diff id hex>` holds layers unpacked once for overlay bundles. Every blob is verified
against its digest before it enters blobs/; index.json names images with the
org.opencontainers.image.ref.name annotation and is rewritten atomically under a lock.
"""

import fcntl
import json
import os
import shutil
import tempfile
from contextlib import contextmanager

from images import digest as dg
from images.errors import DigestMismatch, ImageError, ImageNotFound

_CHUNK = 1 << 20


def default_root():
    if os.geteuid() == 0:
        return "/var/lib/pyrun/images"
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(data, "pyrun", "images")


class Store:
    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.blobs = os.path.join(self.root, "blobs")
        self.ingest_dir = os.path.join(self.root, "ingest")
        self.layers_dir = os.path.join(self.root, "layers")
        self.index_path = os.path.join(self.root, "index.json")

    # -- layout -------------------------------------------------------------------------------
    def init(self):
        for d in (self.root, os.path.join(self.blobs, "sha256"), self.ingest_dir, self.layers_dir):
            os.makedirs(d, exist_ok=True)
        # The unpacked layers (--overlay's lower directories) keep an image's setuid-root files
        # and device nodes as they are: no other host user may reach them (the bundle is 0700 too).
        # (A store another user owns, shared read-only with this one, is left as it is.)
        if os.stat(self.layers_dir).st_uid == os.geteuid():
            os.chmod(self.layers_dir, 0o700)
        layout = os.path.join(self.root, "oci-layout")
        if not os.path.exists(layout):
            _write_atomic(layout, b'{"imageLayoutVersion":"1.0.0"}')
        if not os.path.exists(self.index_path):
            _write_atomic(self.index_path, json.dumps({"schemaVersion": 2, "manifests": []}).encode())
        for lock in ("index.lock", "gc.lock"):
            if not os.path.exists(os.path.join(self.root, lock)):
                os.close(os.open(os.path.join(self.root, lock), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644))
        return self

    @contextmanager
    def locked(self):
        fd = os.open(os.path.join(self.root, "index.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    @contextmanager
    def in_use(self, exclusive=False):
        """Held shared by commands that add or read blobs and exclusive by gc, so gc never removes
        what a running pull, import or unpack is about to name or read."""
        path = os.path.join(self.root, "gc.lock")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except PermissionError:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)    # another user's store: read-only use
            except OSError:
                yield
                return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)

    # -- blobs --------------------------------------------------------------------------------
    def blob_path(self, digest):
        algo, hexd = dg.check(digest).split(":", 1)
        return os.path.join(self.blobs, algo, hexd)

    def has_blob(self, digest):
        return os.path.exists(self.blob_path(digest))

    def read_blob(self, digest):
        try:
            with open(self.blob_path(digest), "rb") as f:
                return f.read()
        except FileNotFoundError:
            raise ImageError(f"blob {digest} is missing from the store {self.root}") from None

    def read_json(self, digest):
        try:
            return json.loads(self.read_blob(digest))
        except ValueError as e:
            raise ImageError(f"blob {digest} is not JSON: {e}") from None

    def put_bytes(self, data, digest=None):
        """Store data; when digest is given it must match. Returns the digest."""
        actual = dg.of_bytes(data, digest.split(":")[0] if digest else "sha256")
        if digest and actual != dg.check(digest):
            raise DigestMismatch(f"content of {digest} hashes to {actual}")
        if not self.has_blob(actual):
            os.makedirs(os.path.dirname(self.blob_path(actual)), exist_ok=True)
            _write_atomic(self.blob_path(actual), data)
        return actual

    def put_stream(self, reader, digest, size=None, progress=None):
        """Copy a file-like object into the store, verifying digest (and size when known)."""
        if self.has_blob(digest):
            return digest
        h = dg.hasher(digest)
        fd, tmp = tempfile.mkstemp(dir=self.ingest_dir, prefix=".put-")
        try:
            total = 0
            with os.fdopen(fd, "wb") as out:
                while True:
                    chunk = reader.read(_CHUNK)
                    if not chunk:
                        break
                    h.update(chunk)
                    out.write(chunk)
                    total += len(chunk)
                    if progress:
                        progress(len(chunk))
            self._commit(tmp, digest, h, total, size)
        except BaseException:
            _unlink(tmp)
            raise
        return digest

    def ingest_path(self, digest):
        return os.path.join(self.ingest_dir, dg.encoded(dg.check(digest)) + ".partial")

    def commit_ingest(self, digest, size=None):
        """Verify a fully fetched ingest file and move it into blobs/; a bad one is discarded."""
        path = self.ingest_path(digest)
        h = dg.hasher(digest)
        total = 0
        with open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
                total += len(chunk)
        try:
            self._commit(path, digest, h, total, size)
        except DigestMismatch:
            _unlink(path)
            raise

    def _commit(self, path, digest, h, total, size):
        actual = f"{digest.split(':')[0]}:{h.hexdigest()}"
        if size is not None and total != size:
            raise DigestMismatch(f"blob {digest}: got {total} bytes, descriptor says {size}")
        if actual != digest:
            raise DigestMismatch(f"blob {digest}: content hashes to {actual}")
        dest = self.blob_path(digest)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        os.chmod(path, 0o644)
        os.replace(path, dest)

    # -- names --------------------------------------------------------------------------------
    def index(self):
        try:
            with open(self.index_path, "rb") as f:
                return json.load(f)
        except FileNotFoundError:
            return {"schemaVersion": 2, "manifests": []}

    def images(self):
        """[(name or None, descriptor)] in index order."""
        return [((d.get("annotations") or {}).get(dg.REF_NAME), d) for d in self.index().get("manifests", [])]

    def tag(self, name, descriptor):
        """Point name at descriptor (replacing what it named before)."""
        desc = {k: descriptor[k] for k in ("mediaType", "digest", "size") if k in descriptor}
        if "platform" in descriptor:
            desc["platform"] = descriptor["platform"]
        desc["annotations"] = {dg.REF_NAME: name}
        with self.locked():
            index = self.index()
            index["manifests"] = [d for d in index.get("manifests", [])
                                  if (d.get("annotations") or {}).get(dg.REF_NAME) != name] + [desc]
            _write_atomic(self.index_path, json.dumps(index, indent=2).encode())

    def untag(self, name):
        with self.locked():
            index = self.index()
            kept = [d for d in index.get("manifests", []) if (d.get("annotations") or {}).get(dg.REF_NAME) != name]
            if len(kept) == len(index.get("manifests", [])):
                raise ImageNotFound(name)
            index["manifests"] = kept
            _write_atomic(self.index_path, json.dumps(index, indent=2).encode())

    def resolve(self, name):
        """(stored name, descriptor) for a name, its normalised reference, or a digest (prefix)."""
        entries = self.images()
        for stored, desc in entries:
            if stored == name:
                return stored, desc
        try:
            from images.reference import parse
            normal = str(parse(name))
        except ImageError:
            normal = None
        for stored, desc in entries:
            if normal and stored == normal:
                return stored, desc
        hexpart = name.split(":", 1)[1] if name.startswith("sha256:") else name
        if len(hexpart) >= 6 and all(c in "0123456789abcdef" for c in hexpart):
            found = {desc["digest"]: (stored, desc) for stored, desc in entries
                     if dg.encoded(desc["digest"]).startswith(hexpart)}
            if len(found) == 1:
                return next(iter(found.values()))
            if len(found) > 1:
                raise ImageError(f"digest prefix {name!r} is ambiguous")
        raise ImageNotFound(name)

    # -- images -------------------------------------------------------------------------------
    def image(self, descriptor, platform=None):
        """(manifest descriptor, manifest, config) for a descriptor, picking a platform in an index."""
        desc = descriptor
        for _ in range(4):
            doc = self.read_json(desc["digest"])
            media = doc.get("mediaType") or desc.get("mediaType")
            if media in dg.INDEX_TYPES or ("manifests" in doc and "layers" not in doc):
                desc = pick_platform(doc, platform)
                continue
            if "config" not in doc or "layers" not in doc:
                raise ImageError(f"{desc['digest']} is not an image manifest")
            return desc, doc, self.read_json(dg.check(doc["config"]["digest"], "config digest"))
        raise ImageError(f"{descriptor['digest']}: indexes nested too deep")

    def reachable(self):
        """Every blob digest reachable from a name in index.json, and the diff ids of their layers."""
        blobs, diff_ids = set(), set()
        todo = [d for _, d in self.images()]
        while todo:
            desc = todo.pop()
            digest = dg.check(desc["digest"])
            if digest in blobs:
                continue
            blobs.add(digest)
            media = desc.get("mediaType", "")
            if media in dg.INDEX_TYPES or media in dg.MANIFEST_TYPES or media == "":
                if not self.has_blob(digest):
                    continue
                doc = self.read_json(digest)
                todo.extend(doc.get("manifests", []))
                if "config" in doc:
                    blobs.add(dg.check(doc["config"]["digest"]))
                    if self.has_blob(doc["config"]["digest"]):
                        diff_ids.update(self.read_json(doc["config"]["digest"]).get("rootfs", {}).get("diff_ids", []))
                blobs.update(dg.check(layer["digest"]) for layer in doc.get("layers", []))
        return blobs, diff_ids

    def gc(self, in_use_layers=()):
        """Remove blobs, ingest files and unpacked layers nothing names. Returns (count, bytes)."""
        removed, freed = 0, 0
        with self.in_use(exclusive=True), self.locked():
            blobs, diff_ids = self.reachable()
            for algo in os.listdir(self.blobs):
                for hexd in os.listdir(os.path.join(self.blobs, algo)):
                    if f"{algo}:{hexd}" not in blobs:
                        path = os.path.join(self.blobs, algo, hexd)
                        freed += os.lstat(path).st_size
                        os.unlink(path)
                        removed += 1
            for name in os.listdir(self.ingest_dir):
                path = os.path.join(self.ingest_dir, name)
                freed += os.lstat(path).st_size
                _unlink(path)
                removed += 1
            keep = {dg.encoded(d) for d in diff_ids if dg.is_valid(d)} | set(in_use_layers)
            for name in os.listdir(self.layers_dir):
                if name not in keep:
                    shutil.rmtree(os.path.join(self.layers_dir, name), ignore_errors=True)
                    removed += 1
        return removed, freed


def pick_platform(index, platform=None):
    """The descriptor in an index for platform "os/arch[/variant]" (default linux/amd64)."""
    want_os, want_arch, want_variant = parse_platform(platform)
    candidates = []
    for desc in index.get("manifests", []):
        p = desc.get("platform") or {}
        if p.get("os") == want_os and normalize_arch(p.get("architecture", "")) == want_arch:
            if want_variant and p.get("variant") not in (want_variant, None):
                continue
            candidates.append(desc)
    if not candidates:
        have = sorted({f"{(d.get('platform') or {}).get('os')}/{(d.get('platform') or {}).get('architecture')}"
                       for d in index.get("manifests", [])})
        raise ImageError(f"no manifest for platform {want_os}/{want_arch} in the index (it has {', '.join(have)})")
    return candidates[0]


def parse_platform(platform):
    parts = (platform or "linux/amd64").split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise ImageError(f"invalid platform {platform!r}: expected os/arch[/variant]")
    return parts[0], normalize_arch(parts[1]), parts[2] if len(parts) == 3 else None


def normalize_arch(arch):
    return {"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64"}.get(arch, arch)


def _write_atomic(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
