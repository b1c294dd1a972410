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
  e2fsprogs                               # chattr/lsattr: the sealed interpreter below
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

# pyrun's interpreter: a copy of Debian's that a container cannot write. Every process pyrun puts
# into a container is a fork of pyrun, so it can hand this file to the container through
# /proc/self/exe (CVE-2019-5736; see runtime/sealed_exe.py). The copy is bound read-only over
# itself, which no capability a container can hold undoes, and immutable as well (chattr +i). The
# bind is gone after a reboot: the first create or exec then makes it again. Its pyvenv.cfg points
# it at Debian's standard library. Refreshed when Debian's interpreter changes.
SEALED=/usr/local/lib/pyrun
PYRUN_PYTHON=$SEALED/bin/python3
HOST_PYTHON=$(readlink -f /usr/bin/python3)
if ! cmp -s "$HOST_PYTHON" "$PYRUN_PYTHON"; then
  mkdir -p "$SEALED/bin"
  printf 'home = /usr/bin\ninclude-system-site-packages = false\n' >"$SEALED/pyvenv.cfg"
  cp "$HOST_PYTHON" "$PYRUN_PYTHON.new"
  if [ -e "$PYRUN_PYTHON" ]; then
    while mountpoint -q "$PYRUN_PYTHON"; do umount -l "$PYRUN_PYTHON"; done   # busy while pyrun runs
    chattr -i "$PYRUN_PYTHON" 2>/dev/null || true
  fi
  mv -f "$PYRUN_PYTHON.new" "$PYRUN_PYTHON"   # a rename: running copies keep the old file
fi
seal_of() {   # what runtime/sealed_exe.py sees: read-only, immutable or None
  .venv/bin/python3 -I -c 'import os, sys; sys.path.insert(0, os.getcwd())
from runtime.sealed_exe import seal_of
print(seal_of(os.open(sys.argv[1], os.O_RDONLY)))' "$PYRUN_PYTHON"
}
chattr +i "$PYRUN_PYTHON" 2>/dev/null || true   # refused where the filesystem has no such flag
if [ "$(seal_of)" != read-only ]; then
  while mountpoint -q "$PYRUN_PYTHON"; do umount -l "$PYRUN_PYTHON"; done   # a bind left writable
  { mount --bind "$PYRUN_PYTHON" "$PYRUN_PYTHON" && mount -o remount,bind,ro "$PYRUN_PYTHON"; } 2>/dev/null \
    || echo "setup: WARNING: cannot bind $PYRUN_PYTHON read-only (no CAP_SYS_ADMIN here?): pyrun's" \
            "first create or exec will, or else run every one from a sealed copy, slower" >&2
fi

# The launcher: the sealed interpreter above, in isolated mode without the site module (-I -S: site
# and Debian's sitecustomize cost 5-10 ms a call), the checkout and the venv's packages put on
# sys.path by hand. podman's cleanup runs pyrun with no PATH and no HOME; nothing here needs them.
SITE_PACKAGES=$(.venv/bin/python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
cat > .venv/bin/pyrun <<LAUNCHER
#!$PYRUN_PYTHON -IS
import gc
gc.disable()   # before the imports: the collections they set off cost every command ~0.15 ms (see runtime.cli.run)
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
