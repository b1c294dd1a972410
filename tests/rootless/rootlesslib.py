"""Constants shared by the rootless tests and their conftest (a module of its own: every test
folder has a conftest, so `from conftest import` is ambiguous)."""

SUB_START, SUB_COUNT = 420000, 65536   # the test user's subordinate range (uids and gids)
# The range a root-run container's user namespace maps (containerID 0 -> hostID BASE, SIZE ids).
BASE, SIZE = 100000, 65536
