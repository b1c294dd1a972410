"""Bundles for conformance cases: a busybox-static rootfs (the probe) and a config dict to edit.

The harness does not import pyrun's runtime: the starting config is the runtime-spec's usual Linux
container (the one `runc spec` writes, from spec/defaults.py, the project's shared spec model) with
terminal off, a writable root, and a unique cgroupsPath so the harness can find and remove the
cgroups afterwards.
"""

import copy
import json
import os
import shutil
import subprocess
import uuid

from spec.defaults import default_config

BUSYBOX = "/bin/busybox"
PROBE_DIRS = ("bin", "sbin", "etc", "proc", "sys", "dev", "tmp", "root", "usr/bin", "var", "run", "home", "mnt")

def _base_config():
    """runc's default Linux container (spec.defaults, shared with pyrun and pyrun-image), made
    neutral for a harness: no terminal, a writable root, no cgroup namespace or cgroup mount (the
    cgroup cases add what they test)."""
    config = default_config()
    config["process"]["terminal"] = False
    config["process"]["args"] = ["true"]
    config["root"]["readonly"] = False
    config["hostname"] = "conformance"
    config["mounts"] = [m for m in config["mounts"] if m["type"] != "cgroup"]
    linux = config["linux"]
    linux["namespaces"] = [ns for ns in linux["namespaces"] if ns["type"] != "cgroup"]
    return config


BASE_CONFIG = _base_config()


def base_config():
    return copy.deepcopy(BASE_CONFIG)


def _applets(cache_dir):
    """busybox's applet list, cached in cache_dir (one call per run, not per bundle)."""
    cache = os.path.join(cache_dir, "busybox-applets")
    try:
        with open(cache) as f:
            return f.read().split()
    except FileNotFoundError:
        pass
    names = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout.split()
    os.makedirs(cache_dir, exist_ok=True)
    # Not the pid for uniqueness: every worker is pid 1 of its own pid namespace.
    tmp = f"{cache}.{uuid.uuid4().hex}"
    with open(tmp, "w") as f:
        f.write("\n".join(names))
    os.replace(tmp, cache)
    return names


def build_probe_rootfs(dest, cache_dir):
    """A minimal rootfs at dest: busybox-static (the probe) with its applet links, passwd and group."""
    if not os.path.exists(BUSYBOX):
        raise FileNotFoundError(f"{BUSYBOX} is missing: install busybox-static (the in-container probe)")
    for d in PROBE_DIRS:
        os.makedirs(os.path.join(dest, d), exist_ok=True)
    os.chmod(os.path.join(dest, "tmp"), 0o1777)
    shutil.copy2(BUSYBOX, os.path.join(dest, "bin", "busybox"))
    for applet in _applets(cache_dir):
        link = os.path.join(dest, "bin", applet)
        if applet != "busybox" and not os.path.lexists(link):
            os.symlink("busybox", link)
    with open(os.path.join(dest, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                "user:x:1000:1000:user:/home:/bin/sh\n")
    with open(os.path.join(dest, "etc", "group"), "w") as f:
        f.write("root:x:0:\ntty:x:5:\nnogroup:x:65534:\nuser:x:1000:\nextra:x:1001:user\n")
    return dest


class Bundle:
    """A bundle directory: `config` is a dict written to config.json by save(); `rootfs` the probe rootfs."""

    def __init__(self, path, config):
        self.path = path
        self.config = config
        self.rootfs = os.path.join(path, "rootfs")

    # -- the parts of the config a case touches most
    @property
    def process(self):
        return self.config["process"]

    @property
    def linux(self):
        return self.config.setdefault("linux", {})

    @property
    def resources(self):
        return self.linux.setdefault("resources", {})

    def args(self, *args):
        self.process["args"] = list(args)
        return self

    def sh(self, script):
        """Run a shell script (busybox sh) as the container process."""
        return self.args("sh", "-c", script)

    def env(self, name, value):
        self.process["env"] = [e for e in self.process.get("env", []) if not e.startswith(name + "=")]
        self.process["env"].append(f"{name}={value}")
        return self

    def namespace(self, ns_type, path=None):
        """Ask for a namespace of ns_type (new, or joined when path is given)."""
        nss = [n for n in self.linux.setdefault("namespaces", []) if n["type"] != ns_type]
        entry = {"type": ns_type}
        if path:
            entry["path"] = path
        nss.append(entry)
        self.linux["namespaces"] = nss
        return self

    def drop_namespace(self, ns_type):
        self.linux["namespaces"] = [n for n in self.linux.get("namespaces", []) if n["type"] != ns_type]
        return self

    def has_namespace(self, ns_type):
        return any(n["type"] == ns_type for n in self.linux.get("namespaces", []))

    def mount(self, destination, type, source, options=None, **extra):
        m = {"destination": destination, "type": type, "source": source}
        if options is not None:
            m["options"] = list(options)
        m.update(extra)
        self.config.setdefault("mounts", []).append(m)
        return self

    def drop_mount(self, destination):
        self.config["mounts"] = [m for m in self.config.get("mounts", []) if m["destination"] != destination]
        return self

    def hook(self, kind, path, args=None, env=None, timeout=None):
        h = {"path": path}
        if args is not None:
            h["args"] = list(args)
        if env is not None:
            h["env"] = list(env)
        if timeout is not None:
            h["timeout"] = timeout
        self.config.setdefault("hooks", {}).setdefault(kind, []).append(h)
        return self

    def write(self, relpath, text, mode=0o644):
        """Write a file at `relpath` inside the rootfs, making its directories."""
        dest = os.path.normpath(os.path.join(self.rootfs, relpath.lstrip("/")))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w") as f:
            f.write(text)
        os.chmod(dest, mode)
        return dest

    def save(self):
        with open(os.path.join(self.path, "config.json"), "w") as f:
            json.dump(self.config, f, indent=2)
        return self
