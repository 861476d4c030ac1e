"""What a failed test discovery says: the suite's import errors, from stestr's log.

When a test module cannot be imported, ``stestr run`` stores no run and writes no
stream: its listing (``python -m subunit.run discover --list``) fails first, and the
only record is the log, where unittest's loader wrote, per module::

    Failed to import test module: glance.tests.unit.base
    Traceback (most recent call last):
      ...
    ModuleNotFoundError: No module named 'fcntl'

and where an error outside any one module (the package's ``__init__``, the loader
itself) leaves a bare traceback. Each becomes one failed case, named as unittest names
the placeholder test it makes for a module it cannot load
(``unittest.loader._FailedTest.<module>``), with the traceback as its details: the lane's
summary.json, HTML and JUnit reports then show the import error as the failure it is,
never as "0 tests".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import subunit

from winci.results.stream import TestCase, parse_stream

# unittest's name for the test standing in for a module it could not import
FAILED_TEST_PREFIX = "unittest.loader._FailedTest."
_FAILED_IMPORT = re.compile(r"^Failed to import test module: (\S+)\s*$")
_TRACEBACK = "Traceback (most recent call last):"
_CHAINED = ("During handling of the above exception", "The above exception was the direct")
# keep the report readable when thousands of modules fail the same way
MAX_IMPORT_ERRORS = 200


@dataclass(frozen=True)
class ImportFailure:
    """One module (or the discovery itself, ``module`` empty) that failed to import."""

    module: str
    traceback: str

    @property
    def exception(self) -> str:
        """The traceback's last line: ``ModuleNotFoundError: No module named 'fcntl'``."""
        lines = [ln for ln in self.traceback.splitlines() if ln.strip()]
        return lines[-1].strip() if lines else ""

    @property
    def test_id(self) -> str:
        return FAILED_TEST_PREFIX + (self.module or "discovery")


def _traceback_at(lines: list[str], start: int) -> tuple[str, int]:
    """The traceback whose header is ``lines[start]``, chained ones included, and the
    index after it: it ends at its first unindented line (the exception) unless a
    "During handling..." or "The above exception..." line chains another."""
    i = start + 1
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.startswith((" ", "\t")) or line.startswith(_CHAINED):
            continue
        if line.strip() == _TRACEBACK:
            continue
        # the exception line: go on only if another traceback is chained to it
        j = i
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j < len(lines) and lines[j].startswith(_CHAINED):
            i = j
            continue
        break
    return "\n".join(lines[start:i]).rstrip(), i


def import_errors(log_text: str) -> list[ImportFailure]:
    """The import errors a failed discovery logged, in order, one per module."""
    lines = log_text.splitlines()
    found: dict[str, ImportFailure] = {}
    i = 0
    while i < len(lines) and len(found) < MAX_IMPORT_ERRORS:
        named = _FAILED_IMPORT.match(lines[i].strip())
        if named and i + 1 < len(lines) and lines[i + 1].strip() == _TRACEBACK:
            text, i = _traceback_at(lines, i + 1)
            found.setdefault(named.group(1), ImportFailure(named.group(1), text))
            continue
        if lines[i].strip() == _TRACEBACK and not found:
            # a traceback outside any module: the discovery itself died
            text, i = _traceback_at(lines, i)
            found[""] = ImportFailure("", text)
            continue
        i += 1
    return list(found.values())


def write_stream(failures: list[ImportFailure], stream: Path) -> list[TestCase]:
    """Write the import errors to ``stream`` as failed tests (subunit v2, the traceback
    attached as ``traceback``, as stestr attaches a failure's), and return them parsed:
    the lane's stream then holds what its reports show, and ``winci report`` of the run
    folder gives the same reports again."""
    now = datetime.now(UTC)
    with stream.open("wb") as fh:
        out = subunit.StreamResultToBytes(fh)
        for f in failures:
            out.status(test_id=f.test_id, test_status="inprogress", timestamp=now)
            out.status(test_id=f.test_id, file_name="traceback",
                       file_bytes=f.traceback.encode("utf-8"),
                       mime_type="text/x-traceback; charset=utf8", eof=True, timestamp=now)
            out.status(test_id=f.test_id, test_status="fail", timestamp=now)
    return parse_stream(stream)


def describe(failures: list[ImportFailure]) -> str:
    """One line for the lane's error: how many modules, and the first exception."""
    first = failures[0]
    where = f" ({first.module})" if first.module else ""
    count = len(failures)
    modules = f"{count} test module{'s' if count != 1 else ''}" if first.module else "the suite"
    return f"test discovery failed: {modules} did not import; first{where}: {first.exception}"
