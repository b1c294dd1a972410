"""Helpers for the pyrun-image tests: hand-made layer tars and OCI layouts, a real registry
(Debian's docker-registry) on 127.0.0.1, and a file-by-file comparison of two rootfs trees."""

import gzip
import hashlib
import io
import json
import os
import re
import socket
import stat
import subprocess
import tarfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYRUN_IMAGE = os.path.join(ROOT, ".venv", "bin", "pyrun-image")


def run_image(store, *args, check=True, **kwargs):
    """Run the pyrun-image command with a private store."""
    proc = subprocess.run([PYRUN_IMAGE, "--store", str(store), *map(str, args)], capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL, **kwargs)
    if check and proc.returncode != 0:
        raise AssertionError(f"pyrun-image {' '.join(map(str, args))} exited {proc.returncode}\n"
                             f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
    return proc


# -- hand-made layers and layouts ----------------------------------------------------------------
def entry(name, kind="file", data=b"", mode=None, linkname="", uid=0, gid=0, mtime=1_600_000_000,
          devmajor=0, devminor=0, xattrs=None):
    info = tarfile.TarInfo(name)
    info.type = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                 "hardlink": tarfile.LNKTYPE, "char": tarfile.CHRTYPE, "block": tarfile.BLKTYPE,
                 "fifo": tarfile.FIFOTYPE}[kind]
    info.mode = mode if mode is not None else (0o755 if kind == "dir" else 0o644)
    info.linkname, info.uid, info.gid, info.mtime = linkname, uid, gid, mtime
    info.devmajor, info.devminor = devmajor, devminor
    if xattrs:
        info.pax_headers = {f"SCHILY.xattr.{k}": v for k, v in xattrs.items()}
    info.size = len(data) if kind == "file" else 0
    return info, data if kind == "file" else None


def layer_tar(entries):
    """Uncompressed tar bytes of [entry(...)] in order."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def compress(data, how):
    if how == "gzip":
        return gzip.compress(data, 6, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip"
    if how == "zstd":
        import zstandard
        return zstandard.ZstdCompressor().compress(data), "application/vnd.oci.image.layer.v1.tar+zstd"
    return data, "application/vnd.oci.image.layer.v1.tar"


def _blob(layout, data):
    digest = sha(data)
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(layout, "blobs", "sha256", digest[7:]), "wb") as f:
        f.write(data)
    return {"digest": digest, "size": len(data)}


def image_manifest(layout, layers, config=None, arch="amd64", compression="gzip"):
    """Write config + layers + manifest blobs; returns the manifest descriptor."""
    layer_descs, diff_ids = [], []
    for tar in layers:
        how = compression
        if isinstance(tar, tuple):
            tar, how = tar
        data, media = compress(tar, how)
        layer_descs.append({"mediaType": media, **_blob(layout, data)})
        diff_ids.append(sha(tar))
    cfg = {"architecture": arch, "os": "linux", "config": config or {"Cmd": ["/bin/sh"]},
           "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    cfg_desc = {"mediaType": "application/vnd.oci.image.config.v1+json",
                **_blob(layout, json.dumps(cfg).encode())}
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": cfg_desc, "layers": layer_descs}
    return {"mediaType": manifest["mediaType"], **_blob(layout, json.dumps(manifest).encode()),
            "platform": {"architecture": arch, "os": "linux"}}


def write_layout(layout, descriptors, tag="latest"):
    """index.json naming each descriptor (or one index of them when several are given)."""
    os.makedirs(layout, exist_ok=True)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    if len(descriptors) > 1:
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                 "manifests": descriptors}
        top = {"mediaType": index["mediaType"], **_blob(layout, json.dumps(index).encode())}
    else:
        top = dict(descriptors[0])
        top.pop("platform", None)
    top["annotations"] = {"org.opencontainers.image.ref.name": tag}
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [top]}, f)
    return layout


# -- the registry --------------------------------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Registry:
    """docker-registry serving on 127.0.0.1 from a temp dir; optional htpasswd auth, TLS, token auth."""

    def __init__(self, workdir, htpasswd=None, tls=None, token=None):
        self.workdir = str(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.log_path = os.path.join(self.workdir, "registry.log")
        lines = ["version: 0.1", "log:", "  level: info", "storage:", "  filesystem:",
                 f"    rootdirectory: {self.workdir}/data", "  delete:", "    enabled: true",
                 "http:", f"  addr: {self.host}"]
        if tls:
            lines += ["  tls:", f"    certificate: {tls[0]}", f"    key: {tls[1]}"]
        if htpasswd:
            lines += ["auth:", "  htpasswd:", "    realm: test-realm", f"    path: {htpasswd}"]
        if token:
            lines += ["auth:", "  token:", f"    realm: {token['realm']}", f"    service: {token['service']}",
                      f"    issuer: {token['issuer']}", f"    rootcertbundle: {token['cert']}"]
        self.config = os.path.join(self.workdir, "config.yml")
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(["docker-registry", "serve", self.config], stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"docker-registry did not start: {open(self.log_path).read()[-2000:]}")

    def requests(self):
        """[(method, path, status, bytes written)] from the access log, in order."""
        self.log.flush()
        out = []
        with open(self.log_path) as f:
            for line in f:
                m = re.search(r'"(GET|HEAD|PUT|POST|PATCH|DELETE) (\S+) HTTP/[\d.]+" (\d+) (\d+|-)', line)
                if m:
                    out.append((m[1], m[2], int(m[3]), int(m[4]) if m[4] != "-" else 0))
        return out

    def blob_gets(self, since=0):
        return [r for r in self.requests()[since:] if r[0] == "GET" and "/blobs/" in r[1]]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# -- comparing trees -----------------------------------------------------------------------------
def tree(root, dir_times=True):
    """{relative path: (type, mode, uid, gid, content hash or link target, mtime, xattrs, rdev, nlink)}."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            rel = os.path.relpath(path, root)
            kind = stat.S_IFMT(st.st_mode)
            content = None
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    content = hashlib.sha256(f.read()).hexdigest()
            elif stat.S_ISLNK(st.st_mode):
                content = os.readlink(path)
            try:
                xattrs = {k: os.getxattr(path, k, follow_symlinks=False)
                          for k in os.listxattr(path, follow_symlinks=False)}
            except OSError:
                xattrs = {}
            out[rel] = (kind, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, content,
                        int(st.st_mtime) if dir_times or not stat.S_ISDIR(st.st_mode) else None, xattrs, st.st_rdev,
                        st.st_nlink if not stat.S_ISDIR(st.st_mode) else None)
    return out


def diff_trees(a, b, dir_times=True):
    ta, tb = tree(a, dir_times), tree(b, dir_times)
    problems = [f"only in {a}: {p}" for p in sorted(set(ta) - set(tb))]
    problems += [f"only in {b}: {p}" for p in sorted(set(tb) - set(ta))]
    problems += [f"differs: {p}: {ta[p]} != {tb[p]}" for p in sorted(set(ta) & set(tb)) if ta[p] != tb[p]]
    return problems


class SlowProxy:
    """A TCP proxy on 127.0.0.1 that passes the server's bytes on slowly (chunk every delay seconds),
    so a test can stop a download half way."""

    def __init__(self, target_port, chunk=32768, delay=0.03):
        import threading
        self.target_port, self.chunk, self.delay = target_port, chunk, delay
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.host = f"127.0.0.1:{self.port}"
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import threading
        while not self.stopped:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pipe, args=(client, server, 0), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, self.delay), daemon=True).start()

    def _pipe(self, src, dst, delay):
        try:
            while data := src.recv(self.chunk):
                dst.sendall(data)
                if delay:
                    time.sleep(delay)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self):
        self.stopped = True
        self.sock.close()
