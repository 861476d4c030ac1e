"""What a run does with a ``--filter`` that selects nothing and with a runner that gives
back no results: real stestr on tiny projects, through the real run script
(``winci.runs.Run``, the CLI) with a stand-in for the source, work tree and backend.

- ``--filter REGEX`` that matches no test of a lane: a usage error, exit code 2, one
  line naming the regex and the lane; the run folder still gets its manifest and
  verdict, and the lanes that ran before keep their results;
- an empty stream where tests were expected is never a 0-test success: the lane
  FAILS with a one-line reason and a warning naming the log;
- ``winci report`` and ``winci history import`` of an empty (0-byte) stream warn.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.engine.test_stestr_pass import PASSING, lane_body, needs_stestr, project
from winci import runs
from winci.cli import main
from winci.lanes.base import LaneContext, LaneOutcome, NoTestMatches, run_lane
from winci.lanes.executor import LocalExecutor
from winci.results import parse_stream
from winci.runs import Run, RunOptions
from winci.worktree.sources import GlanceSource

NO_TESTS = """\
    import unittest
"""


class StandInBackend:
    """Everything the run script drives of a backend, doing nothing: the lanes here run
    stestr on tiny projects on this host."""

    notes: list[str] = []

    def prepare(self, tree: Any, progress: Any) -> None: ...
    def record(self, manifest: Any) -> None: ...
    def platform_info(self) -> dict[str, Any]:
        return {"name": "linux", "label": "Linux"}
    def resolve_db_mode(self) -> str:
        return "sqlite"
    def ensure_database(self) -> None: ...
    def up(self, step: Any) -> None: ...
    def executor(self, lane: str) -> LocalExecutor:
        return LocalExecutor()
    def citest_url(self) -> str | None:
        return None
    def check_alive(self) -> None: ...
    def endpoints(self) -> dict[str, str]:
        return {}
    def publish_configs(self, dest: Path) -> None: ...
    def write_credentials(self) -> Path:
        return Path()
    def down(self) -> None: ...


def stand_in_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                 trees: dict[str, Path]) -> None:
    """``winci.runs`` with no Glance source, work tree, patch queue or stack: each lane
    runs the real stestr on ``trees[lane]`` (through the real run_lane and stestr_pass).
    The run's cache (state records, private folders) is in ``tmp_path``."""
    monkeypatch.setenv("WINCI_CACHE_DIR", str(tmp_path / "cache"))
    source = GlanceSource("path", tmp_path, "0.0.0")
    prepared = SimpleNamespace(path=tmp_path,
                               manifest=lambda: {"applied": False, "queue_hash": None})
    monkeypatch.setattr(runs, "resolve", lambda src, runner: source)
    monkeypatch.setattr(runs, "work_tree_for", lambda src, patched, fallback: (tmp_path, None))
    monkeypatch.setattr(runs, "prepare_tree", lambda *args, **kw: prepared)
    monkeypatch.setattr(runs, "make_backend", lambda name, config, runner: StandInBackend())

    def lane_runner(lane: str) -> Any:
        def run(ctx: LaneContext) -> LaneOutcome:
            return run_lane(ctx, lane_body(trees[lane]))
        return run

    monkeypatch.setattr(runs, "lane_runner", lane_runner)


def options(out: Path, *lanes: str, test_filter: str | None = None) -> RunOptions:
    return RunOptions(lanes=list(lanes), out=out, filter=test_filter, concurrency=2,
                      history=False, db="sqlite")


def verdict_of(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "verdict.json").read_text())
    return data


@needs_stestr
def test_a_filter_no_test_matches_is_a_usage_error_naming_it_and_the_lane(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    stand_in_run(monkeypatch, tmp_path, {"unit": project(tmp_path / "unit", PASSING)})
    out = tmp_path / "run"
    code = main(["run", "unit", "--out", str(out), "--filter", "xyz", "--no-history",
                 "--db", "sqlite"])
    err = capsys.readouterr().err
    assert code == 2
    [line] = [x for x in err.splitlines() if x.strip()]
    assert "--filter 'xyz': no test of the unit lane matches it" in line
    verdict = verdict_of(out)
    assert verdict["verdict"] == "ERROR" and "'xyz'" in verdict["error"]
    assert verdict["lanes"]["unit"]["verdict"] == "ERROR"
    assert "no test of the unit lane" in verdict["lanes"]["unit"]["error"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["finished"] and manifest["options"]["filter"] == "xyz"
    assert not (out / "unit" / "summary.json").exists(), "no 0-test report"


@needs_stestr
def test_the_lanes_before_the_one_a_filter_misses_keep_their_results(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unit = project(tmp_path / "unit", PASSING)
    other = project(tmp_path / "functional", PASSING.replace("test_ok", "test_other"))
    stand_in_run(monkeypatch, tmp_path, {"unit": unit, "functional": other,
                                         "tempest": other})
    out = tmp_path / "run"
    with pytest.raises(NoTestMatches, match="no test of the functional lane"):
        Run(options(out, "unit", "functional", "tempest", test_filter="test_ok")).execute()
    lanes = verdict_of(out)["lanes"]
    assert lanes["unit"]["verdict"] == "SUCCESS" and lanes["unit"]["passed"] == 1
    assert lanes["functional"]["verdict"] == "ERROR"
    assert lanes["tempest"]["verdict"] == "NOT_RUN"
    assert [c.test_id for c in parse_stream(out / "unit" / "results.subunit")] == [
        "proj.tests.test_things.T.test_ok"]
    assert json.loads((out / "unit" / "summary.json").read_text())["passed"] == 1


@needs_stestr
@pytest.mark.parametrize("workers", [1, 2])
def test_a_runner_that_gives_back_no_results_fails_the_lane_with_a_warning(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], workers: int) -> None:
    # one worker: stestr stores an empty (0-byte) run; two: it lists no test, stores none
    stand_in_run(monkeypatch, tmp_path, {"unit": project(tmp_path / "unit", NO_TESTS)})
    out = tmp_path / "run"
    opts = options(out, "unit")
    opts.concurrency = workers
    result = Run(opts).execute()
    text = capsys.readouterr().out
    assert result.exit_code == 1
    log = out / "unit" / "logs" / "stestr-unit.log"
    assert f"warning: unit: the runner produced no test results; see {log}" in text
    lane = verdict_of(out)["lanes"]["unit"]
    assert lane["verdict"] == "FAILURE" and lane["total"] == 0
    assert lane["error"].startswith("the runner produced no test results (exit code ")
    assert "\n" not in lane["error"]
    summary = json.loads((out / "unit" / "summary.json").read_text())
    assert summary["verdict"] == "FAILURE" and summary["error"] == lane["error"]


def test_report_of_an_empty_stream_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "results.subunit"
    empty.write_bytes(b"")
    with caplog.at_level(logging.WARNING, logger="winci.results.stream"):
        assert main(["report", str(empty)]) == 0
    assert f"{empty} is empty (0 bytes): no test results" in caplog.text
    assert json.loads((tmp_path / "summary.json").read_text())["total"] == 0
    # the lanes read their own streams without ``strict``: they say it themselves
    caplog.clear()
    assert parse_stream(empty, strict=False) == [] and caplog.text == ""


def test_history_import_of_an_empty_stream_warns(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    empty = tmp_path / "unit.subunit"
    empty.write_bytes(b"")
    with caplog.at_level(logging.WARNING, logger="winci.results.stream"):
        code = main(["history", "import", str(empty), "--lane", "unit"])
    assert code == 0
    assert f"{empty} is empty (0 bytes)" in caplog.text
