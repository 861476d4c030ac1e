"""The one place winci touches OS signals: turn 'please stop' into KeyboardInterrupt.

Ctrl-C already raises KeyboardInterrupt on every platform. This adapter adds the other
polite stop requests: SIGTERM (POSIX: Zuul, systemd, ``kill``) and SIGBREAK (Windows:
Ctrl-Break, console close), so the run's ``finally`` blocks end every child process
tree and write the verdict. SIGKILL cannot be caught anywhere: the next run reaps
what a killed run left (see :mod:`winci.procs.registry`).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextmanager
def stop_requests_interrupt() -> Iterator[None]:
    """While active, polite stop signals raise KeyboardInterrupt in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = ["SIGBREAK"] if sys.platform == "win32" else ["SIGTERM", "SIGHUP"]
    previous: dict[int, Any] = {}
    for name in names:
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        try:
            previous[signum] = signal.signal(signum, _raise_interrupt)
        except (OSError, ValueError):
            continue
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
