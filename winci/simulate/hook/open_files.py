"""Behaviour ``open-files``: a file this process holds open cannot be removed, renamed or
replaced (Windows' sharing violation, WinError 32).

``builtins.open``/``io.open`` and ``os.open`` are wrapped to note each file opened, keyed
on its device and inode; whether it is still open is checked lazily (a file object while
not ``.closed``, a raw descriptor while it still refers to the same inode). :mod:`.file_ops`
calls :meth:`OpenFiles.check` before removing, renaming or replacing.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any

from .recorder import TripRecorder
from .scope import Scope, frame_above

SHARING_VIOLATION = (
    "The process cannot access the file because it is being used by another process"
)
_SWEEP_EVERY = 2000  # inserts between sweeps of closed files out of the table


class OpenFiles:
    """The table of files this process holds open, and the check that uses it."""

    def __init__(self, scope: Scope, recorder: TripRecorder, lock: threading.RLock) -> None:
        self.scope = scope
        self.recorder = recorder
        self._lock = lock  # a __del__ may remove a file mid-sweep: re-entrant
        self._open: dict[tuple[int, int], list[Callable[[], bool]]] = {}
        self._inserts = 0

    def _track(self, key: tuple[int, int], alive: Callable[[], bool]) -> None:
        with self._lock:
            self._open.setdefault(key, []).append(alive)
            self._inserts += 1
            if self._inserts % _SWEEP_EVERY == 0:
                for k in list(self._open):
                    live = [a for a in self._open.get(k, ()) if a()]
                    if live:
                        self._open[k] = live
                    else:
                        self._open.pop(k, None)

    def _held_open(self, path: Any, dir_fd: int | None = None) -> bool:
        if not self._open or isinstance(path, int):
            return False
        try:
            st = os.stat(path, dir_fd=dir_fd, follow_symlinks=False)
        except (OSError, TypeError, ValueError):
            return False
        key = (st.st_dev, st.st_ino)
        with self._lock:
            entries = self._open.get(key)
            if not entries:
                return False
            live = [a for a in entries if a()]
            if live:
                self._open[key] = live
            else:
                self._open.pop(key, None)
        return bool(live)

    def install(self) -> None:
        """Wrap ``builtins.open``, ``io.open`` and ``os.open`` to fill the table."""
        real_open = builtins.open
        real_os_open = os.open
        table = self

        def track_file(f: Any) -> None:
            try:
                st = os.fstat(f.fileno())
            except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
                return
            ref = weakref.ref(f)

            def alive() -> bool:
                obj = ref()
                try:
                    return obj is not None and not obj.closed
                except ValueError:  # a detached buffer: its raw file lives elsewhere
                    return False

            table._track((st.st_dev, st.st_ino), alive)

        def open(*args: Any, **kwargs: Any) -> Any:
            f = real_open(*args, **kwargs)
            track_file(f)
            return f

        def os_open(path: Any, flags: int, mode: int = 0o777, *, dir_fd: int | None = None
                    ) -> int:
            fd: int = real_os_open(path, flags, mode, dir_fd=dir_fd)
            try:
                st = os.fstat(fd)
            except OSError:
                return fd
            key = (st.st_dev, st.st_ino)

            def alive() -> bool:
                try:
                    now = os.fstat(fd)
                except OSError:
                    return False
                return (now.st_dev, now.st_ino) == key

            table._track(key, alive)
            return fd

        builtins.open = open
        io.open = open
        os.open = os_open

    def check(self, what: str, paths: list[tuple[Any, int | None]],
              filenames: tuple[Any, Any]) -> None:
        """Raise PermissionError when one of ``paths`` (path, dir_fd) is held open and a
        frame in scope is on the stack. Called by a wrapper: the stack searched starts at
        the wrapper's caller."""
        if not self._open:
            return
        for path, dir_fd in paths:
            if self._held_open(path, dir_fd):
                frame = frame_above(2)
                site = self.scope.in_scope_on_stack(frame)
                if site is None:
                    return
                self.recorder.trip("open-files", f"{what} {os.fsdecode(path)!s} while open",
                                   site, self.scope.first_non_stdlib(frame))
                raise PermissionError(errno.EACCES, SHARING_VIOLATION, filenames[0], None,
                                      filenames[1])
