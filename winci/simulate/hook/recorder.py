# The hook starts before anything else: os.path on purpose, not pathlib.
# ruff: noqa: PTH118
"""The trip recorder: each time the simulation refuses something ("a trip"), one JSON
line is appended to ``<record dir>/trips-<pid>.jsonl``.

A record holds: behaviour, detail, site (the in-scope frame), caller (the first frame
outside the standard library, when that is a library), module, importing modules (for
trips at import time), test id (from a ``unittest.TestCase`` ``self`` on the stack), pid
and time. :func:`winci.simulate.read_trips` reads them back.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

from .scope import where


def _test_and_imports(site: FrameType) -> tuple[str | None, list[str]]:
    """The id of the test running ``site`` and the modules being imported above it."""
    test_id = None
    importing: list[str] = []
    frame: FrameType | None = site
    unittest = sys.modules.get("unittest")
    while frame is not None:
        if frame.f_code.co_name == "<module>":
            importing.append(str(frame.f_globals.get("__name__")))
        candidate = frame.f_locals.get("self") if unittest is not None else None
        if unittest is not None and isinstance(candidate, unittest.TestCase):
            try:
                test_id = candidate.id()
            except Exception:  # a half-built test case: keep looking
                test_id = None
            if test_id:
                break
        frame = frame.f_back
    return test_id, importing


class TripRecorder:
    """Appends trips to ``record_dir`` (nothing when it is None).

    ``real_os_open`` is ``os.open`` from before the simulation wrapped it; ``lock`` is the
    simulation's one lock, shared with the open-file table (a ``__del__`` may remove a file,
    and trip, in the middle of a sweep of that table).
    """

    def __init__(self, record_dir: str | None, real_os_open: Callable[..., int],
                 lock: threading.RLock) -> None:
        self.record_dir = record_dir
        self._os_open = real_os_open
        self._lock = lock

    def trip(self, behaviour: str, detail: str, site: FrameType,
             caller: FrameType | None = None) -> None:
        """Record a trip: ``site`` is the in-scope frame, ``caller`` the first frame
        outside the standard library when that is elsewhere (a library)."""
        if not self.record_dir:
            return
        test_id, importing = _test_and_imports(site)
        record = {
            "behaviour": behaviour,
            "detail": detail,
            "site": where(site),
            "caller": where(caller) if caller is not site else None,
            "module": site.f_globals.get("__name__"),
            "importing": [] if test_id else importing,
            "test_id": test_id,
            "pid": os.getpid(),
            "time": round(time.time(), 3),
        }
        import json  # only once something trips: the hook starts before anything else

        line = (json.dumps(record, sort_keys=True) + "\n").encode("utf-8")
        path = os.path.join(self.record_dir, f"trips-{os.getpid()}.jsonl")
        with self._lock:
            try:
                fd = self._os_open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            except OSError:
                return  # an unwritable record folder must not change what the test sees
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
