"""Image config -> config.json conversion rules on small real rootfs trees (plain unit tests)."""

import os
import sys

import pytest

from imagelib import ROOT

sys.path.insert(0, ROOT)
from images.convert import Overrides, build, resolve_user  # noqa: E402
from images.errors import ImageError  # noqa: E402


@pytest.fixture
def rootfs(tmp_path):
    root = tmp_path / "rootfs"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\nweb:x:33:33:web:/var/www:/bin/sh\n"
                                         "app:x:1000:1000::/home/app:/bin/sh\n")
    (root / "etc" / "group").write_text("root:x:0:\nweb:x:33:\napp:x:1000:\nadm:x:4:app,web\naudio:x:29:app\n")
    return str(root)


def test_user_forms(rootfs):
    assert resolve_user("", rootfs) == (0, 0, [], "/root")
    assert resolve_user("app", rootfs) == (1000, 1000, [4, 29], "/home/app")
    assert resolve_user("1000", rootfs) == (1000, 1000, [4, 29], "/home/app")
    assert resolve_user("app:web", rootfs) == (1000, 33, [], "/home/app")
    assert resolve_user("web:4", rootfs) == (33, 4, [], "/var/www")
    assert resolve_user("4242:4343", rootfs) == (4242, 4343, [], "/")
    with pytest.raises(ImageError, match="'ghost'"):
        resolve_user("ghost", rootfs)
    with pytest.raises(ImageError, match="'nogroup'"):
        resolve_user("app:nogroup", rootfs)


def test_passwd_symlink_leaving_the_rootfs_is_not_followed(tmp_path):
    root = tmp_path / "evil"
    (root / "etc").mkdir(parents=True)
    (tmp_path / "host-passwd").write_text("ghost:x:4242:4242::/:/bin/sh\n")
    os.symlink("../../host-passwd", root / "etc" / "passwd")
    with pytest.raises(ImageError, match="'ghost'"):
        resolve_user("ghost", str(root))
    # An absolute link is read inside the rootfs.
    os.unlink(root / "etc" / "passwd")
    (root / "real").write_text("ghost:x:7:8::/:/bin/sh\n")
    os.symlink("/real", root / "etc" / "passwd")
    assert resolve_user("ghost", str(root))[:2] == (7, 8)


def test_build_defaults_and_errors(rootfs):
    spec = build({"config": {"Entrypoint": ["/e"], "Cmd": ["c"], "Env": ["PATH=/x", "A=1"], "User": "web"}},
                 rootfs, Overrides())
    assert spec["process"]["args"] == ["/e", "c"]
    assert spec["process"]["env"] == ["PATH=/x", "A=1", "HOME=/var/www"]
    assert spec["process"]["user"] == {"uid": 33, "gid": 33, "additionalGids": [4]}
    assert spec["process"]["cwd"] == "/" and "annotations" not in spec
    with pytest.raises(ImageError, match="--args"):
        build({"config": {}}, rootfs, Overrides())
    with pytest.raises(ImageError, match="'NOEQ'"):
        build({"config": {"Cmd": ["x"]}}, rootfs, Overrides(env=["NOEQ"]))
