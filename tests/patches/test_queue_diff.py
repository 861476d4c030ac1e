"""queue-diff: what counts as a change of Linux behaviour."""

from __future__ import annotations

from pathlib import Path

from winci.history.views import Outcome, RunView
from winci.lanes.base import LISTED_FILE
from winci.patches.queue_diff import diff_views, read_listed


def view(ref: str, tests: dict[str, Outcome]) -> RunView:
    return RunView(ref, tests={("unit", t): o for t, o in tests.items()})


def test_newly_failing_newly_skipped_and_added() -> None:
    up = view("up", {"a": Outcome("success"), "b": Outcome("success"), "c": Outcome("fail"),
                     "d": Outcome("success"), "e": Outcome("fail", known=True)})
    pa = view("pa", {"a": Outcome("fail"), "b": Outcome("skip"), "c": Outcome("fail"),
                     "d": Outcome("success"), "e": Outcome("fail", known=True),
                     "new_ok": Outcome("success"), "new_bad": Outcome("fail")})
    (d,) = diff_views(up, pa, ["unit"])
    assert d.newly_failing == ["a", "new_bad"]
    assert d.newly_skipped == ["b"]
    assert d.added == ["new_bad", "new_ok"]
    assert not d.clean


def test_identical_runs_are_clean() -> None:
    tests = {"a": Outcome("success"), "b": Outcome("skip"), "c": Outcome("fail", flaky=True)}
    (d,) = diff_views(view("up", tests), view("pa", dict(tests)), ["unit"])
    assert d.clean and d.added == [] and d.removed == []


def test_listing_counts_tests_that_never_loaded(tmp_path: Path) -> None:
    # upstream preflight: b never loaded (absent from the stream), but was listed
    up = view("up", {"a": Outcome("success")})
    pa = view("pa", {"a": Outcome("success"), "b": Outcome("success"),
                     "queue_test": Outcome("success")})
    for side, ids in (("up", "a\nb\n"), ("pa", "a\nb\nqueue_test\n")):
        (tmp_path / side / "unit").mkdir(parents=True)
        (tmp_path / side / "unit" / LISTED_FILE).write_text(ids)
    listed = (read_listed(tmp_path / "up"), read_listed(tmp_path / "pa"))
    (d,) = diff_views(up, pa, ["unit"], listed=listed)
    assert (d.upstream_total, d.patched_total) == (2, 3)
    assert d.added == ["queue_test"] and d.clean
    # without the listing, b looks added by the queue
    (d,) = diff_views(up, pa, ["unit"])
    assert d.added == ["b", "queue_test"]
