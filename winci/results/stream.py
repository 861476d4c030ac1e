"""Read a subunit v2 stream into one :class:`TestCase` per test id.

The stream is decoded by python-subunit's own v2 parser
(:class:`subunit.ByteStreamToStreamResult`) into a :class:`testtools.StreamResult`
that aggregates the events of each test: its first and last timestamps, its final
status, its tags and its file attachments (``traceback``, ``reason``, captured
output). Attachments are kept as bytes and decoded only for the tests that need
them (failures, skips), which keeps a 13 MB unit-lane stream fast to read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import subunit
import testtools

from winci.errors import UsageError

#: Final statuses a test can end with in a report.
STATUSES = ("success", "fail", "skip", "xfail", "uxsuccess")
#: Statuses that are unexpected outcomes (a failure unless known or flaky).
FAILING = frozenset({"fail", "uxsuccess"})
_FINAL = frozenset(STATUSES)
_ATTRS = re.compile(r"\[[^\[\]]*\]$")
#: Attachments that hold the text a reader wants first, in order of preference.
_FAIL_KEYS = ("traceback", "reason")
_SKIP_KEYS = ("reason", "traceback")
_MAX_ATTACHMENT = 256 * 1024
_log = logging.getLogger(__name__)


def base_id(test_id: str) -> str:
    """The test id without its ``[id-...,smoke]`` attribute suffix (tempest, testscenarios)."""
    return _ATTRS.sub("", test_id)


@dataclass
class TestCase:
    """One test's outcome, aggregated over all the events for its id in the stream."""

    test_id: str
    status: str
    duration_s: float = 0.0
    start: datetime | None = None
    stop: datetime | None = None
    details: str = ""
    tags: frozenset[str] = frozenset()
    #: Every attachment, decoded (text only, cut at 256 KiB), for failures and skips.
    attachments: dict[str, str] = field(default_factory=dict)
    #: How many final statuses the stream held for this id (>1: re-run in the same stream).
    attempts: int = 1
    #: False when the stream has no final status for it: it started and never ended
    #: (then ``status`` is ``fail``: a crash, a hang, or an interrupted run).
    finished: bool = True

    __test__ = False  # not a pytest test class

    @property
    def base_id(self) -> str:
        return base_id(self.test_id)

    @property
    def failing(self) -> bool:
        return self.status in FAILING


class _Record:
    __slots__ = ("attachments", "attempts", "first", "last", "status", "tags")

    def __init__(self) -> None:
        self.status: str | None = None
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.tags: frozenset[str] = frozenset()
        self.attachments: dict[str, list[bytes]] = {}
        self.attempts = 0


class _Collector(testtools.StreamResult):  # type: ignore[misc]
    """A StreamResult that folds every event into a per-test record."""

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, _Record] = {}

    def status(self, test_id: str | None = None, test_status: str | None = None,
               test_tags: set[str] | None = None, runnable: bool = True,
               file_name: str | None = None, file_bytes: bytes | None = None,
               eof: bool = False, mime_type: str | None = None,
               route_code: str | None = None, timestamp: datetime | None = None) -> None:
        if test_id is None:
            return  # run-level output (non-subunit bytes, worker stdout): not a test
        rec = self.records.get(test_id)
        if rec is None:
            rec = self.records[test_id] = _Record()
        if timestamp is not None:
            if rec.first is None:
                rec.first = timestamp
            rec.last = timestamp
        if test_tags:
            rec.tags = frozenset(test_tags)
        if file_name is not None and file_bytes:
            rec.attachments.setdefault(file_name, []).append(file_bytes)
        if test_status is not None:
            if test_status in _FINAL:
                rec.status = test_status  # the last attempt in the stream wins
                rec.attempts += 1
            elif rec.status is None or rec.status not in _FINAL:
                rec.status = test_status  # "exists" or "inprogress"


def _decode(chunks: list[bytes]) -> str:
    data = b"".join(chunks)
    if len(data) > _MAX_ATTACHMENT:
        data = data[:_MAX_ATTACHMENT] + b"\n[... cut at 256 KiB by winci ...]\n"
    return data.decode("utf-8", errors="replace")


def _case(test_id: str, rec: _Record) -> TestCase:
    status = rec.status
    details = ""
    finished = status in _FINAL or status == "exists"
    if status == "exists":
        status, details = "skip", "listed in the stream but never run"
    elif status not in _FINAL:
        status = "fail"
        details = ("no final status in the stream: the test started but never finished "
                   "(the worker crashed, hung or was killed)")
    duration = 0.0
    if rec.first is not None and rec.last is not None:
        duration = max(0.0, (rec.last - rec.first).total_seconds())
    attachments: dict[str, str] = {}
    if status != "success":
        # decoding is the costly part: passing tests keep their captured output as bytes
        attachments = {name: _decode(chunks) for name, chunks in rec.attachments.items()}
        keys = _SKIP_KEYS if status == "skip" else _FAIL_KEYS
        found = next((attachments[k].strip() for k in keys if attachments.get(k)), "")
        if not found and status == "fail":
            found = "\n\n".join(f"{name}:\n{text}" for name, text in attachments.items())
        details = "\n\n".join(filter(None, [details, found]))
    return TestCase(test_id=test_id, status=status, duration_s=duration, start=rec.first,
                    stop=rec.last, details=details, tags=rec.tags, attachments=attachments,
                    attempts=max(rec.attempts, 1), finished=finished)


def parse_bytes_stream(stream: Iterable[bytes] | object) -> list[TestCase]:
    """Parse an open binary file object holding a subunit v2 stream."""
    collector = _Collector()
    collector.startTestRun()
    subunit.ByteStreamToStreamResult(stream, non_subunit_name="stdout").run(collector)
    collector.stopTestRun()
    return [_case(test_id, rec) for test_id, rec in collector.records.items()]


def parse_stream(path: Path, *, strict: bool = False) -> list[TestCase]:
    """All tests of the subunit v2 stream at ``path``, in the order they first appeared.

    With ``strict`` (a stream the user names: ``winci report``, ``winci history
    import``), a non-empty file that holds no test at all (not a subunit v2 stream: a
    v1 stream, a log, a report) is a usage error, and an empty one (0 bytes) is logged
    as a warning: its reports say 0 tests, which is not a success.
    """
    try:
        with path.open("rb") as fh:
            cases = parse_bytes_stream(fh)
    except FileNotFoundError:
        raise UsageError(f"no subunit stream at {path}",
                         "give the path of a results.subunit file or a run folder") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a folder, not a subunit stream") from None
    if strict and not cases:
        if path.stat().st_size > 0:
            raise UsageError(f"{path} holds no test results in subunit v2 format",
                             "give the stream stestr writes (stestr last --subunit)")
        _log.warning("%s is empty (0 bytes): no test results; the runner that wrote it "
                     "ran no test or was stopped before any finished", path)
    return cases
