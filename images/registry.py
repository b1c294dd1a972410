"""A client of the OCI distribution (v2) API, and pull/push between a registry and the store.

Transport: HTTPS (system CAs, or --ca-cert), or plain HTTP / unverified TLS for registries the
user names insecure. Auth: anonymous or credentialed bearer tokens from the realm the registry's
WWW-Authenticate names, or HTTP basic; credentials come from flags or the usual auth files.
Redirects are followed, dropping the Authorization header when they leave the registry's host.
A blob is fetched into the store's ingest dir and resumed with a Range request when a previous
pull stopped half way; nothing enters the store before it matches its digest.
"""

import base64
import http.client
import json
import os
import re
import ssl
import urllib.parse

from images import digest as dg
from images.errors import ImageError, RegistryError

MANIFEST_ACCEPT = ", ".join([dg.OCI_MANIFEST, dg.OCI_INDEX, dg.DOCKER_MANIFEST, dg.DOCKER_LIST])
_MAX_MANIFEST = 4 << 20
_CHUNK = 1 << 20
USER_AGENT = "pyrun-image/0.1"


def auth_files(explicit=None):
    if explicit:
        return [explicit]
    files = []
    if os.environ.get("REGISTRY_AUTH_FILE"):
        files.append(os.environ["REGISTRY_AUTH_FILE"])
    if os.environ.get("XDG_RUNTIME_DIR"):
        files.append(os.path.join(os.environ["XDG_RUNTIME_DIR"], "containers", "auth.json"))
    home = os.path.expanduser("~")
    files += [os.path.join(home, ".config", "containers", "auth.json"), os.path.join(home, ".docker", "config.json")]
    return files


def lookup_creds(registry, authfile=None):
    """(user, password) for registry from the first auth file that has it, else None."""
    keys = [registry, f"https://{registry}", f"http://{registry}"]
    if registry == "docker.io":
        keys += ["https://index.docker.io/v1/", "index.docker.io", "registry-1.docker.io"]
    for path in auth_files(authfile):
        try:
            with open(path) as f:
                auths = json.load(f).get("auths", {})
        except FileNotFoundError:
            if authfile:
                raise ImageError(f"auth file {path} does not exist") from None
            continue
        except (ValueError, OSError) as e:
            raise ImageError(f"auth file {path}: {e}") from None
        for key in keys:
            entry = auths.get(key) or auths.get(key + "/")
            if not entry:
                continue
            if entry.get("auth"):
                user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
                return user, password
            if entry.get("username"):
                return entry["username"], entry.get("password", "")
    return None


def parse_creds(text):
    if text is None:
        return None
    user, colon, password = text.partition(":")
    if not user or not colon:
        raise ImageError("invalid --creds: expected USER:PASSWORD")
    return user, password


def _challenge(header):
    scheme, _, rest = header.strip().partition(" ")
    params = dict(re.findall(r'(\w+)="([^"]*)"', rest))
    return scheme.lower(), params


class Client:
    """One registry host. insecure: plain HTTP or unverified TLS. creds: (user, password) or None."""

    def __init__(self, host, insecure=False, ca_cert=None, creds=None):
        self.host = host
        self.insecure = insecure
        self.ca_cert = ca_cert
        self.creds = creds
        self.scheme = None
        self.tokens = {}          # scope -> Authorization header value
        self.basic = None
        self._conns = {}

    # -- transport ----------------------------------------------------------------------------
    def _context(self):
        ctx = ssl.create_default_context(cafile=self.ca_cert)
        if self.insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def _connection(self, scheme, netloc, fresh=False):
        """A kept-alive connection per (scheme, host): one TLS handshake per host, not per request."""
        key = (scheme, netloc)
        conn = self._conns.get(key)
        if conn is not None and not fresh:
            return conn
        if conn is not None:
            conn.close()
        if scheme == "https":
            conn = http.client.HTTPSConnection(netloc, timeout=60, context=self._context())
        elif scheme == "http":
            conn = http.client.HTTPConnection(netloc, timeout=60)
        else:
            raise RegistryError(f"unsupported URL scheme {scheme!r}")
        self._conns[key] = conn
        return conn

    def _send(self, method, url, headers, body=None):
        """Send one request, following redirects. Returns the response (callers read it to the end)."""
        for _ in range(10):
            parts = urllib.parse.urlsplit(url)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            for attempt in (0, 1):
                # A kept-alive connection the server has since closed fails on first use: reconnect once.
                conn = self._connection(parts.scheme, parts.netloc, fresh=attempt == 1)
                try:
                    if hasattr(body, "seek"):
                        body.seek(0)
                    conn.request(method, target or "/", body=body, headers={"User-Agent": USER_AGENT, **headers})
                    resp = conn.getresponse()
                    break
                except (OSError, http.client.HTTPException) as e:
                    conn.close()
                    reused = attempt == 0 and isinstance(e, (http.client.RemoteDisconnected, BrokenPipeError,
                                                             ConnectionResetError, http.client.CannotSendRequest,
                                                             http.client.ResponseNotReady))
                    if not reused:
                        self._conns.pop((parts.scheme, parts.netloc), None)
                        raise RegistryError(f"{method} {parts.scheme}://{parts.netloc}{parts.path}: {e}") from None
            if resp.status in (301, 302, 303, 307, 308) and resp.getheader("Location"):
                resp.read()
                new = urllib.parse.urljoin(url, resp.getheader("Location"))
                if urllib.parse.urlsplit(new).netloc != parts.netloc:
                    headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
                if resp.status == 303:
                    method, body = "GET", None
                url = new
                continue
            return resp
        raise RegistryError(f"too many redirects from {url}")

    def ping(self):
        """Find the scheme (https, or http when insecure) by asking /v2/."""
        if self.scheme:
            return
        schemes = ["https", "http"] if self.insecure else ["https"]
        last = None
        for scheme in schemes:
            try:
                resp = self._send("GET", f"{scheme}://{self.host}/v2/", {})
                resp.read()
            except RegistryError as e:
                last = e
                continue
            if resp.status in (200, 401):
                self.scheme = scheme
                if resp.status == 401:
                    self._authenticate(resp.getheader("WWW-Authenticate", ""), None)
                return
            last = RegistryError(f"{self.host}: /v2/ answered {resp.status}: not a v2 registry")
        raise last

    def request(self, method, path, scope, headers=None, body=None):
        """A request to the registry's API with auth for scope; retries once after a 401."""
        self.ping()
        url = path if "://" in path else f"{self.scheme}://{self.host}{path}"
        for attempt in (0, 1):
            hdrs = dict(headers or {})
            auth = self.tokens.get(scope) or self.basic
            if auth:
                hdrs["Authorization"] = auth
            resp = self._send(method, url, hdrs, body)
            if resp.status != 401 or attempt:
                return resp
            challenge = resp.getheader("WWW-Authenticate", "")
            resp.read()
            self._authenticate(challenge, scope)
        return resp

    def _authenticate(self, header, scope):
        scheme, params = _challenge(header)
        if scheme == "basic":
            if not self.creds:
                raise RegistryError(f"{self.host} requires credentials (give --creds or log in to an auth file)")
            self.basic = "Basic " + base64.b64encode(f"{self.creds[0]}:{self.creds[1]}".encode()).decode()
        elif scheme == "bearer":
            if scope is None:
                return                                # tokens are fetched per scope, when needed
            realm = params.get("realm")
            if not realm:
                raise RegistryError(f"{self.host}: bearer challenge without a realm")
            query = {"service": params["service"]} if params.get("service") else {}
            if scope:
                query["scope"] = scope
            url = realm + ("&" if "?" in realm else "?") + urllib.parse.urlencode(query)
            hdrs = {}
            if self.creds:
                hdrs["Authorization"] = "Basic " + base64.b64encode(f"{self.creds[0]}:{self.creds[1]}".encode()).decode()
            resp = self._send("GET", url, hdrs)
            body = resp.read()
            if resp.status != 200:
                detail = body[:200].decode(errors="replace").strip()
                raise RegistryError(f"token server {urllib.parse.urlsplit(realm).netloc} refused "
                                    f"{'the credentials' if self.creds else 'an anonymous token'} "
                                    f"({resp.status}){': ' + detail if detail else ''}")
            try:
                doc = json.loads(body)
                token = doc.get("token") or doc["access_token"]
            except (ValueError, KeyError):
                raise RegistryError(f"token server {realm} sent no token") from None
            self.tokens[scope] = f"Bearer {token}"
        else:
            raise RegistryError(f"{self.host}: unsupported auth challenge {header!r}")

    @staticmethod
    def _error(resp, what):
        body = resp.read()[:65536]
        detail = ""
        try:
            errors = json.loads(body).get("errors") or []
            detail = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors)
        except (ValueError, AttributeError):
            detail = body[:200].decode(errors="replace").strip()
        return RegistryError(f"{what}: {resp.status} {resp.reason}{': ' + detail if detail else ''}")

    # -- API ----------------------------------------------------------------------------------
    def get_manifest(self, repo, reference):
        """(bytes, media type, digest) of a manifest or index, verified when asked by digest."""
        resp = self.request("GET", f"/v2/{repo}/manifests/{reference}", f"repository:{repo}:pull",
                            {"Accept": MANIFEST_ACCEPT})
        if resp.status != 200:
            raise self._error(resp, f"manifest {self.host}/{repo}:{reference}")
        data = resp.read(_MAX_MANIFEST + 1)
        if len(data) > _MAX_MANIFEST:
            raise RegistryError(f"manifest {repo}:{reference} is larger than {_MAX_MANIFEST} bytes")
        try:
            media = json.loads(data).get("mediaType")
        except ValueError:
            raise RegistryError(f"manifest {repo}:{reference} is not JSON") from None
        media = media or resp.getheader("Content-Type", "").split(";")[0].strip()
        if reference.startswith(("sha256:", "sha512:")):
            digest = dg.of_bytes(data, reference.split(":")[0])
            if digest != reference:
                raise ImageError(f"manifest {repo}@{reference} from {self.host} hashes to {digest}")
        else:
            digest = dg.of_bytes(data)
            header = resp.getheader("Docker-Content-Digest")
            if header and header.startswith("sha256:") and header != digest:
                raise ImageError(f"manifest {repo}:{reference}: registry says {header}, content hashes to {digest}")
        return data, media, digest

    def fetch_blob(self, repo, desc, store, progress=None):
        """Fetch a blob into the store, resuming a partial download; verified before it is stored.

        The ingest file is locked while it is written, so two pulls of one blob take turns: the
        second finds the blob stored when it gets the lock."""
        import fcntl
        digest, size = dg.check(desc["digest"]), desc.get("size")
        if store.has_blob(digest):
            return False
        partial = store.ingest_path(digest)
        fd = os.open(partial, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "r+b") as out:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if store.has_blob(digest):
                if os.fstat(fd).st_nlink and os.fstat(fd).st_size == 0:
                    os.unlink(partial)        # the empty file this call made after the other committed
                return False
            have = os.fstat(fd).st_size
            if size is not None and have > size:
                out.truncate(0)
                have = 0
            if size is None or have < size:
                headers = {"Range": f"bytes={have}-"} if have else {}
                resp = self.request("GET", f"/v2/{repo}/blobs/{digest}", f"repository:{repo}:pull", headers)
                if resp.status == 416 and have:
                    resp.read()
                    resp = self.request("GET", f"/v2/{repo}/blobs/{digest}", f"repository:{repo}:pull")
                    have = 0
                if resp.status not in (200, 206):
                    raise self._error(resp, f"blob {digest} of {self.host}/{repo}")
                if resp.status == 200:
                    have = 0
                out.seek(have)
                out.truncate(have)
                if progress:
                    progress.start(digest, size, have)
                got = have
                while chunk := resp.read(_CHUNK):
                    got += len(chunk)
                    if size is not None and got > size:
                        out.truncate(0)
                        raise RegistryError(f"blob {digest} of {self.host}/{repo}: more than the {size} bytes "
                                            f"its descriptor says")
                    out.write(chunk)
                    if progress:
                        progress.advance(len(chunk))
                out.flush()
                if progress:
                    progress.done()
            store.commit_ingest(digest, size)
        return True

    def has_blob(self, repo, digest):
        resp = self.request("HEAD", f"/v2/{repo}/blobs/{digest}", f"repository:{repo}:pull,push")
        resp.read()
        return resp.status == 200

    def upload_blob(self, repo, digest, path):
        """Monolithic upload: POST for a session, then one PUT with the whole blob."""
        scope = f"repository:{repo}:pull,push"
        resp = self.request("POST", f"/v2/{repo}/blobs/uploads/", scope, {"Content-Length": "0"})
        if resp.status != 202:
            raise self._error(resp, f"starting the upload of {digest} to {self.host}/{repo}")
        resp.read()
        location = urllib.parse.urljoin(f"{self.scheme}://{self.host}/", resp.getheader("Location"))
        location += ("&" if "?" in location else "?") + urllib.parse.urlencode({"digest": digest})
        size = os.path.getsize(path)
        with open(path, "rb") as body:
            resp = self.request("PUT", location, scope,
                                {"Content-Type": "application/octet-stream", "Content-Length": str(size)}, body)
        if resp.status != 201:
            raise self._error(resp, f"uploading {digest} to {self.host}/{repo}")
        resp.read()

    def put_manifest(self, repo, reference, data, media):
        resp = self.request("PUT", f"/v2/{repo}/manifests/{reference}", f"repository:{repo}:pull,push",
                            {"Content-Type": media, "Content-Length": str(len(data))}, data)
        if resp.status not in (200, 201):
            raise self._error(resp, f"putting manifest {repo}:{reference} to {self.host}")
        resp.read()


def pull(store, ref, client, platform=None, progress=None):
    """Fetch ref's manifest (picking a platform in an index), config and layers. Returns (name, digest)."""
    repo = ref.repository
    data, media, digest = client.get_manifest(repo, ref.object)
    doc = json.loads(data)
    if media in dg.INDEX_TYPES or ("manifests" in doc and "layers" not in doc):
        from images.store import pick_platform
        chosen = pick_platform(doc, platform)
        data, media, digest = client.get_manifest(repo, dg.check(chosen["digest"]))
        doc = json.loads(data)
    if media not in dg.MANIFEST_TYPES or "config" not in doc:
        raise ImageError(f"{ref}: unsupported manifest type {media!r}")
    client.fetch_blob(repo, doc["config"], store)
    if platform:
        # A single-platform manifest has no platform list to pick from: check its config instead.
        from images.store import normalize_arch, parse_platform
        want_os, want_arch, _ = parse_platform(platform)
        config = store.read_json(doc["config"]["digest"])
        have = (config.get("os"), normalize_arch(config.get("architecture", "")))
        if have != (want_os, want_arch):
            raise ImageError(f"{ref} is for {have[0]}/{have[1]}, not {platform}")
    for desc in doc.get("layers", []):
        client.fetch_blob(repo, desc, store, progress)
    store.put_bytes(data, digest)
    name = str(ref)
    store.tag(name, {"mediaType": media, "digest": digest, "size": len(data)})
    return name, digest


def push(store, name, ref, client):
    """Push a stored image (and everything it references) to ref. Returns the manifest digest."""
    _, desc = store.resolve(name)
    _push_manifest(store, desc, ref.repository, client, ref.tag or desc["digest"])
    return desc["digest"]


def _push_manifest(store, desc, repo, client, reference):
    data = store.read_blob(desc["digest"])
    doc = json.loads(data)
    media = doc.get("mediaType") or desc.get("mediaType")
    if media in dg.INDEX_TYPES:
        for child in doc.get("manifests", []):
            if store.has_blob(child["digest"]):
                _push_manifest(store, child, repo, client, child["digest"])
    else:
        for blob in [doc["config"]] + list(doc.get("layers", [])):
            digest = dg.check(blob["digest"])
            if not client.has_blob(repo, digest):
                client.upload_blob(repo, digest, store.blob_path(digest))
    client.put_manifest(repo, reference, data, media)
