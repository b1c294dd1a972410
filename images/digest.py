"""Digests (`algorithm:hex`): validation, hashing, and the media types of the image-spec."""

import hashlib
import re

from images.errors import ImageError

_DIGEST = re.compile(r"^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$")

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = OCI_LAYER + "+gzip"
OCI_LAYER_ZSTD = OCI_LAYER + "+zstd"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"

MANIFEST_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
REF_NAME = "org.opencontainers.image.ref.name"


def check(digest, what="digest"):
    """The digest if well formed; it becomes a file name, so nothing else is accepted."""
    if not isinstance(digest, str) or not _DIGEST.match(digest):
        raise ImageError(f"invalid {what} {digest!r}")
    return digest


def is_valid(digest):
    return isinstance(digest, str) and bool(_DIGEST.match(digest))


def hasher(digest):
    return hashlib.new(check(digest).split(":", 1)[0])


def of_bytes(data, algorithm="sha256"):
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


def encoded(digest):
    return digest.split(":", 1)[1]
