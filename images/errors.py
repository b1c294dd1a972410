"""Typed errors of pyrun-image; the CLI edge turns each into one message naming the culprit."""

from runtime.errors import PyrunError


class ImageError(PyrunError):
    """A failure with an image, the store or a bundle."""


class ImageNotFound(ImageError):
    def __init__(self, name):
        super().__init__(f"image {name!r} not found in the store")
        self.name = name


class DigestMismatch(ImageError):
    """Content did not hash to the digest it was fetched or imported under."""


class RegistryError(ImageError):
    """The registry answered with an error, or could not be reached."""


class UnsafeLayer(ImageError):
    """A layer entry would write outside the rootfs, or do what the caller may not do."""
