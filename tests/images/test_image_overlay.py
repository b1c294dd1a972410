"""--overlay bundles: layers unpacked once into the store, rootfs an overlay mount with a per-bundle
upper dir; a second bundle copies nothing; unmount/mount/delete; gc keeps layers in use."""

import os
import subprocess

import pytest

from imagelib import diff_trees, run_image

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (overlayfs, whiteout devices)")


def _mounted(path):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == str(path) and " - overlay " in line for line in f)


def _layer_dirs(store):
    d = store / "layers"
    return {n: os.stat(d / n).st_ino for n in os.listdir(d)}


def test_overlay_bundles_share_layers(umoci_layout, store, tmp_path, runc, pyrun):
    run_image(store, "import", umoci_layout, "--name", "ov:v1")
    b1, b2, plain = tmp_path / "b1", tmp_path / "b2", tmp_path / "plain"
    try:
        run_image(store, "unpack", "--overlay", "ov:v1", b1)
        assert _mounted(b1 / "rootfs")
        layers = _layer_dirs(store)
        assert len(layers) == 2                              # one directory per diff id
        run_image(store, "unpack", "--overlay", "ov:v1", b2)
        assert _layer_dirs(store) == layers                  # nothing unpacked again
        assert os.listdir(b2 / ".overlay" / "upper") == []   # and nothing copied
        # The merged view is the same tree a plain unpack gives (whiteouts hide what they remove),
        # but for the mtimes of directories a layer changed without carrying them: overlayfs shows
        # the upper layer's copy, made when that layer was unpacked on its own.
        run_image(store, "unpack", "ov:v1", plain)
        assert diff_trees(str(b2 / "rootfs"), str(plain / "rootfs"), dir_times=False) == []
        assert not os.path.lexists(b1 / "rootfs" / "bin" / "vi")
        # Writes go to the bundle's own upper dir.
        (b1 / "rootfs" / "etc" / "motd").write_text("changed in b1\n")
        assert (b2 / "rootfs" / "etc" / "motd").read_text() == "hello from layer 2\n"
        assert (b1 / ".overlay" / "upper" / "etc" / "motd").exists()
        out = runc("run", "--bundle", str(b2), runc.new_id()).stdout
        assert "hello from layer 2" in out
        out = runc("run", "--bundle", str(b1), runc.new_id()).stdout
        assert "changed in b1" in out
        out = pyrun("run", "--bundle", str(b1), pyrun.new_id()).stdout
        assert "changed in b1" in out
        # unmount / mount again keeps the upper dir.
        run_image(store, "unmount", b1)
        assert not _mounted(b1 / "rootfs") and os.listdir(b1 / "rootfs") == []
        run_image(store, "mount", b1)
        assert (b1 / "rootfs" / "etc" / "motd").read_text() == "changed in b1\n"
        # gc: the image is gone but mounted bundles still use its layers.
        run_image(store, "rm", "ov:v1")
        run_image(store, "gc")
        assert _layer_dirs(store) == layers
        run_image(store, "delete", b1)
        assert not b1.exists()
        run_image(store, "delete", b2)
        assert not b2.exists()
        run_image(store, "gc")
        assert _layer_dirs(store) == {}
        assert os.listdir(store / "blobs" / "sha256") == []
    finally:
        for b in (b1, b2):
            subprocess.run(["umount", str(b / "rootfs")], capture_output=True)


def test_failed_overlay_unpack_leaves_nothing_mounted(umoci_layout, store, tmp_path):
    run_image(store, "import", umoci_layout, "--name", "ov2:v1")
    bundle = tmp_path / "b"
    # A volume that does not exist fails after the overlay is mounted (config generation).
    proc = run_image(store, "unpack", "--overlay", "ov2:v1", bundle, "--args", "'unclosed", check=False)
    assert proc.returncode == 1 and "--args" in proc.stderr
    os.makedirs(bundle)
    (bundle / "config.json").write_text("{}")
    proc = run_image(store, "unpack", "--overlay", "ov2:v1", bundle, check=False)
    assert proc.returncode == 1 and "not an empty directory" in proc.stderr
    assert (bundle / "config.json").exists()        # someone else's bundle is left alone
    empty = tmp_path / "empty"
    empty.mkdir()
    run_image(store, "rm", "ov2:v1")
    run_image(store, "import", umoci_layout, "--name", "ov2:v1")
    with open("/proc/self/mountinfo") as f:
        before = f.read().count(str(tmp_path))
    proc = run_image(store, "unpack", "--overlay", "ov2:v1", empty, "--env", "NOEQUALS", check=False)
    assert proc.returncode == 1 and "NOEQUALS" in proc.stderr
    proc = run_image(store, "unpack", "--overlay", "ov2:v1", empty, "--uid-map", "0:100000:65536", check=False)
    assert proc.returncode == 1 and "--uid-map" in proc.stderr
    with open("/proc/self/mountinfo") as f:
        assert f.read().count(str(tmp_path)) == before
    assert os.listdir(empty) == []


def test_mount_after_layer_dirs_went_away(umoci_layout, store, tmp_path):
    import shutil
    run_image(store, "import", umoci_layout, "--name", "ov3:v1")
    b = tmp_path / "b"
    try:
        run_image(store, "unpack", "--overlay", "ov3:v1", b)
        (b / "rootfs" / "mine").write_text("upper\n")
        run_image(store, "unmount", b)
        # Layer dirs removed by hand: mount unpacks them again from the blobs.
        for name in os.listdir(store / "layers"):
            shutil.rmtree(store / "layers" / name)
        run_image(store, "mount", b)
        assert (b / "rootfs" / "etc" / "motd").read_text() == "hello from layer 2\n"
        assert (b / "rootfs" / "mine").read_text() == "upper\n"
        # Image removed and collected while unmounted: mount says what is missing.
        run_image(store, "unmount", b)
        run_image(store, "rm", "ov3:v1")
        run_image(store, "gc")
        proc = run_image(store, "mount", b, check=False)
        assert proc.returncode == 1 and "gone from the store" in proc.stderr and "sha256:" in proc.stderr
        assert not _mounted(b / "rootfs")
        run_image(store, "delete", b)
        assert not b.exists()
    finally:
        subprocess.run(["umount", str(b / "rootfs")], capture_output=True)
