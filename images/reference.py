"""Image references (`[registry/]repository[:tag][@digest]`), normalised the way Docker does."""

import re
from dataclasses import dataclass

from images.errors import ImageError
from images import digest as dg

DEFAULT_REGISTRY = "docker.io"
_REPO = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")


@dataclass(frozen=True)
class Reference:
    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def api_host(self):
        """Where the v2 API lives (Docker Hub's registry is not at docker.io)."""
        return "registry-1.docker.io" if self.registry == DEFAULT_REGISTRY else self.registry

    @property
    def object(self):
        """What to ask the manifests endpoint for: the digest if pinned, else the tag."""
        return self.digest or self.tag

    def __str__(self):
        s = f"{self.registry}/{self.repository}"
        if self.tag:
            s += f":{self.tag}"
        if self.digest:
            s += f"@{self.digest}"
        return s


def parse(text):
    """Parse and normalise a reference; raises ImageError naming it when malformed."""
    rest, digest = text, None
    if "@" in rest:
        rest, digest = rest.split("@", 1)
        dg.check(digest, f"digest in reference {text!r}")
    first, slash, remainder = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, remainder
    else:
        registry, path = DEFAULT_REGISTRY, rest
    tag = None
    name, colon, maybe_tag = path.rpartition(":")
    if colon and "/" not in maybe_tag:
        path, tag = name, maybe_tag
        if not _TAG.match(tag):
            raise ImageError(f"invalid tag {tag!r} in reference {text!r}")
    if registry == DEFAULT_REGISTRY and "/" not in path:
        path = "library/" + path
    if not path or not _REPO.match(path):
        raise ImageError(f"invalid repository name {path!r} in reference {text!r}")
    if tag is None and digest is None:
        tag = "latest"
    return Reference(registry, path, tag, digest)
