"""Reading a build's logs: Zuul's variables, the run folder and which tests failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reproduce.logs import FAIL, FLAKY_ID, build_logs
from winci.errors import UsageError
from winci.reproduce.build import failed_tests, load_build


def test_reads_zuul_vars_manifest_and_failures(tmp_path: Path) -> None:
    logs = build_logs(tmp_path)
    build = load_build(logs)
    assert build.run_dir == logs / "winci-run"
    assert [build.zuul_value(k) for k in ("change", "patchset", "ref", "project", "job")] == [
        "954321", "2", "refs/changes/21/954321/2", "openstack/glance", "winci-glance-unit"]
    assert (build.queue_hash, build.manifest.winci_version) == ("abc123", "0.1.0")
    assert build.lanes == ["unit", "tempest"]
    assert failed_tests(build.run_dir, "unit") == [FAIL]
    assert failed_tests(build.run_dir, "unit", include_flaky=True) == [FAIL, FLAKY_ID]
    # the run folder itself works too, the inventory found beside it
    assert load_build(logs / "winci-run").zuul_value("change") == "954321"


def test_failures_from_the_stream_when_there_is_no_summary(tmp_path: Path) -> None:
    logs = build_logs(tmp_path)
    (logs / "winci-run" / "unit" / "summary.json").unlink()
    # without the summary nothing says FLAKY_ID passed its retry: it counts as failed
    assert failed_tests(logs / "winci-run", "unit") == [FAIL, FLAKY_ID]
    (logs / "winci-run" / "unit" / "results.subunit").unlink()
    with pytest.raises(UsageError, match=r"neither summary\.json nor results\.subunit"):
        failed_tests(logs / "winci-run", "unit")
