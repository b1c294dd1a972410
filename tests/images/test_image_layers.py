"""Layer application on hand-made tars: compression kinds, whiteouts and opaque directories, and
malicious layers (traversal, symlink escapes, hard-link escapes, whiteout escapes, device nodes
when not root) refused with nothing written outside the rootfs and the half-made bundle removed."""

import os
import subprocess

import pytest

from imagelib import entry, image_manifest, layer_tar, run_image, write_layout

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (owners, device nodes, overlay)")

BASE = [entry("bin", "dir"), entry("bin/sh", "file", b"#!shell\n", mode=0o755), entry("etc", "dir"),
        entry("etc/passwd", "file", b"root:x:0:0:root:/root:/bin/sh\n"),
        entry("keep", "dir"), entry("keep/a", "file", b"a"), entry("keep/sub", "dir"),
        entry("keep/sub/b", "file", b"b"), entry("gone", "dir"), entry("gone/c", "file", b"c")]


def _image(tmp_path, store, layers, name="hand:v1", compression="gzip", config=None):
    layout = str(tmp_path / f"layout-{name.replace(':', '-').replace('/', '-')}")
    write_layout(layout, [image_manifest(layout, layers, config=config, compression=compression)])
    run_image(store, "import", layout, "--name", name)
    return name


def _files(root):
    return sorted(os.path.relpath(os.path.join(d, n), root) for d, ds, fs in os.walk(root) for n in ds + fs)


@pytest.mark.parametrize("compression", ["gzip", "zstd", "none"])
def test_compressions_and_whiteouts(tmp_path, store, compression):
    upper = layer_tar([entry("keep/.wh..wh..opq", "file"), entry("keep/new", "file", b"n"),
                       entry(".wh.gone", "file"), entry("bin/.wh.sh", "file"),
                       entry("etc/passwd", "file", b"root:x:0:0:root:/root:/bin/sh\nme:x:7:7::/:/bin/sh\n")])
    name = _image(tmp_path, store, [layer_tar(BASE), upper], compression=compression,
                  config={"Cmd": ["/bin/sh"], "User": "me"})
    run_image(store, "unpack", name, tmp_path / "b")
    root = tmp_path / "b" / "rootfs"
    assert _files(root) == ["bin", "etc", "etc/passwd", "keep", "keep/new"]
    assert (root / "keep" / "new").read_bytes() == b"n"


def test_opaque_keeps_what_the_same_layer_wrote_before_the_marker(tmp_path, store):
    upper = layer_tar([entry("keep/sub", "dir"), entry("keep/sub/x", "file", b"x"), entry("keep/.wh..wh..opq", "file")])
    name = _image(tmp_path, store, [layer_tar(BASE), upper])
    run_image(store, "unpack", name, tmp_path / "b")
    root = tmp_path / "b" / "rootfs"
    assert sorted(_files(root / "keep")) == ["sub", "sub/x"]


def test_wrong_diff_id_is_refused(tmp_path, store):
    layout = str(tmp_path / "layout")
    desc = image_manifest(layout, [layer_tar(BASE)])
    write_layout(layout, [desc])
    # Swap the layer for another that still matches its own (compressed) digest but not the diff id.
    import json
    man_path = os.path.join(layout, "blobs", "sha256", desc["digest"][7:])
    manifest = json.load(open(man_path))
    from imagelib import _blob, compress
    data, media = compress(layer_tar(BASE[:3]), "gzip")
    manifest["layers"][0].update(_blob(layout, data))
    new = _blob(layout, json.dumps(manifest).encode())
    write_layout(layout, [{"mediaType": desc["mediaType"], **new}])
    run_image(store, "import", layout, "--name", "swapped:v1")
    proc = run_image(store, "unpack", "swapped:v1", tmp_path / "b", check=False)
    assert proc.returncode == 1 and "config says" in proc.stderr
    assert not (tmp_path / "b").exists()


def test_corrupt_blob_is_refused_at_import(tmp_path, store):
    layout = str(tmp_path / "layout")
    desc = image_manifest(layout, [layer_tar(BASE)])
    write_layout(layout, [desc])
    import json
    manifest = json.load(open(os.path.join(layout, "blobs", "sha256", desc["digest"][7:])))
    layer = os.path.join(layout, "blobs", "sha256", manifest["layers"][0]["digest"][7:])
    data = bytearray(open(layer, "rb").read())
    data[-5] ^= 0xFF
    open(layer, "wb").write(bytes(data))
    proc = run_image(store, "import", layout, check=False)
    assert proc.returncode == 1 and manifest["layers"][0]["digest"] in proc.stderr
    assert not os.path.exists(store / "blobs" / "sha256" / manifest["layers"][0]["digest"][7:])


# -- malicious layers ---------------------------------------------------------------------------
def _outside(tmp_path):
    out = tmp_path / "outside"
    out.mkdir(exist_ok=True)
    (out / "victim").write_text("untouched")
    return out


EVIL = {
    "absolute": lambda o: [entry("/abs-evil", "file", b"x")],
    "dotdot": lambda o: [entry("../../../outside/evil", "file", b"x")],
    "dotdot-inside": lambda o: [entry("etc/../../../outside/evil", "file", b"x")],
    "symlink-parent": lambda o: [entry("esc", "symlink", linkname="../../outside"), entry("esc/evil", "file", b"x")],
    "symlink-chain": lambda o: [entry("a", "symlink", linkname="b/../.."), entry("b", "dir"),
                                entry("a/outside/evil", "file", b"x")],
    "hardlink-dotdot": lambda o: [entry("evil", "hardlink", linkname="../../outside/victim")],
    "hardlink-symlink": lambda o: [entry("esc", "symlink", linkname="../../outside"),
                                   entry("evil", "hardlink", linkname="esc/victim")],
    "whiteout-symlink": lambda o: [entry("esc", "symlink", linkname="../../outside"),
                                   entry("esc/.wh.victim", "file")],
    "whiteout-dotdot-name": lambda o: [entry("etc/.wh...", "file")],
}


@pytest.mark.parametrize("kind", sorted(EVIL))
def test_malicious_layer_refused(tmp_path, store, kind):
    outside = _outside(tmp_path)
    before = sorted(os.listdir(outside))
    name = _image(tmp_path, store, [layer_tar(BASE), layer_tar(EVIL[kind](outside))], name=f"evil-{kind}:v1")
    bundle = tmp_path / "bundle"
    proc = run_image(store, "unpack", name, bundle, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "entry" in proc.stderr and "refus" not in proc.stdout
    evil_entry = [i.name for i, _ in EVIL[kind](outside)][-1]
    assert repr(evil_entry) in proc.stderr, proc.stderr
    assert sorted(os.listdir(outside)) == before and (outside / "victim").read_text() == "untouched"
    assert not os.path.exists("/abs-evil")
    assert not bundle.exists(), "the half-made bundle must be removed"


def test_absolute_symlink_parent_stays_inside(tmp_path, store):
    """An absolute symlink target means the rootfs's own /: the write lands inside, never on the host."""
    outside = _outside(tmp_path)
    layer = layer_tar([entry("esc", "symlink", linkname=str(outside)), entry("esc/evil", "file", b"x")])
    name = _image(tmp_path, store, [layer_tar(BASE), layer])
    run_image(store, "unpack", name, tmp_path / "b")
    assert sorted(os.listdir(outside)) == ["victim"]
    inside = tmp_path / "b" / "rootfs" / str(outside).lstrip("/") / "evil"
    assert inside.read_bytes() == b"x"


def test_file_replaces_a_symlink_instead_of_writing_through_it(tmp_path, store):
    outside = _outside(tmp_path)
    layer1 = layer_tar(BASE + [entry("f", "symlink", linkname="../../outside/victim")])
    layer2 = layer_tar([entry("f", "file", b"new")])
    name = _image(tmp_path, store, [layer1, layer2])
    run_image(store, "unpack", name, tmp_path / "b")
    assert (outside / "victim").read_text() == "untouched"
    f = tmp_path / "b" / "rootfs" / "f"
    assert not f.is_symlink() and f.read_bytes() == b"new"


class _Nobody:
    """A store and a work dir nobody (65534) can use, outside pytest's root-only tmp dirs."""

    def __init__(self, tmp_path, layers, config=None):
        import tempfile
        self.dir = tempfile.mkdtemp(prefix="pyrun-image-nobody-")
        os.chmod(self.dir, 0o755)
        self.store = os.path.join(self.dir, "store")
        self.name = _image(tmp_path, self.store, layers, config=config)
        subprocess.run(["chmod", "-R", "a+rX", self.store], check=True)
        self.work = os.path.join(self.dir, "work")
        os.mkdir(self.work)
        os.chmod(self.work, 0o777)

    def unpack(self, bundle, *args):
        return run_image(self.store, "unpack", self.name, os.path.join(self.work, bundle), *args, check=False,
                         preexec_fn=lambda: (os.setgroups([]), os.setresgid(65534, 65534, 65534),
                                             os.setresuid(65534, 65534, 65534)))

    def close(self):
        import shutil
        shutil.rmtree(self.dir)


@needs_root
def test_device_node_refused_when_not_root(tmp_path):
    layer = layer_tar(BASE + [entry("dev", "dir"), entry("dev/evil-null", "char", devmajor=1, devminor=3)])
    nobody = _Nobody(tmp_path, [layer])
    try:
        proc = nobody.unpack("bundle")
        assert proc.returncode == 1 and "'dev/evil-null'" in proc.stderr and "not running as root" in proc.stderr
        assert not os.path.exists(os.path.join(nobody.work, "bundle"))
        # As root the same layer unpacks, device and all.
        run_image(nobody.store, "unpack", nobody.name, tmp_path / "asroot")
        assert os.stat(tmp_path / "asroot" / "rootfs" / "dev" / "evil-null").st_rdev == os.makedev(1, 3)
    finally:
        nobody.close()


@needs_root
def test_unpack_without_root(tmp_path):
    """Read-only directories still take their entries (and a later layer's); owners stay the caller's."""
    layer1 = layer_tar(BASE + [entry("ro", "dir", mode=0o555), entry("ro/f", "file", b"1", mode=0o400),
                               entry("ro/l", "symlink", linkname="f"), entry("etc/group", "file", b"root:x:0:\n")])
    layer2 = layer_tar([entry("ro", "dir", mode=0o555), entry("ro/g", "file", b"2"), entry("ro/.wh.l", "file")])
    nobody = _Nobody(tmp_path, [layer1, layer2], config={"Cmd": ["/bin/sh"]})
    try:
        proc = nobody.unpack("bundle", "--uid-map", "0:65534:1")
        assert proc.returncode == 0, proc.stderr
        rootfs = os.path.join(nobody.work, "bundle", "rootfs")
        assert sorted(os.listdir(os.path.join(rootfs, "ro"))) == ["f", "g"]
        st = os.stat(os.path.join(rootfs, "ro"))
        assert (st.st_mode & 0o7777, st.st_uid) == (0o555, 65534)
        import json
        config = json.load(open(os.path.join(nobody.work, "bundle", "config.json")))
        kinds = {ns["type"] for ns in config["linux"]["namespaces"]}
        assert "user" in kinds and "network" not in kinds          # the rootless default spec
        assert config["linux"]["uidMappings"] == [{"containerID": 0, "hostID": 65534, "size": 1}]
        proc = nobody.unpack("ov", "--overlay")
        assert proc.returncode == 1 and "--overlay needs root" in proc.stderr
    finally:
        subprocess.run(["chmod", "-R", "u+w", nobody.dir])
        nobody.close()


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_damaged_layer_is_an_error_naming_the_layer(tmp_path, store, compression):
    import json
    layout = str(tmp_path / "layout")
    desc = image_manifest(layout, [layer_tar(BASE)], compression=compression)
    manifest = json.load(open(os.path.join(layout, "blobs", "sha256", desc["digest"][7:])))
    # Damage the layer, then re-address it so only decompression can notice.
    from imagelib import _blob
    old = os.path.join(layout, "blobs", "sha256", manifest["layers"][0]["digest"][7:])
    data = bytearray(open(old, "rb").read())
    data[len(data) // 2:len(data) // 2 + 8] = b"\xff" * 8
    os.unlink(old)
    manifest["layers"][0].update(_blob(layout, bytes(data)))
    write_layout(layout, [{"mediaType": desc["mediaType"], **_blob(layout, json.dumps(manifest).encode())}])
    run_image(store, "import", layout, "--name", "damaged:v1")
    proc = run_image(store, "unpack", "damaged:v1", tmp_path / "b", check=False)
    assert proc.returncode == 1 and "layer 1/1" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert not (tmp_path / "b").exists()


def test_whiteout_of_a_directory_the_same_layer_made(tmp_path, store):
    layer = layer_tar(BASE + [entry("tmpdir", "dir"), entry("tmpdir/x", "file", b"x"), entry(".wh.tmpdir", "file"),
                              entry("keep/.wh..wh..opq", "file")])
    name = _image(tmp_path, store, [layer])
    run_image(store, "unpack", name, tmp_path / "b")
    assert not (tmp_path / "b" / "rootfs" / "tmpdir").exists()


@needs_root
def test_failed_unpack_without_root_removes_read_only_dirs(tmp_path):
    layer = layer_tar(BASE + [entry("ro", "dir", mode=0o555), entry("ro/sub", "dir", mode=0o500),
                              entry("ro/sub/f", "file", b"f", mode=0o400)])
    nobody = _Nobody(tmp_path, [layer], config={"Cmd": ["/bin/sh"], "User": "ghost"})
    try:
        proc = nobody.unpack("bundle")
        assert proc.returncode == 1 and "'ghost'" in proc.stderr      # fails after the layers are applied
        assert os.listdir(nobody.work) == []
    finally:
        nobody.close()
