"""The pure cgroup v2 test VM: run a command (the cgroupv2-marked tests) in a qemu guest booted with
cgroup_no_v1=all over this very checkout and venv. See docs/testing-cgroupv2.md.

run.py boots and talks to the guest, cache.py fetches the kernel and builds the initramfs,
guest_init.sh is the guest's PID 1, host.py tells a pure v2 host from the others.
"""
