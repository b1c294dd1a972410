"""Pull and push against a real registry (Debian's docker-registry on 127.0.0.1): OCI and Docker
schema-2 manifests, indexes and --platform, no layer fetched twice, resuming a half-done pull,
digest verification, and auth (htpasswd basic over TLS with a self-signed cert)."""

import json
import os
import subprocess
import warnings

import pytest

from imagelib import Registry, entry, image_manifest, layer_tar, run_image, write_layout

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the test image keeps owners)")


def _skopeo_push(layout, tag, registry, repo, *extra):
    subprocess.run(["skopeo", "copy", "-q", *extra, f"oci:{layout}:{tag}", f"docker://{registry.host}/{repo}",
                    "--dest-tls-verify=false"], check=True, capture_output=True, timeout=60)


def _layer_digests(store, name):
    info = json.loads(run_image(store, "inspect", name).stdout)
    return [layer["digest"] for layer in info["manifest"]["layers"]], info


@needs_root
def test_pull_unpack_run_and_second_pull_fetches_no_layer(umoci_layout, registry, store, tmp_path, runc):
    _skopeo_push(umoci_layout, "v1", registry, "t/busybox:v1")
    ref = f"{registry.host}/t/busybox:v1"
    mark = len(registry.requests())
    out = run_image(store, "pull", "--insecure", ref).stdout
    assert out.startswith(ref + " sha256:")
    layers, info = _layer_digests(store, ref)
    fetched = {r[1].rsplit("/", 1)[1] for r in registry.blob_gets(mark)}
    assert fetched == set(layers) | {info["manifest"]["config"]["digest"]}
    assert len(registry.blob_gets(mark)) == len(fetched)              # each blob once
    # Again: the manifest is asked for, no blob is.
    mark = len(registry.requests())
    run_image(store, "pull", "--insecure", ref)
    assert registry.blob_gets(mark) == []
    assert any("/manifests/v1" in r[1] for r in registry.requests()[mark:])
    run_image(store, "unpack", ref, tmp_path / "bundle")
    out = runc("run", "--bundle", str(tmp_path / "bundle"), runc.new_id()).stdout
    assert "hello from layer 2" in out and "uid=1000(user)" in out


@needs_root
def test_interrupted_pull_resumes_where_it_stopped(umoci_layout, registry, store, tmp_path):
    _skopeo_push(umoci_layout, "v1", registry, "t/resume:v1")
    ref = f"{registry.host}/t/resume:v1"
    run_image(store, "pull", "--insecure", ref)
    layers, _ = _layer_digests(store, ref)
    big = max(layers, key=lambda d: os.path.getsize(store / "blobs" / "sha256" / d[7:]))
    blob = store / "blobs" / "sha256" / big[7:]
    data = blob.read_bytes()
    # The state a pull killed half way through this layer leaves: a partial ingest file, no blob.
    blob.unlink()
    (store / "ingest" / f"{big[7:]}.partial").write_bytes(data[: len(data) // 2])
    mark = len(registry.requests())
    run_image(store, "pull", "--insecure", ref)
    gets = registry.blob_gets(mark)
    assert [(g[1].rsplit("/", 1)[1], g[2], g[3]) for g in gets] == [(big, 206, len(data) - len(data) // 2)]
    assert blob.read_bytes() == data
    assert os.listdir(store / "ingest") == []


@needs_root
def test_corrupt_partial_download_is_not_stored(umoci_layout, registry, store):
    _skopeo_push(umoci_layout, "v1", registry, "t/corrupt:v1")
    ref = f"{registry.host}/t/corrupt:v1"
    run_image(store, "pull", "--insecure", ref)
    layers, _ = _layer_digests(store, ref)
    blob = store / "blobs" / "sha256" / layers[-1][7:]
    size = blob.stat().st_size
    blob.unlink()
    (store / "ingest" / f"{layers[-1][7:]}.partial").write_bytes(b"\0" * (size // 2))
    proc = run_image(store, "pull", "--insecure", ref, check=False)
    assert proc.returncode == 1 and layers[-1] in proc.stderr and "hashes to" in proc.stderr
    assert not blob.exists() and os.listdir(store / "ingest") == []
    run_image(store, "pull", "--insecure", ref)             # the next pull starts that blob afresh
    assert blob.stat().st_size == size


@needs_root
def test_docker_schema2_manifest(umoci_layout, registry, store, tmp_path):
    _skopeo_push(umoci_layout, "v1", registry, "t/docker:v1", "--format", "v2s2")
    ref = f"{registry.host}/t/docker:v1"
    run_image(store, "pull", "--insecure", ref)
    _, info = _layer_digests(store, ref)
    assert info["manifest"]["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"
    run_image(store, "unpack", ref, tmp_path / "bundle")
    assert (tmp_path / "bundle" / "rootfs" / "etc" / "motd").read_text() == "hello from layer 2\n"


def test_index_platform_selection_and_push(registry, store, tmp_path):
    """pyrun-image push of a multi-platform index; pull picks linux/amd64 or --platform."""
    layout = str(tmp_path / "layout")
    descs = [image_manifest(layout, [layer_tar([entry("arch", "file", arch.encode())])], arch=arch)
             for arch in ("arm64", "amd64")]
    write_layout(layout, descs, tag="multi")
    run_image(store, "import", layout, "--name", "local/multi:1")
    ref = f"{registry.host}/t/multi:1"
    run_image(store, "push", "--insecure", "local/multi:1", ref)
    # skopeo sees what was pushed: an index with both platforms.
    raw = subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false", f"docker://{ref}"],
                         check=True, capture_output=True, text=True).stdout
    assert {m["platform"]["architecture"] for m in json.loads(raw)["manifests"]} == {"amd64", "arm64"}
    for platform, want in ((None, b"amd64"), ("linux/arm64", b"arm64")):
        s = tmp_path / f"store-{want.decode()}"
        run_image(s, "pull", "--insecure", ref, *(["--platform", platform] if platform else []))
        bundle = tmp_path / f"bundle-{want.decode()}"
        run_image(s, "unpack", ref, bundle)
        assert (bundle / "rootfs" / "arch").read_bytes() == want
    proc = run_image(tmp_path / "s3", "pull", "--insecure", ref, "--platform", "linux/s390x", check=False)
    assert proc.returncode == 1 and "linux/s390x" in proc.stderr
    # A single-platform manifest is checked against --platform through its config.
    arm_digest = [m["digest"] for m in json.loads(raw)["manifests"] if m["platform"]["architecture"] == "arm64"][0]
    proc = run_image(tmp_path / "s4", "pull", "--insecure", f"{registry.host}/t/multi@{arm_digest}",
                     "--platform", "linux/amd64", check=False)
    assert proc.returncode == 1 and "linux/arm64, not linux/amd64" in proc.stderr
    out = run_image(tmp_path / "s4", "pull", "--insecure", f"{registry.host}/t/multi@{arm_digest}").stdout
    assert out.split() == [f"{registry.host}/t/multi@{arm_digest}", arm_digest]
    # A second push sends no blob again (HEAD finds them).
    mark = len(registry.requests())
    run_image(store, "push", "--insecure", "local/multi:1", ref)
    assert not [r for r in registry.requests()[mark:] if r[0] in ("POST", "PUT") and "/blobs/" in r[1]]


def test_pull_errors_name_the_culprit(registry, store):
    proc = run_image(store, "pull", "--insecure", f"{registry.host}/t/nope:v1", check=False)
    assert proc.returncode == 1 and "t/nope:v1" in proc.stderr and "MANIFEST_UNKNOWN" in proc.stderr
    proc = run_image(store, "pull", f"{registry.host}/t/nope:v1", check=False)      # https, registry is http
    assert proc.returncode == 1 and registry.host in proc.stderr
    proc = run_image(store, "pull", "Bad//Name", check=False)
    assert proc.returncode == 1 and "Bad//Name" in proc.stderr


# -- auth and TLS --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tls_auth_registry(tmp_path_factory):
    work = tmp_path_factory.mktemp("tls-registry")
    cert, key = str(work / "cert.pem"), str(work / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
    htpasswd = work / "htpasswd"
    htpasswd.write_text(f"alice:{crypt.crypt('s3cret', crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))}\n")
    reg = Registry(work / "reg", htpasswd=str(htpasswd), tls=(cert, key))
    reg.cert = cert
    yield reg
    reg.stop()


def test_tls_and_basic_auth(tls_auth_registry, store, tmp_path):
    reg = tls_auth_registry
    layout = str(tmp_path / "layout")
    write_layout(layout, [image_manifest(layout, [layer_tar([entry("secret", "file", b"s")])])])
    run_image(store, "import", layout, "--name", "local/secret:1")
    ref = f"{reg.host}/t/secret:1"
    # Pushing with credentials and the CA.
    run_image(store, "push", "--ca-cert", reg.cert, "--creds", "alice:s3cret", "local/secret:1", ref)
    # Untrusted certificate: refused, naming the registry.
    proc = run_image(tmp_path / "s1", "pull", "--creds", "alice:s3cret", ref, check=False)
    assert proc.returncode == 1 and "CERTIFICATE_VERIFY_FAILED" in proc.stderr and reg.host in proc.stderr
    # No credentials / wrong ones.
    proc = run_image(tmp_path / "s2", "pull", "--ca-cert", reg.cert, ref, check=False)
    assert proc.returncode == 1 and "requires credentials" in proc.stderr
    proc = run_image(tmp_path / "s3", "pull", "--ca-cert", reg.cert, "--creds", "alice:wrong", ref, check=False)
    assert proc.returncode == 1 and "401" in proc.stderr
    # Credentials from an auth file (docker config.json format).
    import base64
    authfile = tmp_path / "auth.json"
    authfile.write_text(json.dumps({"auths": {reg.host: {"auth": base64.b64encode(b"alice:s3cret").decode()}}}))
    run_image(tmp_path / "s4", "pull", "--ca-cert", reg.cert, "--authfile", authfile, ref)
    # --insecure skips verification of the self-signed certificate.
    run_image(tmp_path / "s5", "pull", "--insecure", "--creds", "alice:s3cret", ref)
    run_image(tmp_path / "s5", "unpack", ref, tmp_path / "bundle")
    assert (tmp_path / "bundle" / "rootfs" / "secret").read_bytes() == b"s"


# -- bearer tokens -------------------------------------------------------------------------------
class TokenServer:
    """A token server on 127.0.0.1 issuing RS256 JWTs (signed with openssl) the registry verifies:
    anonymous callers get pull on public/*, alice:s3cret gets pull and push everywhere."""

    def __init__(self, work):
        import base64
        import http.server
        import threading
        self.key, self.cert = str(work / "token.key"), str(work / "token.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                        "/CN=token-issuer", "-keyout", self.key, "-out", self.cert], check=True, capture_output=True)
        der = subprocess.run(["openssl", "x509", "-in", self.cert, "-outform", "DER"], check=True,
                             capture_output=True).stdout
        self.x5c = base64.b64encode(der).decode()
        self.issued = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                import urllib.parse
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                auth = self.headers.get("Authorization", "")
                user = None
                if auth.startswith("Basic "):
                    if base64.b64decode(auth[6:]) != b"alice:s3cret":
                        self.send_response(401)
                        self.end_headers()
                        return
                    user = "alice"
                access = []
                if query.get("scope"):
                    _, repo, actions = query["scope"].split(":")
                    allowed = ["pull", "push"] if user else (["pull"] if repo.startswith("public/") else [])
                    access = [{"type": "repository", "name": repo,
                               "actions": [a for a in actions.split(",") if a in allowed]}]
                token = server.sign(user or "", query.get("service", ""), access)
                server.issued.append((user, query.get("scope")))
                body = json.dumps({"token": token}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.realm = f"http://127.0.0.1:{self.httpd.server_address[1]}/token"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def sign(self, subject, service, access):
        import base64
        import time
        import uuid

        def b64(data):
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {"iss": "test-issuer", "sub": subject, "aud": service, "exp": now + 300, "nbf": now - 10,
                  "iat": now, "jti": uuid.uuid4().hex, "access": access}
        signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key], input=signing_input.encode(),
                             check=True, capture_output=True).stdout
        return f"{signing_input}.{b64(sig)}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def token_registry(tmp_path_factory):
    work = tmp_path_factory.mktemp("token-registry")
    tokens = TokenServer(work)
    reg = Registry(work / "reg", token={"realm": tokens.realm, "service": "test-registry",
                                        "issuer": "test-issuer", "cert": tokens.cert})
    reg.tokens = tokens
    yield reg
    reg.stop()
    tokens.stop()


def test_bearer_token_auth(token_registry, store, tmp_path):
    reg = token_registry
    layout = str(tmp_path / "layout")
    write_layout(layout, [image_manifest(layout, [layer_tar([entry("tok", "file", b"t")])])])
    run_image(store, "import", layout, "--name", "local/tok:1")
    # Anonymous tokens carry no push right: refused with the registry's reason.
    proc = run_image(store, "push", "--insecure", "local/tok:1", f"{reg.host}/public/tok:1", check=False)
    assert proc.returncode == 1 and ("UNAUTHORIZED" in proc.stderr or "DENIED" in proc.stderr), proc.stderr
    # With credentials the token server grants push.
    run_image(store, "push", "--insecure", "--creds", "alice:s3cret", "local/tok:1", f"{reg.host}/public/tok:1")
    run_image(store, "push", "--insecure", "--creds", "alice:s3cret", "local/tok:1", f"{reg.host}/private/tok:1")
    # Anonymous pull of a public repository works with an anonymous token.
    run_image(tmp_path / "anon", "pull", "--insecure", f"{reg.host}/public/tok:1")
    assert (None, "repository:public/tok:pull") in reg.tokens.issued
    # A private one needs credentials.
    proc = run_image(tmp_path / "anon2", "pull", "--insecure", f"{reg.host}/private/tok:1", check=False)
    assert proc.returncode == 1 and "private/tok" in proc.stderr
    run_image(tmp_path / "alice", "pull", "--insecure", "--creds", "alice:s3cret", f"{reg.host}/private/tok:1")
    proc = run_image(tmp_path / "bad", "pull", "--insecure", "--creds", "alice:nope", f"{reg.host}/private/tok:1",
                     check=False)
    assert proc.returncode == 1 and "refused the credentials" in proc.stderr


def _size_or_gone(path):
    """A .partial file's size, 0 if it was completed (renamed) since it was listed."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


@needs_root
def test_killed_pull_resumes_without_refetching(umoci_layout, registry, store, tmp_path):
    """A pull SIGKILLed in the middle of a layer; the next pull asks only for the missing bytes.
    Run under `script` (a terminal) it shows the layer's progress; without one it prints nothing."""
    import shutil
    import signal
    import time
    from imagelib import PYRUN_IMAGE, SlowProxy
    _skopeo_push(umoci_layout, "v1", registry, "t/killed:v1")
    proxy = SlowProxy(registry.port)
    try:
        proc = subprocess.Popen([PYRUN_IMAGE, "--store", str(store), "pull", "--insecure",
                                 f"{proxy.host}/t/killed:v1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        partial = None
        while time.monotonic() < deadline and proc.poll() is None:
            parts = [p for p in (store / "ingest").glob("*.partial")] if (store / "ingest").exists() else []
            big = [p for p in parts if _size_or_gone(p) > 200_000]
            if big:
                partial = big[0]
                break
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert partial is not None, "the pull finished before it could be interrupted"
    finally:
        proxy.stop()
    have = partial.stat().st_size
    digest = "sha256:" + partial.name.split(".")[0]
    assert not (store / "blobs" / "sha256" / digest[7:]).exists()
    stored_before = {f"sha256:{n}" for n in os.listdir(store / "blobs" / "sha256")}
    assert stored_before                                     # the config came before the layer
    mark = len(registry.requests())
    ref = f"{registry.host}/t/killed:v1"
    if shutil.which("script"):
        cmd = f"{PYRUN_IMAGE} --store {store} pull --insecure {ref}"
        out = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, text=True, timeout=60,
                             stdin=subprocess.DEVNULL).stdout
        assert digest[7:19] in out and " MB" in out          # the progress line of the resumed layer
    else:
        run_image(store, "pull", "--insecure", ref)
    gets = registry.blob_gets(mark)
    size = (store / "blobs" / "sha256" / digest[7:]).stat().st_size
    fetched = [(g[1].rsplit("/", 1)[1], g[2], g[3]) for g in gets]
    assert [f for f in fetched if f[0] == digest] == [(digest, 206, size - have)]
    assert not [f for f in fetched if f[0] in stored_before]         # nothing fetched twice
    assert len({f[0] for f in fetched}) == len(fetched)
    # Not a terminal: quiet.
    quiet = run_image(store, "pull", "--insecure", ref)
    assert quiet.stderr == ""


@needs_root
def test_concurrent_pulls_fetch_each_blob_once(umoci_layout, registry, store):
    from imagelib import PYRUN_IMAGE, SlowProxy
    _skopeo_push(umoci_layout, "v1", registry, "t/together:v1")
    proxy = SlowProxy(registry.port, chunk=65536, delay=0.005)
    try:
        mark = len(registry.requests())
        procs = [subprocess.Popen([PYRUN_IMAGE, "--store", str(store), "pull", "--insecure",
                                   f"{proxy.host}/t/together:v1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(3)]
        results = [(p.wait(60), p.stderr.read()) for p in procs]
    finally:
        proxy.stop()
    assert results == [(0, b"")] * 3
    gets = [g[1] for g in registry.blob_gets(mark)]
    assert gets and len(gets) == len(set(gets))
    assert os.listdir(store / "ingest") == []


def test_docker_manifest_list(registry, store, tmp_path):
    """A Docker schema-2 manifest list (made by skopeo --all --format v2s2): --platform picks from it."""
    layout = str(tmp_path / "layout")
    descs = [image_manifest(layout, [layer_tar([entry("arch", "file", arch.encode())])], arch=arch)
             for arch in ("arm64", "amd64")]
    write_layout(layout, descs, tag="multi")
    ref = f"{registry.host}/t/dlist:1"
    subprocess.run(["skopeo", "copy", "-q", "--all", "--format", "v2s2", f"oci:{layout}:multi", f"docker://{ref}",
                    "--dest-tls-verify=false"], check=True, capture_output=True, timeout=60)
    raw = json.loads(subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false", f"docker://{ref}"],
                                    check=True, capture_output=True, text=True).stdout)
    assert raw["mediaType"] == "application/vnd.docker.distribution.manifest.list.v2+json"
    run_image(store, "pull", "--insecure", "--platform", "linux/arm64", ref)
    run_image(store, "unpack", ref, tmp_path / "b")
    assert (tmp_path / "b" / "rootfs" / "arch").read_bytes() == b"arm64"
