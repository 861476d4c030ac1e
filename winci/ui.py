"""Progress lines and summary tables on the terminal."""

from __future__ import annotations

import errno
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO, cast


class Progress:
    """Prints each phase with the elapsed time of the run and of the phase."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.t0 = time.monotonic()
        self.timings: dict[str, float] = {}  # phase -> seconds, in the order they ran

    def _clock(self) -> str:
        secs = int(time.monotonic() - self.t0)
        return f"[{secs // 60:02d}:{secs % 60:02d}]"

    def say(self, message: str) -> None:
        print(f"{self._clock()} {message}", file=self.stream, flush=True)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self.say(f"{name} ...")
        start = time.monotonic()
        try:
            yield
        except BaseException:
            self.timings[name] = round(time.monotonic() - start, 3)
            self.say(f"{name}: failed after {time.monotonic() - start:.1f}s")
            raise
        self.timings[name] = round(time.monotonic() - start, 3)
        self.say(f"{name}: done in {time.monotonic() - start:.1f}s")

    def elapsed(self) -> float:
        return round(time.monotonic() - self.t0, 3)


class _ClosedReaderSafe:
    """A terminal stream that outlives its reader: ``winci run | head -1`` closes the
    pipe early, and the run must go on (its results are in files) with its exit code
    unchanged. The first broken-pipe error points the stream's descriptor at the null
    device (as Python's documentation advises for SIGPIPE), so later writes and the
    interpreter's final flush succeed."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.closed_reader = False

    def _drop(self) -> None:
        self.closed_reader = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass

    def _guard(self, call: Any, *args: Any) -> Any:
        try:
            return call(*args)
        except BrokenPipeError:
            pass
        except OSError as exc:  # Windows reports a closed pipe as EINVAL
            if exc.errno not in (errno.EPIPE, errno.EINVAL):
                raise
        self._drop()
        try:
            return call(*args)
        except OSError:
            return None

    def write(self, text: str) -> int:
        written = self._guard(self._stream.write, text)
        return written if isinstance(written, int) else len(text)

    def flush(self) -> None:
        self._guard(self._stream.flush)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def survive_closed_stdout() -> None:
    """Make ``sys.stdout`` survive a reader that goes away (see _ClosedReaderSafe)."""
    if not isinstance(sys.stdout, _ClosedReaderSafe):
        sys.stdout = cast(TextIO, _ClosedReaderSafe(sys.stdout))


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table with aligned columns (numbers right-aligned)."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(isinstance(r[i], int | float) for r in rows) if rows else False
               for i in range(len(headers))]

    def fmt(row: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if numeric[i] else c.ljust(w)
                         for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(cells[0]), sep, *(fmt(r) for r in cells[1:])])
