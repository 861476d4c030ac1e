"""Small real subunit v2 streams, written with python-subunit's StreamResultToBytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import subunit

T0 = datetime(2026, 11, 20, 3, 0, 0, tzinfo=UTC)

TRACEBACK = """Traceback (most recent call last):
  File "glance/tests/unit/test_misc.py", line 12, in test_breaks
    self.assertEqual(1, 2)
AssertionError: 1 != 2 <b>&amp;
"""


def emit(out: subunit.StreamResultToBytes, test_id: str, status: str, start: float,
         seconds: float, files: dict[str, str] | None = None,
         tags: set[str] | None = None) -> None:
    """One test as stestr writes it: inprogress, attachments, final status."""
    out.status(test_id=test_id, test_status="inprogress", timestamp=T0 + timedelta(seconds=start),
               test_tags=tags)
    for name, text in (files or {}).items():
        out.status(test_id=test_id, file_name=name, file_bytes=text.encode(),
                   mime_type="text/plain; charset=utf8", eof=True,
                   timestamp=T0 + timedelta(seconds=start + seconds))
    out.status(test_id=test_id, test_status=status, test_tags=tags,
               timestamp=T0 + timedelta(seconds=start + seconds))


def write_stream(path: Path, tests: list[tuple[str, str, float, dict[str, str]]]) -> Path:
    """Write tests given as (id, status, seconds, attachments), one after the other."""
    with path.open("wb") as fh:
        out = subunit.StreamResultToBytes(fh)
        t = 0.0
        for test_id, status, seconds, files in tests:
            emit(out, test_id, status, t, seconds, files)
            t += seconds
    return path


MIXED = [
    ("glance.tests.unit.test_misc.TestMisc.test_ok", "success", 0.5, {}),
    ("glance.tests.unit.test_misc.TestMisc.test_breaks", "fail", 1.25,
     {"traceback": TRACEBACK, "pythonlogging": "DEBUG [glance] <script>x</script>"}),
    ("glance.tests.unit.test_misc.TestMisc.test_skipped", "skip", 0.0,
     {"reason": "needs xattr support"}),
    ("glance.tests.unit.test_misc.TestMisc.test_xfail", "xfail", 0.1,
     {"traceback": "expected: known bug"}),
    ("glance.tests.unit.test_misc.TestMisc.test_uxsuccess", "uxsuccess", 0.2, {}),
    ("tempest.api.image.v2.test_images.BasicOperationsImagesTest.test_register_upload"
     "[id-139b765e-7f3d-4b3d-8b37-3ca3876ee318,smoke]", "success", 3.0, {}),
    ("glance.tests.unit.test_env.TestEnv.test_needs_dns", "fail", 0.75,
     {"traceback": "Traceback:\nsocket.gaierror: [Errno -3] storeurl.com"}),
    ("glance.tests.unit.test_env.TestEnv.test_flaky", "fail", 0.3,
     {"traceback": "Traceback:\nTimeoutError: once in a while"}),
]


def mixed_stream(path: Path) -> Path:
    return write_stream(path, MIXED)
