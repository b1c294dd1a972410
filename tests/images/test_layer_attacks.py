"""Attacks on layer unpacking (plain and --overlay) and on bundle generation, each checking the HOST
afterwards: bait files outside the bundle keep their names, contents, modes, owners, times and xattrs.

The first group reached the host before session 6's fixes (each comment says how); the rest pin
down what held already (complementing test_image_layers.py, which covers the basic traversal,
symlink and hard-link cases).
"""

import json
import os
import shutil
import stat
import subprocess
import tarfile
import tempfile

import pytest

from imagelib import entry, image_manifest, layer_tar, run_image, tree, write_layout

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (owners, devices, overlay, setuid)")
NOBODY = 65534

BASE = [entry("bin", "dir"), entry("bin/sh", "file", b"#!shell\n", mode=0o755), entry("etc", "dir"),
        entry("etc/passwd", "file", b"root:x:0:0:root:/root:/bin/sh\n"), entry("keep", "dir"),
        entry("keep/a", "file", b"a")]


# -- helpers ------------------------------------------------------------------------------------
def _image(tmp_path, store, layers, name="atk:v1", config=None, compression="gzip"):
    layout = str(tmp_path / f"layout-{name.replace(':', '-').replace('/', '-')}")
    write_layout(layout, [image_manifest(layout, layers, config=config, compression=compression)])
    run_image(store, "import", layout, "--name", name)
    return name


class Bait:
    """A directory outside every rootfs: a file, a subdir with a file, odd mode/times/xattr."""

    def __init__(self, path, owner=None):
        self.path = str(path)
        os.makedirs(os.path.join(self.path, "sub"), exist_ok=True)
        for rel in ("victim", "sub/inner", "passwd"):
            with open(os.path.join(self.path, rel), "w") as f:
                f.write("untouched\n")
        os.chmod(os.path.join(self.path, "victim"), 0o640)
        os.chmod(self.path, 0o750)
        try:
            os.setxattr(os.path.join(self.path, "victim"), "user.bait", b"1")
        except OSError:
            pass
        for rel in ("victim", "sub/inner", "passwd", "sub", "."):
            p = os.path.join(self.path, rel)
            if owner is not None:
                os.lchown(p, owner, owner)
            os.utime(p, (1_234_567_890, 1_234_567_890))
        self.before = self.snapshot()

    def snapshot(self):
        st = os.lstat(self.path)
        top = (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, int(st.st_mtime), st.st_nlink)
        files = {rel: v + (os.lstat(os.path.join(self.path, rel)).st_nlink, int(os.lstat(os.path.join(self.path, rel)).st_atime))
                 for rel, v in tree(self.path).items()}
        return top, files

    def check(self):
        after = self.snapshot()
        assert after == self.before, f"host bait {self.path} changed:\nbefore {self.before}\nafter  {after}"


@pytest.fixture
def bait(tmp_path):
    return Bait(tmp_path / "outside")


def _unpack(store, name, bundle, *extra):
    return run_image(store, "unpack", *extra, name, bundle, check=False)


def _cleanup_bundle(bundle):
    subprocess.run(["umount", "-l", str(bundle / "rootfs")], capture_output=True)


def _host_unchanged():
    assert not os.path.lexists("/abs-evil") and not os.path.lexists("/evil")


class World:
    """A 0755 temp dir (as /var/lib/pyrun or /srv would be) so that nobody can reach what is inside."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="pyrun-layer-attacks-")
        os.chmod(self.dir, 0o755)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def as_nobody(self, argv, **kw):
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                              preexec_fn=lambda: (os.setgroups([]), os.setresgid(NOBODY, NOBODY, NOBODY),
                                                  os.setresuid(NOBODY, NOBODY, NOBODY)), **kw)

    def close(self):
        for line in open("/proc/self/mountinfo").read().splitlines():
            mp = line.split()[4]
            if mp.startswith(self.dir):
                subprocess.run(["umount", "-l", mp], capture_output=True)
        subprocess.run(["chmod", "-R", "u+rwX", self.dir], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def world():
    w = World()
    yield w
    w.close()


# ================================================================================================
# Attacks that reached the host before they were fixed
# ================================================================================================

@pytest.mark.parametrize("target", ["absolute", "relative"])
def test_opaque_whiteout_follows_a_dir_replaced_by_symlink_and_deletes_host_files(tmp_path, store, bait, target):
    # Before the fix: layer.py _opaque() recurses into `path in self.written_parents` without checking that
    # path is still a directory. A dir that got entries in this layer and was then replaced by a
    # symlink (same layer) is followed by os.scandir(); its host-side entries are unlinked/rmtree'd.
    link = bait.path if target == "absolute" else os.path.relpath(bait.path, str(tmp_path / "b" / "rootfs"))
    evil = layer_tar([entry("x", "dir"), entry("x/f", "file", b"f"),
                      entry("x", "symlink", linkname=link), entry(".wh..wh..opq", "file")])
    name = _image(tmp_path, store, [layer_tar(BASE), evil])
    proc = _unpack(store, name, tmp_path / "b")
    try:
        bait.check()              # before the fix: every entry of the bait dir is deleted, and unpack exits 0
    finally:
        _cleanup_bundle(tmp_path / "b")
    assert proc.returncode in (0, 1), proc.stderr


@needs_root
@pytest.mark.parametrize("mode", ["plain", "overlay"])
def test_deferred_dir_times_follow_a_dir_replaced_by_symlink(tmp_path, store, bait, mode):
    # Before the fix: layer.py apply() sets directory times at the end of the layer with
    # os.utime(path, follow_symlinks=False) on a path string recorded earlier. If a parent component
    # was replaced by a symlink in the meantime, the kernel follows it: host file times change.
    evil = layer_tar([entry("d", "dir"), entry("d/victim", "dir", mtime=42), entry("d/sub", "dir", mtime=42),
                      entry("d", "symlink", linkname=bait.path)])
    name = _image(tmp_path, store, [layer_tar(BASE), evil])
    extra = ("--overlay",) if mode == "overlay" else ()
    try:
        proc = _unpack(store, name, tmp_path / "b", *extra)
        assert proc.returncode in (0, 1), proc.stderr
        bait.check()
    finally:
        _cleanup_bundle(tmp_path / "b")


@needs_root
def test_unprivileged_finish_chmods_through_a_dir_replaced_by_symlink(tmp_path, world):
    # Before the fix: layer.py finish() (used when not root) does os.chmod(path, mode) on every directory path
    # recorded by _meta(); os.chmod follows symlinks, so a dir later replaced by a symlink makes the
    # unpacking user chmod whatever the symlink names (here a host dir owned by that user).
    bait = Bait(world.path("home-of-nobody"), owner=NOBODY)
    evil = layer_tar([entry("x", "dir", mode=0o777), entry("x", "symlink", linkname=bait.path)])
    store = world.path("store")
    name = _image(tmp_path, store, [layer_tar(BASE), evil])
    subprocess.run(["chmod", "-R", "a+rX", store], check=True)
    work = world.path("work")
    os.mkdir(work)
    os.chmod(work, 0o777)
    proc = world.as_nobody([run_image.__globals__["PYRUN_IMAGE"], "--store", store, "unpack", name,
                            os.path.join(work, "b")])
    assert proc.returncode in (0, 1), proc.stderr
    bait.check()                  # before the fix: bait dir mode 0750 -> 0777


@needs_root
@pytest.mark.parametrize("mode", ["plain", "overlay"])
def test_setuid_root_file_of_an_image_is_runnable_as_root_by_any_host_user(tmp_path, world, mode):
    # Before the fix: bundle.py create() makes BUNDLE (os.makedirs, umask 022 -> 0755) and rootfs (0755), and
    # unpacked_layer() chmods every STORE/layers/<diff id> to 0755; Store.init() makes the store 0755.
    # An image's setuid-root file (or 0666 device node) is then usable by every local user on the
    # host. umoci unpack makes the bundle 0700.
    with open("/usr/bin/id", "rb") as f:
        id_bin = f.read()
    layer = layer_tar(BASE + [entry("bin/rootid", "file", id_bin, mode=0o4755, uid=0, gid=0)])
    store = world.path("store")
    name = _image(tmp_path, store, [layer])
    bundle = world.path("bundle")
    run_image(store, "unpack", *(["--overlay"] if mode == "overlay" else []), name, bundle)
    candidates = [os.path.join(bundle, "rootfs", "bin", "rootid")]
    if mode == "overlay":
        candidates += [os.path.join(store, "layers", d, "bin", "rootid") for d in os.listdir(os.path.join(store, "layers"))]
    got_root = []
    for path in candidates:
        try:
            proc = world.as_nobody([path, "-u"])
        except PermissionError:       # the 0700 bundle (or store) stops the exec itself
            continue
        if proc.returncode == 0 and proc.stdout.strip() == "0":
            got_root.append(path)
    assert got_root == [], f"uid {NOBODY} ran the image's setuid-root file as euid 0 via {got_root}"


@needs_root
def test_volume_seed_copies_host_block_device_contents_into_the_bundle(tmp_path, store):
    # Before the fix: convert.py _anonymous_volume() seeds BUNDLE/volumes/<v> with shutil.copytree(seed, ...)
    # whose copy2/copyfile *reads* character and block devices (only FIFOs are refused). A layer
    # with a device node under an image Volume gets the host device's bytes copied into a plain
    # file that is bind mounted into the container (bypassing the runtime's device cgroup).
    backing = tmp_path / "host-disk.img"
    backing.write_bytes(b"HOST-DISK-SECRET\n" + b"\0" * (1 << 20))
    loop = subprocess.run(["losetup", "-f", "--show", str(backing)], capture_output=True, text=True, check=True).stdout.strip()
    try:
        rdev = os.stat(loop).st_rdev
        layer = layer_tar(BASE + [entry("data", "dir"),
                                  entry("data/disk", "block", mode=0o600, devmajor=os.major(rdev), devminor=os.minor(rdev))])
        name = _image(tmp_path, store, [layer], config={"Cmd": ["/bin/sh"], "Volumes": {"/data": {}}})
        run_image(store, "unpack", name, tmp_path / "b")
        copied = tmp_path / "b" / "volumes" / "data" / "disk"
        st = os.lstat(copied)
        leaked = stat.S_ISREG(st.st_mode) and copied.read_bytes().startswith(b"HOST-DISK-SECRET")
        assert not leaked, f"{copied}: a regular file holding the host block device {loop}'s contents"
    finally:
        subprocess.run(["losetup", "-d", loop], capture_output=True)


@needs_root
def test_volume_seed_turns_mapped_owners_into_host_root(tmp_path, store):
    # Before the fix: with --uid-map the rootfs is shifted (0 -> 100000), but _anonymous_volume()'s copytree
    # (run as root) leaves every copy owned by host root while keeping modes (copy2): the image's
    # setuid file becomes a host setuid-root binary in BUNDLE/volumes, and xattrs such as
    # security.capability are copied onto root-owned files.
    layer = layer_tar(BASE + [entry("data", "dir"), entry("data/tool", "file", b"#!x\n", mode=0o4755, uid=0, gid=0)])
    name = _image(tmp_path, store, [layer], config={"Cmd": ["/bin/sh"], "Volumes": {"/data": {}}})
    run_image(store, "unpack", name, tmp_path / "b", "--uid-map", "0:100000:65536")
    assert os.lstat(tmp_path / "b" / "rootfs" / "data" / "tool").st_uid == 100000
    st = os.lstat(tmp_path / "b" / "volumes" / "data" / "tool")
    assert (st.st_uid, st.st_mode & 0o4000) != (0, 0o4000), "volume copy is setuid *host* root"
    assert st.st_uid == 100000


# ================================================================================================
# What holds
# ================================================================================================

def _refused_or_inside(proc, bait, bundle):
    bait.check()
    _host_unchanged()
    if proc.returncode == 1:
        assert not bundle.exists(), "half-made bundle removed"
        assert "Traceback" not in proc.stderr, proc.stderr


SYMLINK_CASES = {
    # name: (lower layer entries, upper layer entries, must be refused)
    "abs-symlink-lower-then-write": (lambda b: [entry("a", "symlink", linkname="/etc")],
                                     lambda b: [entry("a/passwd", "file", b"pwned")], False),
    "abs-symlink-to-bait-lower": (lambda b: [entry("a", "symlink", linkname=b)],
                                  lambda b: [entry("a/victim", "file", b"pwned"), entry("a/passwd", "hardlink", linkname="etc/passwd")], False),
    "rel-up-symlink-lower": (lambda b: [entry("a", "symlink", linkname="../../..")],
                             lambda b: [entry("a/evil", "file", b"x")], True),
    "chain-lower": (lambda b: [entry("a", "symlink", linkname="b"), entry("b", "symlink", linkname="c/.."),
                               entry("c", "dir"), entry("c/d", "symlink", linkname="../../..")],
                    lambda b: [entry("a/c/d/evil", "file", b"x")], True),
    "loop": (lambda b: [entry("l1", "symlink", linkname="l2"), entry("l2", "symlink", linkname="l1")],
             lambda b: [entry("l1/evil", "file", b"x")], True),
    "dir-then-symlink-next-layer": (lambda b: [entry("d", "dir"), entry("d/f", "file", b"f")],
                                    lambda b: [entry("d", "symlink", linkname=b), entry("d/victim", "file", b"x"),
                                               entry("d/sub/inner", "file", b"x")], False),
    "dir-then-rel-symlink-same-layer": (lambda b: [],
                                        lambda b: [entry("d", "dir"), entry("d/f", "file", b"f"),
                                                   entry("d", "symlink", linkname="../../../../../../.."),
                                                   entry("d/evil", "file", b"x")], True),
    "symlink-to-dot-dot-via-dot": (lambda b: [entry("s", "symlink", linkname="./../x")],
                                   lambda b: [entry("s/evil", "file", b"x")], True),
    "pax-long-dotdot": (lambda b: [], lambda b: [entry("a" * 120 + "/" + "../" * 10 + "evil", "file", b"x")], True),
    "symlink-named-dot": (lambda b: [entry(".", "symlink", linkname=b)],
                          lambda b: [entry("victim", "file", b"x")], False),
    "symlink-named-dotslash": (lambda b: [entry("./", "symlink", linkname="/")],
                               lambda b: [entry("evil", "file", b"x")], False),
    "hardlink-absolute": (lambda b: [], lambda b: [entry("h", "hardlink", linkname=b + "/victim")], True),
    "hardlink-via-abs-symlink-lower": (lambda b: [entry("esc", "symlink", linkname=b)],
                                       lambda b: [entry("h", "hardlink", linkname="esc/victim")], True),
    "hardlink-to-symlink-to-host": (lambda b: [entry("s", "symlink", linkname=b + "/victim")],
                                    lambda b: [entry("h", "hardlink", linkname="s"), entry("h2", "hardlink", linkname="./s")], False),
    "whiteout-via-abs-symlink-lower": (lambda b: [entry("esc", "symlink", linkname=b)],
                                       lambda b: [entry("esc/.wh.victim", "file"), entry("esc/.wh.sub", "file")], False),
    "opaque-via-abs-symlink-lower": (lambda b: [entry("esc", "symlink", linkname=b)],
                                     lambda b: [entry("esc/.wh..wh..opq", "file")], False),
    "opaque-via-rel-symlink-lower": (lambda b: [entry("esc", "symlink", linkname="../../outside")],
                                     lambda b: [entry("esc/.wh..wh..opq", "file")], True),
    "whiteout-dotdot-in-subdir": (lambda b: [], lambda b: [entry("keep/.wh...", "file")], True),
    "whiteout-of-whiteout": (lambda b: [], lambda b: [entry("keep/.wh..wh.x", "file")], True),
    "opaque-at-root": (lambda b: [], lambda b: [entry(".wh..wh..opq", "file"), entry("./.wh..wh..opq", "file")], False),
    "root-as-file": (lambda b: [], lambda b: [entry(".", "file", b"x"), entry("./", "hardlink", linkname="bin/sh")], False),
}


@needs_root
@pytest.mark.parametrize("mode", ["plain", "overlay"])
@pytest.mark.parametrize("case", sorted(SYMLINK_CASES))
def test_symlink_hardlink_whiteout_tricks_stay_inside(tmp_path, store, bait, case, mode):
    lower, upper, refused = SYMLINK_CASES[case]
    bundle = tmp_path / "b"
    name = _image(tmp_path, store, [layer_tar(BASE + lower(bait.path)), layer_tar(upper(bait.path))])
    extra = ("--overlay",) if mode == "overlay" else ()
    try:
        proc = _unpack(store, name, bundle, *extra)
        _refused_or_inside(proc, bait, bundle)
        if refused and mode == "plain":     # overlay: the upper layer gets a real dir over the lower symlink
            assert proc.returncode == 1 and "entry" in proc.stderr, proc.stderr
        if proc.returncode == 0 and mode == "plain":
            rootfs = bundle / "rootfs"
            for dirpath, dirs, files in os.walk(rootfs):
                for n in files:            # nothing in the rootfs shares an inode with the host bait
                    st = os.lstat(os.path.join(dirpath, n))
                    assert not (st.st_dev == os.lstat(bait.path + "/victim").st_dev
                                and st.st_ino == os.lstat(bait.path + "/victim").st_ino)
    finally:
        _cleanup_bundle(bundle)


@needs_root
def test_hardlink_to_lower_file_then_rewritten(tmp_path, store):
    l1 = layer_tar(BASE + [entry("f", "file", b"orig")])
    l2 = layer_tar([entry("h", "hardlink", linkname="f")])
    l3 = layer_tar([entry("h", "file", b"new"), entry("f", "file", b"f-new", mode=0o600)])
    name = _image(tmp_path, store, [l1, l2, l3])
    run_image(store, "unpack", name, tmp_path / "b")
    r = tmp_path / "b" / "rootfs"
    assert (r / "h").read_bytes() == b"new" and (r / "f").read_bytes() == b"f-new"
    assert os.lstat(r / "h").st_ino != os.lstat(r / "f").st_ino


@needs_root
def test_type_changes_and_duplicates_across_layers(tmp_path, store, bait):
    l1 = layer_tar(BASE + [entry("t", "file", b"1"), entry("t", "file", b"2"), entry("u", "dir"), entry("u/x", "file", b"x")])
    l2 = layer_tar([entry("t", "dir"), entry("t/in", "file", b"in"), entry("u", "file", b"now-file")])
    l3 = layer_tar([entry("t", "symlink", linkname=bait.path), entry("u", "symlink", linkname="t"),
                    entry("t/victim", "file", b"inside"), entry("u/passwd", "file", b"inside")])
    l4 = layer_tar([entry("t", "fifo"), entry("t", "char", devmajor=1, devminor=3), entry("t", "file", b"final")])
    name = _image(tmp_path, store, [l1, l2, l3, l4])
    run_image(store, "unpack", name, tmp_path / "b")
    bait.check()
    r = tmp_path / "b" / "rootfs"
    assert (r / "t").read_bytes() == b"final"
    assert (r / bait.path.lstrip("/") / "victim").read_bytes() == b"inside"


@needs_root
@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_long_names_with_dotdot_refused(tmp_path, store, bait, fmt):
    buf = __import__("io").BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        info, _ = entry(("d" * 150) + "/../../../" + os.path.relpath(bait.path, "/") + "/victim", "file", b"x")
        info.size = 1
        tar.addfile(info, __import__("io").BytesIO(b"x"))
    name = _image(tmp_path, store, [layer_tar(BASE), buf.getvalue()])
    proc = _unpack(store, name, tmp_path / "b")
    assert proc.returncode == 1 and "'..'" in proc.stderr
    bait.check()


@needs_root
def test_special_files_and_xattrs_stay_inside(tmp_path, store, bait):
    """Devices, fifos, setuid/setgid, capabilities and trusted.*/security.* xattrs land in the rootfs
    only (as umoci does); the host bait's xattrs and mode are untouched."""
    import struct
    cap = struct.pack("<5I", 0x02000001, 1 << 21, 0, 0, 0).decode("latin-1")
    layer = layer_tar(BASE + [
        entry("dev", "dir"), entry("dev/mem", "char", mode=0o666, devmajor=1, devminor=1),
        entry("dev/blk", "block", mode=0o666, devmajor=8, devminor=0), entry("p", "fifo"),
        entry("bin/su", "file", b"s", mode=0o6755),
        entry("bin/capd", "file", b"c", mode=0o755, xattrs={"security.capability": cap,
                                                                "trusted.overlay.opaque": "y",
                                                                "security.selinux": "system_u:object_r:shadow_t:s0"}),
        entry("ts", "file", b"t", mtime=-5), entry("big-time", "file", b"t", mtime=2 ** 33)])
    name = _image(tmp_path, store, [layer])
    proc = _unpack(store, name, tmp_path / "b")
    bait.check()
    assert proc.returncode == 0, proc.stderr
    r = tmp_path / "b" / "rootfs"
    assert os.lstat(r / "bin" / "su").st_mode & 0o7777 == 0o6755
    assert stat.S_ISBLK(os.lstat(r / "dev" / "blk").st_mode)


def test_no_size_limit_on_sparse_or_huge_members(tmp_path, store):
    """Not a host escape, but no limit: a GNU sparse member of ~10 kB in the tar is written out as
    64 MiB of real blocks (zeros written, not holes); nothing caps entry size or layer total."""
    src = tmp_path / "sparse-src"
    src.mkdir()
    with open(src / "s", "wb") as f:
        f.truncate(64 << 20)
        f.seek((64 << 20) - 1)
        f.write(b"x")
    tar = tmp_path / "sparse.tar"
    subprocess.run(["tar", "--sparse", "--format=gnu", "-C", str(src), "-cf", str(tar), "s"], check=True)
    data = tar.read_bytes()
    assert len(data) < 100_000
    name = _image(tmp_path, store, [layer_tar(BASE), data])
    run_image(store, "unpack", name, tmp_path / "b")
    st = os.stat(tmp_path / "b" / "rootfs" / "s")
    assert st.st_size == 64 << 20
    assert st.st_blocks * 512 >= 60 << 20          # fully allocated: no sparseness, no cap


# -- the overlay cache ------------------------------------------------------------------------------
@needs_root
def test_one_image_cannot_alter_another_images_cached_layers(tmp_path, store):
    shared = layer_tar(BASE + [entry("lib", "dir"), entry("lib/libc", "file", b"libc")])
    victim = _image(tmp_path, store, [shared], name="victim:v1")
    b1 = tmp_path / "b1"
    run_image(store, "unpack", "--overlay", victim, b1)
    try:
        before = tree(str(store / "layers"))
        layers_dir = str(store / "layers")
        hexd = os.listdir(layers_dir)[0]
        attack = layer_tar([entry("lib", "symlink", linkname=f"{layers_dir}/{hexd}/lib"),
                            entry("lib/libc", "file", b"evil"), entry("lib/.wh..wh..opq", "file"),
                            entry("e", "symlink", linkname=f"{layers_dir}/{hexd}"), entry("e/.wh.lib", "file")])
        evil = _image(tmp_path, store, [shared, attack], name="evil:v1")
        for extra, b in (((), tmp_path / "p"), (("--overlay",), tmp_path / "o")):
            proc = _unpack(store, evil, b, *extra)
            _cleanup_bundle(b)
        after = tree(str(store / "layers"))
        assert {k: after.get(k) for k in before} == before
        # Writes in a bundle go to its upper dir, never to the shared lower dir.
        (b1 / "rootfs" / "lib" / "libc").write_bytes(b"changed")
        os.chmod(b1 / "rootfs" / "lib" / "libc", 0o777)
        assert (store / "layers" / hexd / "lib" / "libc").read_bytes() == b"libc"
        assert proc.returncode in (0, 1)
    finally:
        _cleanup_bundle(b1)


# -- image config -> config.json --------------------------------------------------------------------
@needs_root
def test_config_fields_cannot_reach_host_paths(tmp_path, store, bait):
    layer = layer_tar(BASE + [entry("etc/group", "file", b"root:x:0:\n"),
                              entry("vol1", "symlink", linkname=bait.path),
                              entry("vol2", "symlink", linkname="../../../../../../../.."),
                              entry("vol3", "symlink", linkname="/")])
    config = {"Entrypoint": ["/bin/sh"], "WorkingDir": "../../../../etc", "User": "0:0",
              "Env": ["PATH=/x", "LD_PRELOAD=/host.so"],
              "Volumes": {"/../../../../etc": {}, "/vol1": {}, "/vol2": {}, "/vol3/sub": {}, "..": {}, "/": {}}}
    name = _image(tmp_path, store, [layer], config=config)
    bundle = tmp_path / "b"
    proc = _unpack(store, name, bundle)
    bait.check()
    assert proc.returncode == 0, proc.stderr
    spec = json.loads((bundle / "config.json").read_text())
    assert spec["process"]["cwd"] == "/etc"
    for m in spec["mounts"]:
        if m["type"] == "bind":
            src = os.path.realpath(m["source"])
            assert src.startswith(str(bundle) + "/volumes/"), m
    # vol1 -> host bait path is read as rootfs/<bait path> (absent), never the host's bait
    assert not os.path.exists(bundle / "volumes" / "vol1" / "victim")
    assert not os.path.exists(bundle / "volumes" / "vol2" / "etc")


@pytest.mark.parametrize("user", ["-1", "0:-1", "4294967296", "root:../../etc", "../../etc/shadow"])
def test_odd_users(tmp_path, store, user):
    layer = layer_tar(BASE + [entry("etc/group", "file", b"root:x:0:\n")])
    name = _image(tmp_path, store, [layer], config={"Cmd": ["/bin/sh"], "User": user})
    proc = _unpack(store, name, tmp_path / "b")
    if proc.returncode == 0:
        spec = json.loads((tmp_path / "b" / "config.json").read_text())
        u = spec["process"]["user"]
        assert u["uid"] >= 0 and u["gid"] >= 0, u
    else:
        assert "Traceback" not in proc.stderr
