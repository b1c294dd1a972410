"""The runtime-spec versions pyrun speaks: the one it writes (state, features, `pyrun spec`'s
default config) and the oldest config it reads. The schema accepts any 1.x (spec/schema/defs.json).
"""

OCI_VERSION = "1.2.0"
OCI_VERSION_MIN = "1.0.0"
