"""pyrun-image: small tools that fetch, store and unpack OCI images into bundles pyrun (or runc) runs.

pyrun itself never touches images. Modules: `cli` (the command), `reference` (image names),
`store` (the local content store, an OCI image layout), `registry` (the distribution v2 client),
`archive` (import/export of layouts and archives), `layer` (safe layer application),
`convert` (image config -> runtime config), `bundle` (bundles, plain or on overlayfs).
"""
