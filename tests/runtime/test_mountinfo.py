"""runtime.mountinfo: the fields of a mountinfo line (proc(5)), escapes undone."""

from runtime import mountinfo

LINES = (
    "36 35 98:0 /mnt1 /mnt\\0402 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n"
    "40 1 0:35 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
    "41 1 0:36 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n"
)


def test_fields_and_escapes(tmp_path):
    path = tmp_path / "mountinfo"
    path.write_text(LINES)
    first, cpu, unified = mountinfo.mounts(str(path))
    assert (first.root, first.point, first.optional) == ("/mnt1", "/mnt 2", ["master:1"])
    assert (first.fstype, first.source, first.super_options) == ("ext3", "/dev/root", "rw,errors=continue")
    assert (cpu.point, cpu.optional, cpu.fstype, cpu.super_options) == \
        ("/sys/fs/cgroup/cpu,cpuacct", ["shared:9"], "cgroup", "rw,cpu,cpuacct")
    assert (unified.root, unified.optional, unified.fstype) == ("/", [], "cgroup2")


def test_this_process_sees_its_root():
    assert any(m.point == "/" for m in mountinfo.mounts())
