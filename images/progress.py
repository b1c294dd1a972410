"""Layer download progress on a terminal (stderr); silent when stderr is not a terminal."""

import sys
import time


class Progress:
    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.digest = None

    @staticmethod
    def wanted(quiet=False):
        return None if quiet or not sys.stderr.isatty() else Progress()

    def start(self, digest, size, have=0):
        self.digest, self.size, self.have, self.last = digest, size, have, 0.0
        self._draw(force=True)

    def advance(self, n):
        self.have += n
        self._draw()

    def done(self):
        self._draw(force=True)
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self, force=False):
        now = time.monotonic()
        if not force and now - self.last < 0.1:
            return
        self.last = now
        total = f"{self.size / 1e6:.1f} MB" if self.size else "?"
        self.stream.write(f"\r{self.digest[7:19]}  {self.have / 1e6:.1f} / {total}\x1b[K")
        self.stream.flush()
