"""The store and its commands: list, inspect, rm, gc, export (checked by skopeo and umoci), name
resolution, and reference parsing."""

import json
import os
import subprocess
import sys

import pytest

from imagelib import ROOT, diff_trees, entry, image_manifest, layer_tar, run_image, write_layout

sys.path.insert(0, ROOT)
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the test image keeps owners)")


def test_reference_parsing():
    from images.errors import ImageError
    from images.reference import parse
    assert str(parse("busybox")) == "docker.io/library/busybox:latest"
    assert parse("busybox").api_host == "registry-1.docker.io"
    r = parse("127.0.0.1:5000/a/b:v2")
    assert (r.registry, r.repository, r.tag, r.digest) == ("127.0.0.1:5000", "a/b", "v2", None)
    d = "sha256:" + "a" * 64
    r = parse(f"localhost/x@{d}")
    assert (r.registry, r.repository, r.tag, r.digest, r.object) == ("localhost", "x", None, d, d)
    assert parse("quay.io/org/img:1.0").repository == "org/img"
    for bad in ("UPPER/case", "a//b", "x@sha256:short", "x:" + "t" * 200, "x:bad tag"):
        with pytest.raises(ImageError) as e:
            parse(bad)
        assert bad in str(e.value)


def test_list_inspect_rm_gc(tmp_path, store):
    layout = str(tmp_path / "layout")
    write_layout(layout, [image_manifest(layout, [layer_tar([entry("a", "file", b"a")]),
                                                  layer_tar([entry("b", "file", b"b")])])])
    run_image(store, "import", layout, "--name", "one:1")
    layout2 = str(tmp_path / "layout2")
    write_layout(layout2, [image_manifest(layout2, [layer_tar([entry("a", "file", b"a")])])])
    run_image(store, "import", layout2, "--name", "two:1")
    out = run_image(store, "list").stdout.splitlines()
    assert out[0].split() == ["NAME", "DIGEST", "CREATED", "SIZE"] and {l.split()[0] for l in out[1:]} == {"one:1", "two:1"}
    assert run_image(store, "list", "-q").stdout.split() == ["one:1", "two:1"]
    info = json.loads(run_image(store, "inspect", "one:1").stdout)
    assert info["name"] == "one:1" and len(info["manifest"]["layers"]) == 2
    assert json.loads(run_image(store, "inspect", info["digest"][7:19]).stdout)["name"] == "one:1"
    blobs = set(os.listdir(store / "blobs" / "sha256"))
    run_image(store, "rm", "one:1")
    assert run_image(store, "list", "-q").stdout.split() == ["two:1"]
    proc = run_image(store, "inspect", "one:1", check=False)
    assert proc.returncode == 1 and "'one:1'" in proc.stderr
    run_image(store, "gc")
    left = set(os.listdir(store / "blobs" / "sha256"))
    # The shared layer stays (two:1 uses it); one:1's manifest, config and own layer go.
    assert len(blobs - left) == 3 and left < blobs
    run_image(store, "unpack", "two:1", tmp_path / "bundle", "--args", "true")
    assert (tmp_path / "bundle" / "rootfs" / "a").read_bytes() == b"a"
    proc = run_image(store, "rm", "nope:1", check=False)
    assert proc.returncode == 1 and "nope:1" in proc.stderr


@needs_root
def test_export_formats_read_by_skopeo_and_umoci(umoci_layout, store, tmp_path):
    run_image(store, "import", umoci_layout, "--name", "exp:v1")
    digest = json.loads(run_image(store, "inspect", "exp:v1").stdout)["digest"]
    # oci-archive: skopeo reads it and sees the same manifest digest.
    arch = tmp_path / "img.oci.tar"
    run_image(store, "export", "exp:v1", arch, "--format", "oci-archive")
    seen = json.loads(subprocess.run(["skopeo", "inspect", f"oci-archive:{arch}"], check=True,
                                     capture_output=True, text=True).stdout)
    assert seen["Digest"] == digest
    # oci dir: umoci unpacks it to the same tree as the original.
    d = tmp_path / "img.oci"
    run_image(store, "export", "exp:v1", d, "--format", "oci", "--tag", "t1")
    subprocess.run(["umoci", "unpack", "--image", f"{d}:t1", str(tmp_path / "u1")], check=True, capture_output=True)
    subprocess.run(["umoci", "unpack", "--image", f"{umoci_layout}:v1", str(tmp_path / "u0")], check=True,
                   capture_output=True)
    assert diff_trees(str(tmp_path / "u1" / "rootfs"), str(tmp_path / "u0" / "rootfs")) == []
    # docker-archive: skopeo converts it back to OCI and umoci unpacks the same tree.
    da = tmp_path / "img.docker.tar"
    run_image(store, "export", "exp:v1", da, "--format", "docker-archive", "--tag", "example.com/exp:v1")
    subprocess.run(["skopeo", "copy", "-q", f"docker-archive:{da}", f"oci:{tmp_path / 'back'}:b"], check=True,
                   capture_output=True)
    subprocess.run(["umoci", "unpack", "--image", f"{tmp_path / 'back'}:b", str(tmp_path / "u2")], check=True,
                   capture_output=True)
    assert diff_trees(str(tmp_path / "u2" / "rootfs"), str(tmp_path / "u0" / "rootfs")) == []
    # ... and our own import of it names it from RepoTags.
    s2 = tmp_path / "s2"
    assert run_image(s2, "import", da).stdout.split()[0] == "example.com/exp:v1"
    # Existing destinations are refused, nothing half-written is left.
    proc = run_image(store, "export", "exp:v1", arch, check=False)
    assert proc.returncode == 1 and str(arch) in proc.stderr
    assert not [n for n in os.listdir(tmp_path) if ".tmp-" in n]


def test_import_errors_name_the_culprit(tmp_path, store):
    proc = run_image(store, "import", tmp_path / "missing.tar", check=False)
    assert proc.returncode == 1 and "missing.tar" in proc.stderr
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar at all" * 100)
    proc = run_image(store, "import", junk, check=False)
    assert proc.returncode == 1 and "junk.tar" in proc.stderr


def test_cli_start_is_fast(tmp_path, store):
    """`list` imports only what it needs: no registry, tarfile or archive code."""
    code = ("import sys, time; sys.path.insert(0, %r); sys.argv=['pyrun-image','--store',%r,'list'];"
            "from images import cli; cli.main(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tarfile','http','ssl','zstandard','jsonschema')))"
            % (ROOT, str(store)))
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_store_is_an_oci_layout_peers_read(tmp_path, store):
    layout = str(tmp_path / "layout")
    write_layout(layout, [image_manifest(layout, [layer_tar([entry("a", "file", b"a")])])])
    run_image(store, "import", layout, "--name", "example.com/t/x:1")
    names = subprocess.run(["umoci", "ls", "--layout", str(store)], check=True, capture_output=True,
                           text=True).stdout.split()
    assert names == ["example.com/t/x:1"]
    seen = json.loads(subprocess.run(["skopeo", "inspect", f"oci:{store}:example.com/t/x:1"], check=True,
                                     capture_output=True, text=True).stdout)
    assert seen["Digest"] == json.loads(run_image(store, "inspect", "example.com/t/x:1").stdout)["digest"]


def test_gc_waits_for_commands_using_the_store(tmp_path, store):
    """gc takes the store's gc lock exclusively; pull/import/unpack hold it shared while they run."""
    import fcntl
    from imagelib import PYRUN_IMAGE
    layout = str(tmp_path / "layout")
    write_layout(layout, [image_manifest(layout, [layer_tar([entry("a", "file", b"a")])])])
    run_image(store, "import", layout, "--name", "x:1")
    run_image(store, "rm", "x:1")
    fd = os.open(store / "gc.lock", os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)            # as a running pull holds it
        gc = subprocess.Popen([PYRUN_IMAGE, "--store", str(store), "gc"], stdout=subprocess.PIPE, text=True)
        with pytest.raises(subprocess.TimeoutExpired):
            gc.wait(1.0)
        assert len(os.listdir(store / "blobs" / "sha256")) == 3       # nothing removed yet
        # An import that starts meanwhile is not held up: only gc waits.
        run_image(store, "import", layout, "--name", "y:1")
    finally:
        os.close(fd)
    assert gc.wait(30) == 0
    # gc ran after the import named its blobs again: they stay.
    assert len(os.listdir(store / "blobs" / "sha256")) == 3
    assert run_image(store, "list", "-q").stdout.split() == ["y:1"]
