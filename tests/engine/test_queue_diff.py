"""queue-diff: what counts as a change of Linux behaviour."""

from __future__ import annotations

from winci.history.views import Outcome, RunView
from winci.queue_diff import diff_views


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
