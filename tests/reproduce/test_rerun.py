"""Re-running a build's failed tests (without running tests: the filter, the cases
where there is nothing to run, bad sources)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.history.runs import make_run_dir
from tests.reproduce.logs import FAIL, OK, zuul_layout
from winci.errors import UsageError
from winci.reproduce.rerun import ReproduceOptions, exact_filter, reproduce


def test_exact_filter_matches_only_the_ids() -> None:
    ids = [FAIL, "glance.tests.unit.test_a.T.test_fails_too", "tempest.x.T.test_y[id-9,smoke]"]
    rx = re.compile(exact_filter(ids))
    assert rx.search(FAIL) and rx.search("tempest.x.T.test_y[id-9,smoke]")
    assert rx.search("tempest.x.T.test_y")
    for other in (FAIL + "_not", "x" + FAIL, "glance.tests.unit.test_aXT.test_fails", OK):
        assert not rx.search(other), other


def test_no_failures_and_bad_sources(tmp_path: Path, capsys) -> None:
    run = make_run_dir(tmp_path / "runs", "green", "2026-11-24T02:00:00Z",
                       {"unit": [(OK, "success", 0.1)]})
    logs = zuul_layout(run, tmp_path / "logs")
    res = reproduce(ReproduceOptions(str(logs), out=tmp_path / "out"),
                    execute=lambda *_a: pytest.fail("nothing to run"))
    assert res.rows == [] and res.exit_code == 0
    assert json.loads((tmp_path / "out" / "reproduce.json").read_text())["tests"] == []
    # a build that ended in ERROR before naming its Glance source: nothing to re-run
    manifest = json.loads((logs / "winci-run" / "manifest.json").read_text())
    del manifest["glance"]
    (logs / "winci-run" / "manifest.json").write_text(json.dumps(manifest))
    assert reproduce(ReproduceOptions(str(logs), out=tmp_path / "out")).exit_code == 0
    with pytest.raises(UsageError, match="no lane 'tempest'"):
        reproduce(ReproduceOptions(str(logs), lane="tempest", out=tmp_path / "out"))
    with pytest.raises(UsageError, match="neither an http"):
        reproduce(ReproduceOptions(str(tmp_path / "missing"), out=tmp_path / "out"))
    with pytest.raises(UsageError, match="not a winci build"):
        reproduce(ReproduceOptions(str(tmp_path / "runs"), out=tmp_path / "out"))
