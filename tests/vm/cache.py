"""The test VM's cache: Debian's kernel (fetched, never installed) and the initramfs built around it.

Layout under the cache dir ($PYRUN_VM_CACHE, default /var/cache/pyrun-test-vm):
  kernel/vmlinux                     the uncompressed kernel, booted through its PVH entry
  kernel/lib/modules/<version>/      every module of that kernel, with depmod's index (the guest
                                     bind-mounts it at /lib/modules, so modprobe and autoloading work)
  kernel/release                     "<version> <debian package version>"
  initramfs-<hash>.cpio              busybox-static as /init's shell, the boot modules, guest_init.sh

Everything is made in a temporary directory and renamed into place, under a lock, so a half-made
cache is never used and concurrent first uses do the work once. Standard library only.
"""

import fcntl
import hashlib
import lzma
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass

DEFAULT_CACHE = "/var/cache/pyrun-test-vm"
KERNEL_META_PACKAGE = "linux-image-amd64"
BUSYBOX = "/bin/busybox"
GUEST_INIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "guest_init.sh")

# What the initramfs must load before it can mount the host's / and talk to the host; their
# dependencies (netfs, fscache, 9pnet, virtio, virtio_ring, ...) come from modules.dep, in order.
BOOT_MODULES = ("9pnet_virtio", "9p", "virtio_pci", "virtio_console", "overlay")


class CacheError(Exception):
    """The kernel or initramfs could not be prepared; the message says which step and why."""


@dataclass
class VMImage:
    """What a boot needs: the kernel, the initramfs, and where the guest finds the modules."""
    vmlinux: str
    initramfs: str
    kernel_version: str
    modules_dir: str      # the host path of lib/modules (the guest reads it over 9p)
    cache_dir: str


def cache_dir():
    return os.environ.get("PYRUN_VM_CACHE") or DEFAULT_CACHE


@contextmanager
def _locked(directory):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _run(argv, cwd=None):
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise CacheError(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    return proc


def _apt_download(spec, dest):
    """apt-get download SPEC into dest; on a machine whose package lists were never fetched
    (setup.sh only runs apt-get update when it installs something) update them once and retry."""
    argv = ["apt-get", "download", "-q", spec]
    try:
        _run(argv, cwd=dest)
    except CacheError:
        _run(["apt-get", "update", "-qq"])
        _run(argv, cwd=dest)
    debs = [f for f in os.listdir(dest) if f.endswith(".deb") and f.startswith(spec.split("=")[0] + "_")]
    if len(debs) != 1:
        raise CacheError(f"apt-get download {spec}: expected one .deb in {dest}, found {debs}")
    return os.path.join(dest, debs[0])


def _image_package(meta_deb):
    """The versioned image package the meta package depends on: ('linux-image-6.1.0-56-amd64', '6.1.192-2')."""
    depends = _run(["dpkg-deb", "-f", meta_deb, "Depends"]).stdout.strip()
    for alternative in depends.split(","):
        name, _, rest = alternative.strip().partition(" ")
        if name.startswith("linux-image-") and name != KERNEL_META_PACKAGE:
            version = rest.strip("() ").removeprefix("=").strip()
            return name, version
    raise CacheError(f"{KERNEL_META_PACKAGE} depends on no linux-image package: {depends!r}")


def extract_vmlinux(vmlinuz_bytes):
    """The uncompressed ELF kernel inside a bzImage: the xz stream after the setup code.

    Booting the ELF through its PVH note skips the decompressor and the real-mode setup, which
    under TCG halves the boot time. Debian's 6.1 kernels are xz-compressed."""
    offset = vmlinuz_bytes.find(b"\xfd7zXZ\x00")
    while offset != -1:
        try:
            elf = lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(vmlinuz_bytes[offset:])
        except lzma.LZMAError:
            elf = b""
        if elf.startswith(b"\x7fELF"):
            return elf
        offset = vmlinuz_bytes.find(b"\xfd7zXZ\x00", offset + 1)
    raise CacheError("no xz-compressed ELF kernel found in the vmlinuz")


def _prepare_kernel(kernel_dir):
    parent = os.path.dirname(kernel_dir)
    work = tempfile.mkdtemp(prefix=".kernel-", dir=parent)
    try:
        debs = os.path.join(work, "debs")
        os.makedirs(debs)
        os.chmod(work, 0o755)   # so apt's _apt user may write there (else a harmless warning)
        os.chmod(debs, 0o777)
        meta = _apt_download(KERNEL_META_PACKAGE, debs)
        image_name, image_version = _image_package(meta)
        deb = _apt_download(f"{image_name}={image_version}" if image_version else image_name, debs)
        unpacked = os.path.join(work, "unpacked")
        _run(["dpkg-deb", "-x", deb, unpacked])
        boot = os.path.join(unpacked, "boot")
        vmlinuz = [f for f in os.listdir(boot) if f.startswith("vmlinuz-")]
        if len(vmlinuz) != 1:
            raise CacheError(f"{deb}: expected one vmlinuz, found {vmlinuz}")
        version = vmlinuz[0].removeprefix("vmlinuz-")
        result = os.path.join(work, "kernel")
        os.makedirs(os.path.join(result, "lib"))
        with open(os.path.join(boot, vmlinuz[0]), "rb") as f:
            elf = extract_vmlinux(f.read())
        with open(os.path.join(result, "vmlinux"), "wb") as f:
            f.write(elf)
        os.rename(os.path.join(unpacked, "lib", "modules"), os.path.join(result, "lib", "modules"))
        _run(["depmod", "-b", result, version])
        with open(os.path.join(result, "release"), "w") as f:
            f.write(f"{version} {image_version}\n")
        os.rename(result, kernel_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def module_load_order(modules_dep_text, wanted):
    """Module paths (relative to lib/modules/<version>) in an order insmod accepts: every
    module after the modules it needs. modules.dep lists, per module, its whole closure with the
    modules it uses directly first, so loading the list reversed satisfies each in turn."""
    deps = {}
    for line in modules_dep_text.splitlines():
        if ":" in line:
            path, _, needs = line.partition(":")
            deps[path.strip()] = needs.split()
    by_name = {os.path.basename(p).split(".ko")[0].replace("-", "_"): p for p in deps}
    order = []
    for name in wanted:
        path = by_name.get(name.replace("-", "_"))
        if path is None:
            raise CacheError(f"module {name} is not in modules.dep (built in, or missing from this kernel?)")
        for p in [*reversed(deps[path]), path]:
            if p not in order:
                order.append(p)
    return order


def newc_archive(entries):
    """A cpio archive in the kernel's "newc" format. entries: (name, mode, data or None) with
    directories before their contents; data None means a directory."""
    out = bytearray()

    def put(name, mode, data, ino):
        name_bytes = name.encode() + b"\0"
        fields = (ino, mode, 0, 0, 1 if data is not None else 2, 0, len(data or b""), 0, 0, 0, 0,
                  len(name_bytes), 0)
        out.extend(b"070701" + b"".join(b"%08X" % v for v in fields) + name_bytes)
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data or b"")
        out.extend(b"\0" * (-len(out) % 4))

    for ino, (name, mode, data) in enumerate(entries, start=1):
        put(name, mode, data, ino)
    put("TRAILER!!!", 0, b"", 0)
    return bytes(out)


def _initramfs_entries(modules_root, module_paths):
    with open(BUSYBOX, "rb") as f:
        busybox = f.read()
    with open(GUEST_INIT, "rb") as f:
        init = f.read()
    entries = [("bin", 0o40755, None), ("bin/busybox", 0o100755, busybox), ("init", 0o100755, init),
               ("modules", 0o40755, None)]
    names = []
    for path in module_paths:
        name = os.path.basename(path)
        with open(os.path.join(modules_root, path), "rb") as f:
            entries.append((f"modules/{name}", 0o100644, f.read()))
        names.append(name)
    entries.append(("modules/order", 0o100644, ("\n".join(names) + "\n").encode()))
    for d in ("dev", "proc", "sys", "lower", "upper", "newroot"):
        entries.append((d, 0o40755, None))
    return entries


def prepare(directory=None):
    """The kernel and initramfs, fetched and built on first use (idempotent, safe to race).
    The kernel is fetched once and kept: remove the cache directory to take a newer one."""
    directory = directory or cache_dir()
    try:
        return _prepare(directory)
    except OSError as e:
        raise CacheError(f"{directory}: {e}") from e


def _prepare(directory):
    if not os.path.exists(BUSYBOX):
        raise CacheError(f"{BUSYBOX} is missing: install busybox-static (setup.sh does)")
    kernel_dir = os.path.join(directory, "kernel")
    with _locked(directory):
        if not os.path.exists(os.path.join(kernel_dir, "release")):
            for stale in os.listdir(directory):   # left by a first use that was killed midway
                if stale.startswith(".kernel-"):
                    shutil.rmtree(os.path.join(directory, stale), ignore_errors=True)
            for tool in ("apt-get", "dpkg-deb", "depmod"):
                if shutil.which(tool) is None:
                    raise CacheError(f"{tool} not found: the VM cache needs apt, dpkg and kmod")
            _prepare_kernel(kernel_dir)
        with open(os.path.join(kernel_dir, "release")) as f:
            version = f.read().split()[0]
        modules_root = os.path.join(kernel_dir, "lib", "modules", version)
        with open(os.path.join(modules_root, "modules.dep")) as f:
            module_paths = module_load_order(f.read(), BOOT_MODULES)
        entries = _initramfs_entries(modules_root, module_paths)
        digest = hashlib.sha256()
        for name, mode, data in entries:
            digest.update(f"{name}\0{mode}\0".encode() + (data or b""))
        initramfs = os.path.join(directory, f"initramfs-{digest.hexdigest()[:16]}.cpio")
        if not os.path.exists(initramfs):
            for old in os.listdir(directory):
                if old.startswith("initramfs-"):
                    os.unlink(os.path.join(directory, old))
            tmp = initramfs + ".tmp"
            with open(tmp, "wb") as f:
                f.write(newc_archive(entries))
            os.rename(tmp, initramfs)
    return VMImage(vmlinux=os.path.join(kernel_dir, "vmlinux"), initramfs=initramfs,
                   kernel_version=version, modules_dir=os.path.join(kernel_dir, "lib", "modules"),
                   cache_dir=directory)
