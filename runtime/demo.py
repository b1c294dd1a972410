"""The README's demo: build a small bundle on busybox-static, run it with pyrun, show what the
container sees. `bash setup.sh --demo` ends here; `.venv/bin/python3 runtime/demo.py` runs it again."""

import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYRUN = os.path.join(ROOT, ".venv", "bin", "pyrun")
BUSYBOX = "/bin/busybox"

SCRIPT = r"""
echo "hello from a pyrun container"
echo "  hostname:     $(hostname)"
echo "  pid inside:   $$ (the init is pid 1)"
echo "  user:         $(id)"
echo "  root:         $(cat /proc/self/mountinfo | awk '$5 == "/" {print $4; exit}') (the bundle's rootfs)"
echo "  capabilities: $(grep CapEff /proc/self/status | cut -f2)"
echo "  memory limit: $(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
echo "  network:      $(ls /sys/class/net | tr '\n' ' ')"
"""


def build_rootfs(rootfs):
    for d in ("bin", "etc", "proc", "sys", "dev", "tmp", "root"):
        os.makedirs(os.path.join(rootfs, d), exist_ok=True)
    shutil.copy2(BUSYBOX, os.path.join(rootfs, "bin", "busybox"))
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout.split()
    for applet in applets:
        if applet != "busybox":
            os.symlink("busybox", os.path.join(rootfs, "bin", applet))
    with open(os.path.join(rootfs, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\n")
    with open(os.path.join(rootfs, "etc", "group"), "w") as f:
        f.write("root:x:0:\n")


def main():
    if os.geteuid() != 0:
        sys.exit("the demo needs root (namespaces, mounts, cgroups)")
    bundle = tempfile.mkdtemp(prefix="pyrun-demo-")
    try:
        build_rootfs(os.path.join(bundle, "rootfs"))
        subprocess.run([PYRUN, "spec", "--bundle", bundle], check=True)
        with open(os.path.join(bundle, "config.json")) as f:
            config = json.load(f)
        config["process"]["terminal"] = False
        config["process"]["args"] = ["sh", "-c", SCRIPT]
        config["hostname"] = "pyrun-demo"
        config["linux"].setdefault("resources", {})["memory"] = {"limit": 64 << 20}
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(config, f, indent=2)
        print(f"$ pyrun run --bundle {bundle} demo")
        sys.stdout.flush()
        proc = subprocess.run([PYRUN, "--root", os.path.join(bundle, "state"), "run", "--bundle", bundle,
                               f"demo-{os.getpid()}"], stdin=subprocess.DEVNULL)
        print(f"(exit status {proc.returncode})")
        return proc.returncode
    finally:
        shutil.rmtree(bundle, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
