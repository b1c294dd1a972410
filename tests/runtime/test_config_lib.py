"""Helpers for the test_config_* files (no tests here): bundles on a cheap copy of the busybox
rootfs, running a shell script in a container, and host-side views (namespace inodes, mountinfo)
to check what the container really got.

The rootfs copy hard-links files (cp -al: ~10x cheaper than cp -a); directories are real, so
mount targets and devices made in it never reach the session's template. Tests must not write
into files that came with the rootfs (busybox, /etc/passwd, /etc/group).
"""

import json
import os
import subprocess

import pytest

from spec.defaults import default_config
from testlib import leftovers

IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="needs root (namespaces, mounts, devices)")


class Bundle:
    """A bundle directory: config (a dict, written by save()), rootfs, and the path."""

    def __init__(self, path, config):
        self.path = path
        self.config = config
        self.rootfs = os.path.join(path, "rootfs")

    @property
    def linux(self):
        return self.config.setdefault("linux", {})

    @property
    def process(self):
        return self.config["process"]

    def save(self):
        with open(os.path.join(self.path, "config.json"), "w") as f:
            json.dump(self.config, f, indent=2)
        return self

    def script(self, script):
        self.config["process"]["args"] = ["sh", "-c", script]
        return self.save()

    def add_mount(self, destination, type_, source, options=None):
        entry = {"destination": destination, "type": type_, "source": source}
        if options is not None:
            entry["options"] = list(options)
        self.config["mounts"].append(entry)
        return entry

    def namespaces(self):
        return {ns["type"]: ns for ns in self.linux["namespaces"]}


@pytest.fixture
def bundle(tmp_path, rootfs_template):
    """bundle(script=None) -> Bundle: runc's default spec, terminal off, writable rootfs."""
    counter = [0]

    def make(script=None):
        counter[0] += 1
        path = str(tmp_path / f"bundle{counter[0]}")
        os.makedirs(path)
        subprocess.run(["cp", "-al", rootfs_template, os.path.join(path, "rootfs")], check=True)
        config = default_config()
        config["process"]["terminal"] = False
        config["process"]["args"] = ["true"]
        config["root"]["readonly"] = False
        b = Bundle(path, config)
        if script is not None:
            b.script(script)
        return b.save()

    return make


def run(rt, b, *extra, check=True, **kwargs):
    """`rt run` the bundle in the foreground; returns the CompletedProcess."""
    b.save()
    return rt("run", *extra, "-b", b.path, rt.new_id(), check=check, **kwargs)


def out(rt, b, script, *extra):
    """Run script in the bundle's container; its stdout, after asserting it exited 0."""
    b.script(script)
    return run(rt, b, *extra).stdout


def failed(rt, b):
    """Run a bundle expected to fail to create; the CompletedProcess, after checking nothing remains."""
    b.save()
    cid = rt.new_id()
    proc = rt("run", "-b", b.path, cid, check=False)
    assert proc.returncode != 0, f"expected a failure, got: {proc.stdout}"
    assert not os.path.exists(os.path.join(rt.root, cid)), "a failed create left its state directory"
    for hierarchy in ("pids", "cpu", "devices", "freezer", "unified"):
        assert not os.path.exists(f"/sys/fs/cgroup/{hierarchy}/{cid}"), f"a failed create left its {hierarchy} cgroup"
    assert not processes_with(cid), "a failed create left a process behind"
    assert leftovers(rt, cid, b) == []   # and no mount of the bundle, nor a cgroup anywhere
    return proc


def processes_with(word):
    """pids whose command line mentions word (the runtime's forks keep its command line)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                if word.encode() in f.read():
                    found.append(int(name))
        except OSError:
            continue
    return found


class Created:
    """A container made with `create` (its init waits on the exec fifo): the host looks at it."""

    def __init__(self, rt, b, *extra):
        b.save()
        self.rt = rt
        self.id = rt.new_id()
        rt("create", *extra, "-b", b.path, self.id)
        self.pid = rt.state(self.id)["pid"]

    def ns_inode(self, name):
        return os.stat(f"/proc/{self.pid}/ns/{name}").st_ino

    def mountinfo(self):
        return parse_mountinfo(f"/proc/{self.pid}/mountinfo")

    def nsenter(self, *args, ns=("-m",)):
        return subprocess.run(["nsenter", "-t", str(self.pid), *ns, *args], capture_output=True,
                              text=True, check=True).stdout

    def delete(self):
        self.rt("delete", "--force", self.id, check=False)


def host_ns_inode(name):
    return os.stat(f"/proc/self/ns/{name}").st_ino


class MountInfo:
    """One line of /proc/PID/mountinfo."""

    def __init__(self, line):
        left, _, right = line.rstrip("\n").partition(" - ")
        fields = left.split()
        self.id, self.parent = int(fields[0]), int(fields[1])
        self.root, self.mountpoint, self.options = fields[3], fields[4], set(fields[5].split(","))
        self.optional = fields[6:]
        parts = right.split()
        self.fstype, self.source = parts[0], parts[1]
        self.super_options = set(parts[2].split(",")) if len(parts) > 2 else set()

    def tagged(self, tag):
        """The optional fields starting with tag ('shared:', 'master:')."""
        return [f for f in self.optional if f.startswith(tag)]


def parse_mountinfo(path_or_text):
    if "\n" in path_or_text or " - " in path_or_text:
        text = path_or_text
    else:
        with open(path_or_text) as f:
            text = f.read()
    return [MountInfo(line) for line in text.splitlines() if line.strip()]


def mount_at(infos, mountpoint):
    """The top mount at mountpoint (the last one listed)."""
    found = [m for m in infos if m.mountpoint == mountpoint]
    assert found, f"no mount at {mountpoint}: {[m.mountpoint for m in infos]}"
    return found[-1]


def status_field(text, name):
    for line in text.splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"{name} not in {text!r}")


@pytest.fixture
def shared_tmpfs(tmp_path):
    """A host tmpfs made a shared mount (the host's "/" is private here, which would hide what
    propagation options do). It and everything below it are unmounted afterwards."""
    where = str(tmp_path / "shared")
    os.makedirs(where)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", where], check=True)
    subprocess.run(["mount", "--make-shared", where], check=True)
    yield where
    subprocess.run(["umount", "-R", "-l", where], check=False)


@pytest.fixture
def host_mount():
    """host_mount(fstype, target, *options): a mount on the host, unmounted afterwards."""
    made = []

    def mount(fstype, target, *options):
        cmd = ["mount", "-t", fstype] + (["-o", ",".join(options)] if options else []) + [fstype, target]
        subprocess.run(cmd, check=True)
        made.append(target)
        return target

    yield mount
    for target in reversed(made):
        subprocess.run(["umount", "-l", target], check=False)
