#!/usr/bin/env bash
# Sets up pyrun on a Debian 12 machine, as root: system packages, a virtualenv with the
# Python dependencies, and the `pyrun` launcher. With --demo it then runs a demo container.
# Safe to run again: every step checks what is already there.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"
ROOT=$PWD

# System packages. Keep this list the one place that names them.
APT_PACKAGES=(
  python3 python3-venv python3-dev gcc    # the interpreter pyrun runs on (never a pyenv shim)
  busybox-static                          # test and demo rootfs
  libseccomp2                             # seccomp, through the pyseccomp ctypes binding
  runc                                    # the reference runtime: benchmarks, conformance, engine tests
  iproute2 util-linux uidmap procps       # ip/nsenter/unshare/newuidmap used by tests
  containerd podman conmon skopeo umoci docker-registry   # real peers and clients (tests)
  qemu-system-x86 cpio xz-utils kmod      # the cgroup v2 test VM
  bsdutils                                # `script`, for tty tests
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The virtualenv, on Debian's interpreter by absolute path.
if [ ! -x .venv/bin/python3 ]; then
  /usr/bin/python3 -m venv .venv
fi
.venv/bin/python3 -m pip install -q --disable-pip-version-check -r requirements.txt

# The launcher: an absolute interpreter in isolated mode without the site module (-I -S: site
# and Debian's sitecustomize cost 5-10 ms a call), the checkout and the venv's packages put on
# sys.path by hand. podman's cleanup runs pyrun with no PATH and no HOME; nothing here needs them.
SITE_PACKAGES=$(.venv/bin/python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
cat > .venv/bin/pyrun <<LAUNCHER
#!$ROOT/.venv/bin/python3 -IS
import sys
sys.path[0:0] = ["$ROOT", "$SITE_PACKAGES"]
from runtime.cli import run
run()
LAUNCHER
chmod 755 .venv/bin/pyrun
cat > .venv/bin/pyrun-image <<LAUNCHER
#!$ROOT/.venv/bin/python3 -I
import sys
sys.path.insert(0, "$ROOT")
from images.cli import main
sys.exit(main())
LAUNCHER
chmod 755 .venv/bin/pyrun-image
ln -sf "$ROOT/.venv/bin/pyrun" /usr/local/bin/pyrun
ln -sf "$ROOT/.venv/bin/pyrun-image" /usr/local/bin/pyrun-image
echo "setup: pyrun is $ROOT/.venv/bin/pyrun ($(.venv/bin/pyrun --version | head -1))"

if [ "${1:-}" = "--demo" ]; then
  exec .venv/bin/python3 "$ROOT/runtime/demo.py"
fi
