"""parse_stream reads real subunit v2 bytes (python-subunit's parser) into TestCases."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import subunit

from tests.results.streams import T0, TRACEBACK, emit, mixed_stream
from winci.errors import UsageError
from winci.results import base_id, parse_stream


def test_statuses_details_durations(tmp_path: Path) -> None:
    cases = {c.test_id: c for c in parse_stream(mixed_stream(tmp_path / "s.subunit"))}
    assert len(cases) == 8
    broken = cases["glance.tests.unit.test_misc.TestMisc.test_breaks"]
    assert broken.status == "fail"
    assert broken.details == TRACEBACK.strip()
    assert broken.duration_s == pytest.approx(1.25)
    assert broken.start == T0 + timedelta(seconds=0.5)
    assert "pythonlogging" in broken.attachments
    skipped = cases["glance.tests.unit.test_misc.TestMisc.test_skipped"]
    assert (skipped.status, skipped.details) == ("skip", "needs xattr support")
    assert cases["glance.tests.unit.test_misc.TestMisc.test_xfail"].status == "xfail"
    assert cases["glance.tests.unit.test_misc.TestMisc.test_uxsuccess"].failing
    ok = cases["glance.tests.unit.test_misc.TestMisc.test_ok"]
    assert (ok.status, ok.details, ok.attachments) == ("success", "", {})


def test_attribute_suffix_kept_in_id_and_stripped_in_base_id(tmp_path: Path) -> None:
    cases = parse_stream(mixed_stream(tmp_path / "s.subunit"))
    tempest = next(c for c in cases if c.test_id.startswith("tempest."))
    assert tempest.test_id.endswith("[id-139b765e-7f3d-4b3d-8b37-3ca3876ee318,smoke]")
    assert tempest.base_id == ("tempest.api.image.v2.test_images."
                               "BasicOperationsImagesTest.test_register_upload")
    assert base_id("a.b.C.test_x") == "a.b.C.test_x"


def test_unfinished_test_is_a_failure_and_exists_only_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "crash.subunit"
    with path.open("wb") as fh:
        out = subunit.StreamResultToBytes(fh)
        out.status(test_id="pkg.T.test_listed", test_status="exists", timestamp=T0)
        emit(out, "pkg.T.test_done", "success", 0, 1)
        out.status(test_id="pkg.T.test_hung", test_status="inprogress", timestamp=T0)
        out.status(test_id="pkg.T.test_hung", file_name="stdout", file_bytes=b"last words",
                   mime_type="text/plain", timestamp=T0)
        fh.write(b"worker said something that is not subunit\n")
    cases = {c.test_id: c for c in parse_stream(path)}
    assert set(cases) == {"pkg.T.test_listed", "pkg.T.test_done", "pkg.T.test_hung"}
    hung = cases["pkg.T.test_hung"]
    assert hung.status == "fail"
    assert "never finished" in hung.details and "last words" in hung.details
    assert cases["pkg.T.test_listed"].status == "skip"


def test_same_id_twice_keeps_last_status(tmp_path: Path) -> None:
    path = tmp_path / "retry.subunit"
    with path.open("wb") as fh:
        out = subunit.StreamResultToBytes(fh)
        emit(out, "pkg.T.test_retry", "fail", 0, 1, {"traceback": "boom"})
        emit(out, "pkg.T.test_retry", "success", 2, 1)
    [case] = parse_stream(path)
    assert (case.status, case.attempts) == ("success", 2)
    assert case.duration_s == pytest.approx(3.0)


def test_missing_stream_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no subunit stream"):
        parse_stream(tmp_path / "nope.subunit")
