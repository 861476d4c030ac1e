"""Issue 8, point 2: a sequence of nightly runs goes into the history; a regression is
found with the date it first failed, and a test that alternates is classified flaky."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.history.runs import make_run_dir
from winci.cli import main
from winci.history import History, import_run, lane_findings, lane_trend, record_run

STABLE = "glance.tests.unit.test_a.T.test_stable"
BROKE = "glance.tests.unit.test_b.T.test_broke_on_22nd"
WOBBLY = "glance.tests.unit.test_c.T.test_alternates"
RETRIED = "glance.tests.unit.test_d.T.test_passed_on_retry"
ALWAYS = "glance.tests.unit.test_e.T.test_always_fails"
NEWLY = "glance.tests.unit.test_f.T.test_broke_tonight"

# night -> status of each test, oldest first
NIGHTS = {
    "2026-11-20": {BROKE: "success", WOBBLY: "success", NEWLY: "success"},
    "2026-11-21": {BROKE: "success", WOBBLY: "fail", NEWLY: "success"},
    "2026-11-22": {BROKE: "fail", WOBBLY: "success", NEWLY: "success"},
    "2026-11-23": {BROKE: "fail", WOBBLY: "fail", RETRIED: "fail", NEWLY: "success"},
    "2026-11-24": {BROKE: "fail", WOBBLY: "success", NEWLY: "fail"},
}


def _load_nights(tmp_path: Path, url: str) -> None:
    with History(url) as history:
        for night, statuses in NIGHTS.items():
            tests = [(STABLE, "success", 1.0), (ALWAYS, "fail", 0.1)]
            tests += [(tid, status, 0.5) for tid, status in statuses.items()]
            run_dir = make_run_dir(tmp_path / "runs", f"nightly-{night}",
                                   f"{night}T02:00:00Z", {"unit": tests},
                                   flaky=(RETRIED,) if RETRIED in statuses else (),
                                   kind="nightly")
            import_run(history, run_dir)
        # a check run in between must not count when asking for nightly runs only
        import_run(history, make_run_dir(tmp_path / "runs", "check-1", "2026-11-23T12:00:00Z",
                                         {"unit": [(BROKE, "success", 0.5)]}))


def test_regression_first_failing_date_and_flaky(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'h.sqlite').as_posix()}"
    _load_nights(tmp_path, url)
    with History(url) as history:
        found = lane_findings(history, "unit", last=5, kind="nightly")
    assert found.runs == [f"nightly-{n}" for n in NIGHTS]
    regressions = {r.test_id: r for r in found.regressions}
    assert set(regressions) == {BROKE, NEWLY}
    assert regressions[BROKE].first_failed == datetime(2026, 11, 22, 2, 0)
    assert regressions[BROKE].first_failed_run == "nightly-2026-11-22"
    assert (regressions[BROKE].streak, regressions[BROKE].new) == (3, False)
    assert regressions[NEWLY].first_failed == datetime(2026, 11, 24, 2, 0)
    assert regressions[NEWLY].new
    flaky = {test for _, test in found.flaky}
    assert flaky == {WOBBLY, RETRIED}
    assert [test for _, test in found.still_failing] == [ALWAYS]
    assert STABLE not in regressions and STABLE not in flaky


def test_window_and_kind_matter(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'h.sqlite').as_posix()}"
    _load_nights(tmp_path, url)
    with History(url) as history:
        # the last two nightlies: BROKE never passed in them, WOBBLY flipped only once
        short = lane_findings(history, "unit", last=2, kind="nightly")
        # all runs: the check run (BROKE passed at 12:00 on the 23rd) sits between two
        # failing nightlies, so BROKE now flips P F P F: flaky, not a regression
        every = lane_findings(history, "unit", last=10)
    assert {r.test_id for r in short.regressions} == {NEWLY}
    assert BROKE in {t for _, t in short.still_failing}
    assert WOBBLY not in {t for _, t in short.flaky}
    assert BROKE in {t for _, t in every.flaky}
    assert BROKE not in {r.test_id for r in every.regressions}


def test_cli_regressions_exit_code(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{(tmp_path / 'h.sqlite').as_posix()}"
    _load_nights(tmp_path, url)
    assert main(["history", "regressions", "unit", "--kind", "nightly", "--db-url", url]) == 1
    out = capsys.readouterr().out
    assert f"REGRESSION {BROKE}  first failed 2026-11-22 02:00 in nightly-2026-11-22" in out
    assert f"flaky      {WOBBLY}" in out


def test_trend_and_record_run(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'h.sqlite').as_posix()}"
    _load_nights(tmp_path, url)
    with History(url) as history:
        trend = lane_trend(history, "unit", last=3, kind="nightly")
    assert [p.run_id for p in trend] == [f"nightly-{n}" for n in list(NIGHTS)[-3:]]
    last = trend[-1]
    # the 24th: STABLE, WOBBLY pass; ALWAYS, BROKE, NEWLY fail
    assert (last.passed, last.failed, last.verdict) == (2, 3, "FAILURE")
    assert last.duration_s > 0
    # record_run replaces a run stored before under the same id
    run_dir = tmp_path / "runs" / "nightly-2026-11-24"
    assert record_run(run_dir, url=url) > 0
    with History(url) as history:
        assert len(lane_trend(history, "unit", last=10, kind="nightly")) == len(NIGHTS)
