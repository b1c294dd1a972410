#!/bin/busybox sh
# PID 1 of the cgroup v2 test VM (the initramfs's /init, run by busybox-static's shell).
#
# Stage 1 (in the initramfs): load the boot modules, mount the host's / (virtio-9p, read-only)
# under a tmpfs overlay, mount proc/sys/dev/tmp/run/cgroup2 in it and switch_root there.
# Stage 2 (in the new root, as "init stage2"): enable every cgroup v2 controller, move itself into
# /sys/fs/cgroup/init, overlay back the host dirs that the guest's tmpfs mounts hide and the job
# needs, run the host's job script with stdout/stderr on virtio-serial ports, report its exit
# status on the status port and power off.
#
# Kernel command line: pyrunvm.job=<host dir holding job.sh and expose> pyrunvm.modules=<host lib/modules>
# The status port carries one line per event: "boot" once the ports work, "start" just before the
# job runs (the host's boot watchdog waits for it), "exit N" after it, or "fail WHY".

BB=/bin/busybox
STAGE=${1:-stage1}

find_ports() {
    for p in /sys/class/virtio-ports/*; do
        [ -e "$p/name" ] || continue
        case "$($BB cat "$p/name")" in
            pyrun.stdout) OUT=/dev/${p##*/} ;;
            pyrun.stderr) ERR=/dev/${p##*/} ;;
            pyrun.status) STATUS=/dev/${p##*/} ;;
        esac
    done
}

fail() {
    echo "pyrun-vm: $*" >&2   # PID 1's stderr is the console (ttyS0)
    # Once stage 1 has moved /dev into the new root, the port is there.
    for port in "$STATUS" "/newroot$STATUS"; do
        [ -n "$STATUS" ] && [ -c "$port" ] && { echo "fail $*" >"$port"; break; }
    done
    $BB sync
    $BB poweroff -f
    $BB reboot -f
}

arg() {  # the value of pyrunvm.$1= on the kernel command line
    for word in $($BB cat /proc/cmdline); do
        case "$word" in "pyrunvm.$1="*) echo "${word#*=}"; return ;; esac
    done
}

if [ "$STAGE" = stage1 ]; then
    export PATH=/bin
    $BB mount -t proc proc /proc
    $BB mount -t sysfs sysfs /sys
    $BB mount -t devtmpfs devtmpfs /dev
    while read -r module; do
        $BB insmod "/modules/$module" || fail "insmod $module"
    done </modules/order
    # The port names arrive from the host asynchronously after virtio_console binds.
    tries=0
    while :; do
        find_ports
        [ -n "$OUT" ] && [ -n "$ERR" ] && [ -n "$STATUS" ] && [ -e "$STATUS" ] && break
        tries=$((tries + 1))
        [ $tries -gt 500 ] && fail "virtio-serial ports did not appear"
        $BB sleep 0.01
    done
    echo boot >"$STATUS"

    JOB=$(arg job)
    MODULES=$(arg modules)
    [ -n "$JOB" ] || fail "no pyrunvm.job= on the kernel command line"
    $BB mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower \
        || fail "mount 9p hostroot"
    $BB mount -t tmpfs -o mode=0755 upper /upper || fail "mount upper tmpfs"
    $BB mkdir -p /upper/data /upper/work
    $BB mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work overlay /newroot \
        || fail "mount overlay root"
    R=/newroot
    # Read the job now: the guest's own /tmp tmpfs will hide the host's.
    $BB cp "/lower$JOB/job.sh" /job.sh || fail "read $JOB/job.sh"
    $BB cp "/lower$JOB/expose" /expose || fail "read $JOB/expose"
    for d in proc sys dev; do $BB mount --move /$d $R/$d || fail "move /$d"; done
    $BB mkdir -p $R/dev/pts $R/dev/shm
    $BB mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts $R/dev/pts || fail "mount devpts"
    $BB mount -t tmpfs -o mode=1777 shm $R/dev/shm
    # Separate tmpfs mounts, not the overlay: overlayfs refuses an upperdir on an overlay, and
    # container scratch space (TMPDIR) needs to host one.
    for d in tmp var/tmp; do $BB mount -t tmpfs -o mode=1777 tmpfs $R/$d || fail "mount $d"; done
    $BB mount -t tmpfs -o mode=0755 run $R/run || fail "mount /run"
    $BB mount -t cgroup2 -o nsdelegate cgroup2 $R/sys/fs/cgroup || fail "mount cgroup2"
    if [ -n "$MODULES" ] && [ -d "$R$MODULES" ]; then
        $BB mkdir -p $R/lib/modules
        $BB mount --bind "$R$MODULES" $R/lib/modules
    fi
    $BB mkdir -p $R/run/pyrun-vm/host
    $BB cp /bin/busybox /init /job.sh /expose $R/run/pyrun-vm/
    # The host's / as it is, read-only, for the host paths a guest tmpfs hides (see stage 2).
    $BB mount --bind /lower $R/run/pyrun-vm/host || fail "bind the host root"
    exec $BB switch_root $R /run/pyrun-vm/busybox sh /run/pyrun-vm/init stage2
    fail "switch_root"
fi

# Stage 2: the host's / (writable overlay) is the root now.
BB=/run/pyrun-vm/busybox
find_ports
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
$BB hostname pyrun-vm
$BB ip link set lo up 2>/dev/null
# loop devices for io.max tests; the kernel's own module autoloading uses the host's /sbin/modprobe
# with the guest kernel's modules bind-mounted at /lib/modules.
/sbin/modprobe loop 2>/dev/null
# Every controller enabled for the root's children, as systemd does; the root itself then holds no
# process of ours (the "no internal processes" rule applies to every other cgroup).
cd /sys/fs/cgroup || fail "no /sys/fs/cgroup"
for c in $($BB cat cgroup.controllers); do echo "+$c" >cgroup.subtree_control; done
$BB mkdir -p init
echo $$ >init/cgroup.procs || fail "move init into /sys/fs/cgroup/init"
# Host paths under the guest's own tmpfs mounts (a cwd in the host's /tmp, say) get the host's
# content back: an overlay of the read-only host directory with a tmpfs upper, same path.
n=0
while read -r path; do
    [ -n "$path" ] || continue
    n=$((n + 1))
    scratch=/run/pyrun-vm/expose.d/$n
    $BB mkdir -p $scratch/upper $scratch/work "$path"
    $BB mount -t overlay -o "lowerdir=/run/pyrun-vm/host$path,upperdir=$scratch/upper,workdir=$scratch/work" \
        overlay "$path" || fail "expose the host's $path"
done </run/pyrun-vm/expose
# pyrun's interpreter is bound read-only over itself on the host (setup.sh); 9p shows the file
# without that mount. Bind it here too, as pyrun's first create would (runtime/sealed_exe.py).
PYRUN_PYTHON=/usr/local/lib/pyrun/bin/python3
if [ -f $PYRUN_PYTHON ]; then
    $BB mount --bind $PYRUN_PYTHON $PYRUN_PYTHON && $BB mount -o remount,bind,ro $PYRUN_PYTHON $PYRUN_PYTHON \
        || fail "seal $PYRUN_PYTHON"
fi
cd /
echo start >"$STATUS"
$BB sh /run/pyrun-vm/job.sh </dev/null >"$OUT" 2>"$ERR"
echo "exit $?" >"$STATUS"
$BB sync
$BB poweroff -f
$BB reboot -f
