"""Import into the store from an OCI image layout directory, an oci-archive or a docker-archive tar
(`docker save` format), and export a stored image to any of the three. Every blob read is verified
against its digest (docker-archive layers against the config's diff ids) before it is stored.
"""

import io
import json
import os
import shutil
import tarfile
import tempfile

from images import digest as dg
from images.errors import ImageError
from images.layer import open_layer


class _Dir:
    def __init__(self, path):
        self.path = path

    def open(self, name):
        try:
            return open(os.path.join(self.path, name), "rb")
        except FileNotFoundError:
            return None

    def close(self):
        pass


class _Tar:
    def __init__(self, path):
        try:
            self.tar = tarfile.open(path, "r:*")
        except (tarfile.TarError, OSError) as e:
            raise ImageError(f"{path}: not a readable tar archive: {e}") from None
        self.members = {os.path.normpath(m.name).lstrip("/"): m for m in self.tar.getmembers() if m.isreg()}

    def open(self, name):
        member = self.members.get(os.path.normpath(name))
        return self.tar.extractfile(member) if member else None

    def close(self):
        self.tar.close()


def _read(src, name, what):
    f = src.open(name)
    if f is None:
        raise ImageError(f"{what}: {name} is missing")
    with f:
        return f.read()


def _json(src, name, what):
    try:
        return json.loads(_read(src, name, what))
    except ValueError as e:
        raise ImageError(f"{what}: {name} is not JSON: {e}") from None


def detect(path):
    if os.path.isdir(path):
        if not os.path.exists(os.path.join(path, "index.json")):
            raise ImageError(f"{path}: a directory but not an OCI image layout (no index.json)")
        return "oci"
    if not os.path.isfile(path):
        raise ImageError(f"{path} does not exist")
    src = _Tar(path)
    try:
        if "oci-layout" in src.members and "index.json" in src.members:
            return "oci-archive"
        if "manifest.json" in src.members:
            return "docker-archive"
    finally:
        src.close()
    raise ImageError(f"{path}: neither an oci-archive (no oci-layout/index.json) nor a docker-archive (no manifest.json)")


def import_path(store, path, name=None, fmt=None):
    """Import every image of path (or the one named) into store. Returns [(name, digest)]."""
    fmt = fmt or detect(path)
    src = _Dir(path) if fmt == "oci" else _Tar(path)
    try:
        if fmt in ("oci", "oci-archive"):
            return _import_layout(store, src, path, name)
        if fmt == "docker-archive":
            return _import_docker(store, src, path, name)
        raise ImageError(f"unknown import format {fmt!r} (oci, oci-archive, docker-archive)")
    finally:
        src.close()


def _copy_blob(store, src, desc, what):
    digest = dg.check(desc["digest"], f"digest in {what}")
    if store.has_blob(digest):
        return
    f = src.open(f"blobs/{digest.replace(':', '/')}")
    if f is None:
        raise ImageError(f"{what}: blob {digest} is missing")
    with f:
        store.put_stream(f, digest, desc.get("size"))


def _copy_tree(store, src, desc, what):
    _copy_blob(store, src, desc, what)
    doc = store.read_json(desc["digest"])
    media = doc.get("mediaType") or desc.get("mediaType")
    if media in dg.INDEX_TYPES or "manifests" in doc:
        for child in doc.get("manifests", []):
            f = src.open(f"blobs/{dg.check(child['digest']).replace(':', '/')}")
            if f is not None:            # an index may list platforms the layout does not carry
                f.close()
                _copy_tree(store, src, child, what)
    else:
        for blob in [doc["config"]] + list(doc.get("layers", [])):
            _copy_blob(store, src, blob, what)


def _import_layout(store, src, path, name):
    index = _json(src, "index.json", path)
    descs = index.get("manifests", [])
    if not descs:
        raise ImageError(f"{path}: index.json names no image")
    if name and len(descs) > 1:
        raise ImageError(f"{path} holds {len(descs)} images; --name needs exactly one")
    imported = []
    base = os.path.basename(os.path.normpath(path)).split(".")[0] or "image"
    for desc in descs:
        _copy_tree(store, src, desc, path)
        ref_name = (desc.get("annotations") or {}).get(dg.REF_NAME)
        image_name = name or ref_name or desc["digest"]
        if not name and ref_name and "/" not in ref_name and ":" not in ref_name:
            image_name = f"{base}:{ref_name}"
        store.tag(image_name, desc)
        imported.append((image_name, desc["digest"]))
    return imported


def _sniff_layer_type(f):
    magic = f.read(4)
    if magic[:2] == b"\x1f\x8b":
        return dg.OCI_LAYER_GZIP
    if magic == b"\x28\xb5\x2f\xfd":
        return dg.OCI_LAYER_ZSTD
    return dg.OCI_LAYER


def _import_docker(store, src, path, name):
    entries = _json(src, "manifest.json", path)
    if not isinstance(entries, list) or not entries:
        raise ImageError(f"{path}: manifest.json names no image")
    if name and len(entries) > 1:
        raise ImageError(f"{path} holds {len(entries)} images; --name needs exactly one")
    imported = []
    for entry in entries:
        config_bytes = _read(src, entry["Config"], path)
        config_digest = store.put_bytes(config_bytes)
        diff_ids = (json.loads(config_bytes).get("rootfs") or {}).get("diff_ids") or []
        if len(diff_ids) != len(entry.get("Layers", [])):
            raise ImageError(f"{path}: {len(entry.get('Layers', []))} layers but {len(diff_ids)} diff ids in {entry['Config']}")
        layers = []
        for layer_name, diff_id in zip(entry["Layers"], diff_ids):
            f = src.open(layer_name)
            if f is None:
                raise ImageError(f"{path}: layer {layer_name} is missing")
            with f:
                media = _sniff_layer_type(f)
                f.seek(0)
                h = dg.hasher("sha256:" + "0" * 64)
                size = 0
                while chunk := f.read(1 << 20):
                    h.update(chunk)
                    size += len(chunk)
                digest = f"sha256:{h.hexdigest()}"
                if media == dg.OCI_LAYER and digest != diff_id:
                    raise ImageError(f"{path}: layer {layer_name} hashes to {digest}, its config says {diff_id}")
                f.seek(0)
                store.put_stream(f, digest, size)
            layers.append({"mediaType": media, "digest": digest, "size": size})
        manifest = {"schemaVersion": 2, "mediaType": dg.OCI_MANIFEST,
                    "config": {"mediaType": dg.OCI_CONFIG, "digest": config_digest, "size": len(config_bytes)},
                    "layers": layers}
        data = json.dumps(manifest, separators=(",", ":")).encode()
        digest = store.put_bytes(data)
        tags = entry.get("RepoTags") or []
        if name:
            image_name = name
        elif tags:
            from images.reference import parse
            image_name = str(parse(tags[0]))
        else:
            image_name = digest
        store.tag(image_name, {"mediaType": dg.OCI_MANIFEST, "digest": digest, "size": len(data)})
        imported.append((image_name, digest))
    return imported


# -- export ------------------------------------------------------------------------------------
def _tree(store, desc):
    """Digests of desc and everything under it that the store holds."""
    out = [desc["digest"]]
    doc = store.read_json(desc["digest"])
    if "manifests" in doc:
        for child in doc["manifests"]:
            if store.has_blob(child["digest"]):
                out += _tree(store, child)
    else:
        out += [doc["config"]["digest"]] + [layer["digest"] for layer in doc.get("layers", [])]
    return list(dict.fromkeys(out))


def export(store, name, dest, fmt, tag=None, platform=None):
    """Write a stored image to dest as fmt: oci (a layout directory), oci-archive, docker-archive."""
    stored, desc = store.resolve(name)
    if os.path.lexists(dest):
        raise ImageError(f"{dest} already exists")
    tag = tag or stored or desc["digest"]
    tmp = f"{dest}.tmp-{os.getpid()}"
    try:
        if fmt == "oci":
            _export_layout_dir(store, desc, tmp, tag)
        elif fmt == "oci-archive":
            with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
                _add_bytes(tar, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
                _add_bytes(tar, "index.json", _layout_index(desc, tag))
                for digest in _tree(store, desc):
                    tar.add(store.blob_path(digest), arcname=f"blobs/{digest.replace(':', '/')}")
        elif fmt == "docker-archive":
            _export_docker(store, desc, tmp, tag, platform)
        else:
            raise ImageError(f"unknown export format {fmt!r} (oci, oci-archive, docker-archive)")
        os.rename(tmp, dest)
    except BaseException:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        elif os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    return dest


def _layout_index(desc, tag):
    entry = {k: desc[k] for k in ("mediaType", "digest", "size") if k in desc}
    entry["annotations"] = {dg.REF_NAME: tag}
    return json.dumps({"schemaVersion": 2, "manifests": [entry]}, indent=2).encode()


def _export_layout_dir(store, desc, dest, tag):
    os.makedirs(os.path.join(dest, "blobs", "sha256"))
    with open(os.path.join(dest, "oci-layout"), "wb") as f:
        f.write(b'{"imageLayoutVersion":"1.0.0"}')
    with open(os.path.join(dest, "index.json"), "wb") as f:
        f.write(_layout_index(desc, tag))
    for digest in _tree(store, desc):
        target = os.path.join(dest, "blobs", *digest.split(":"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(store.blob_path(digest), target)


def _export_docker(store, desc, dest, tag, platform):
    _, manifest, config = store.image(desc, platform)
    config_digest = manifest["config"]["digest"]
    diff_ids = config.get("rootfs", {}).get("diff_ids", [])
    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as tar, tempfile.TemporaryDirectory(
            dir=store.ingest_dir) as work:
        layer_names = []
        for layer, diff_id in zip(manifest["layers"], diff_ids):
            # docker-archive layers are plain tars named by their diff id.
            plain = os.path.join(work, "layer.tar")
            with open_layer(store.blob_path(layer["digest"])) as src, open(plain, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            arc = f"{dg.encoded(diff_id)}/layer.tar"
            if arc not in layer_names:
                tar.add(plain, arcname=arc)
            layer_names.append(arc)
            os.unlink(plain)
        tar.add(store.blob_path(config_digest), arcname=f"{dg.encoded(config_digest)}.json")
        repo_tags = []
        try:
            from images.reference import parse
            ref = parse(tag)
            if ref.tag:
                repo_tags = [f"{ref.registry}/{ref.repository}:{ref.tag}"]
        except ImageError:
            pass
        doc = [{"Config": f"{dg.encoded(config_digest)}.json", "RepoTags": repo_tags, "Layers": layer_names}]
        _add_bytes(tar, "manifest.json", json.dumps(doc).encode())


def _add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))
