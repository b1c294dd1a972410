"""pyrun: an OCI container runtime in Python. See README.md for the map of this package."""
