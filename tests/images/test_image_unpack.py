"""Unpacking real images (made by umoci and skopeo) into bundles: the tree matches `umoci unpack`
file by file, config.json follows the image-spec conversion, and the bundle runs under runc."""

import json
import os
import subprocess

import pytest

from imagelib import diff_trees, run_image

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (owners, device nodes)")


def _umoci_unpack(layout, tag, dest):
    subprocess.run(["umoci", "unpack", "--image", f"{layout}:{tag}", dest], check=True, capture_output=True)
    return os.path.join(dest, "rootfs")


def test_unpack_matches_umoci(umoci_layout, store, tmp_path):
    run_image(store, "import", umoci_layout, "--name", "test/busybox:v1")
    run_image(store, "unpack", "test/busybox:v1", tmp_path / "bundle")
    ours = str(tmp_path / "bundle" / "rootfs")
    theirs = _umoci_unpack(umoci_layout, "v1", str(tmp_path / "umoci"))
    assert diff_trees(ours, theirs) == []
    # What the second layer did is there: whiteout applied, metadata kept.
    assert not os.path.lexists(os.path.join(ours, "bin", "vi"))
    assert not os.path.exists(os.path.join(ours, "home"))
    st = os.lstat(os.path.join(ours, "etc", "motd"))
    assert (st.st_uid, st.st_gid, st.st_mode & 0o7777, int(st.st_mtime)) == (1000, 1000, 0o640, 1_500_000_000)
    assert os.getxattr(os.path.join(ours, "etc", "motd"), "user.test") == b"value"
    assert os.path.samefile(os.path.join(ours, "etc", "motd"), os.path.join(ours, "etc", "motd.hard"))
    assert os.readlink(os.path.join(ours, "etc", "motd.link")) == "motd"
    assert os.stat(os.path.join(ours, "dev", "null0")).st_rdev == os.makedev(1, 3)
    import struct
    capped = os.path.join(ours, "bin", "capped")
    assert os.getxattr(capped, "security.capability") == struct.pack("<5I", 0x02000001, 1 << 13, 0, 0, 0)
    assert os.stat(capped).st_mode & 0o7777 == 0o4755


@pytest.mark.parametrize("fmt", ["oci-archive", "docker-archive"])
def test_skopeo_archives_import_and_unpack_like_umoci(umoci_layout, store, tmp_path, fmt):
    archive = str(tmp_path / f"image.{fmt}.tar")
    subprocess.run(["skopeo", "copy", "-q", f"oci:{umoci_layout}:v1", f"{fmt}:{archive}:test/arch:v1"],
                   check=True, capture_output=True)
    out = run_image(store, "import", archive).stdout.split()
    name = out[0]
    assert name.endswith("test/arch:v1") or name.endswith(":v1"), out
    run_image(store, "unpack", name, tmp_path / "bundle")
    theirs = _umoci_unpack(umoci_layout, "v1", str(tmp_path / "umoci"))
    assert diff_trees(str(tmp_path / "bundle" / "rootfs"), theirs) == []


def test_config_follows_image_spec_conversion(umoci_layout, store, tmp_path):
    run_image(store, "import", umoci_layout, "--name", "conv:v1")
    bundle = tmp_path / "bundle"
    run_image(store, "unpack", "conv:v1", bundle)
    config = json.loads((bundle / "config.json").read_text())
    proc = config["process"]
    assert proc["args"] == ["/bin/sh", "-c", "cat /etc/motd; id; pwd; echo $GREETING"]
    assert "GREETING=hi-from-env" in proc["env"] and any(e.startswith("PATH=") for e in proc["env"])
    assert proc["cwd"] == "/data"
    assert proc["user"] == {"uid": 1000, "gid": 1000}            # "user" from the image's /etc/passwd
    assert proc["terminal"] is False and config["root"] == {"path": "rootfs", "readonly": False}
    ann = config["annotations"]
    assert ann["org.example.kind"] == "test"
    assert ann["org.opencontainers.image.stopSignal"] == "SIGINT"
    assert ann["org.opencontainers.image.exposedPorts"] == "8080/tcp"
    assert ann["org.opencontainers.image.architecture"] == "amd64" and ann["org.opencontainers.image.os"] == "linux"
    vol = [m for m in config["mounts"] if m["destination"] == "/data"]
    assert vol and vol[0]["type"] == "bind" and os.path.isfile(os.path.join(vol[0]["source"], "seed"))
    # The base is pyrun's default spec: its namespaces and masked paths are kept.
    assert {ns["type"] for ns in config["linux"]["namespaces"]} >= {"pid", "mount", "network"}
    assert "/proc/kcore" in config["linux"]["maskedPaths"]


def test_overrides(umoci_layout, store, tmp_path):
    run_image(store, "import", umoci_layout, "--name", "ovr:v1")
    host_dir = tmp_path / "hostdir"
    host_dir.mkdir()
    bundle = tmp_path / "bundle"
    run_image(store, "unpack", "ovr:v1", bundle, "--args", "echo 'two words'", "--env", "GREETING=over",
              "--env", "NEW=1", "--volume", f"{host_dir}:/mnt/host:ro", "--volume", f"{host_dir}:/data",
              "--hostname", "boxy", "--read-only", "--tty", "--uid-map", "0:100000:65536")
    config = json.loads((bundle / "config.json").read_text())
    assert config["process"]["args"] == ["echo", "two words"]
    assert "GREETING=over" in config["process"]["env"] and "NEW=1" in config["process"]["env"]
    assert config["process"]["terminal"] is True and "TERM=xterm" in config["process"]["env"]
    assert config["hostname"] == "boxy" and config["root"]["readonly"] is True
    binds = {m["destination"]: m for m in config["mounts"] if m["type"] == "bind"}
    assert binds["/mnt/host"]["source"] == str(host_dir) and "ro" in binds["/mnt/host"]["options"]
    assert binds["/data"]["source"] == str(host_dir)           # the user's volume replaces the image's
    assert config["linux"]["uidMappings"] == [{"containerID": 0, "hostID": 100000, "size": 65536}]
    assert {"type": "user"} in config["linux"]["namespaces"]
    # With a uid map, owners are shifted into the mapped range.
    assert os.lstat(bundle / "rootfs" / "etc" / "motd").st_uid == 101000
    assert os.lstat(bundle / "rootfs" / "bin" / "busybox").st_uid == 100000


def test_bad_overrides_fail_cleanly(umoci_layout, store, tmp_path):
    run_image(store, "import", umoci_layout, "--name", "bad:v1")
    bundle = tmp_path / "bundle"
    proc = run_image(store, "unpack", "bad:v1", bundle, "--volume", "/does/not/exist:/x", check=False)
    assert proc.returncode == 1 and "/does/not/exist" in proc.stderr
    proc = run_image(store, "unpack", "bad:v1", bundle, "--uid-map", "0:1", check=False)
    assert proc.returncode == 1 and "--uid-map" in proc.stderr
    proc = run_image(store, "unpack", "nosuch:v9", bundle, check=False)
    assert proc.returncode == 1 and "nosuch:v9" in proc.stderr
    assert not bundle.exists()


@pytest.mark.parametrize("runtime_name", ["runc", "pyrun"])
def test_bundle_runs(umoci_layout, store, tmp_path, request, runtime_name):
    runtime = request.getfixturevalue(runtime_name)
    run_image(store, "import", umoci_layout, "--name", "run:v1")
    bundle = tmp_path / "bundle"
    run_image(store, "unpack", "run:v1", bundle)
    out = runtime("run", "--bundle", str(bundle), runtime.new_id()).stdout
    assert "hello from layer 2" in out
    assert "uid=1000(user) gid=1000(user)" in out
    assert "/data" in out and "hi-from-env" in out
