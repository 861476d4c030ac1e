"""Progress lines and summary tables on the terminal."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO


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
