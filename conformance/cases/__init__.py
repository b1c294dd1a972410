"""The built-in cases, one module per spec area; importing this package registers them all."""

from conformance.cases import (  # noqa: F401
    lifecycle, state, hooks, process, mounts, devices, paths, namespaces, uts, sysctl, seccomp,
    cgroups, annotations, invalid, cli,
)
