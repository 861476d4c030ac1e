"""A portable lock file: created exclusively, stale when its owner process is gone."""

from __future__ import annotations

import os
import time
from pathlib import Path

import psutil

from winci.errors import InfraError


class FileLock:
    """``with FileLock(path):`` waits until no live process holds ``path``."""

    def __init__(self, path: Path, *, what: str, timeout: float = 3600.0) -> None:
        self.path = path
        self.what = what
        self.timeout = timeout

    def _holder_alive(self) -> bool:
        try:
            pid = int(self.path.read_text(encoding="ascii").strip() or "0")
        except (OSError, ValueError):
            return False
        return pid > 0 and psutil.pid_exists(pid)

    def __enter__(self) -> FileLock:
        deadline = time.monotonic() + self.timeout
        announced = False
        while True:
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if not self._holder_alive():
                    self.path.unlink(missing_ok=True)
                    continue
                if time.monotonic() > deadline:
                    raise InfraError(f"timed out waiting for {self.what} (lock {self.path})",
                                     "another winci run holds it") from None
                if not announced:
                    print(f"  waiting for another winci run building {self.what}...",
                          flush=True)
                    announced = True
                time.sleep(1.0)
                continue
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(str(os.getpid()))
            return self

    def __exit__(self, *exc: object) -> None:
        self.path.unlink(missing_ok=True)
