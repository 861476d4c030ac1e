"""Regressions and flaky tests over the last N runs of a lane (for ``winci nightly``).

Each test gets a sequence of outcomes, oldest first: ``P`` (passed), ``F`` (an
unexpected failure), ``R`` (failed, then passed its isolated retry) or nothing (not
run, skipped or a known failure, which say nothing either way).

- **flaky**: it was marked flaky (``R``) in any of those runs, or its outcome flipped
  between pass and fail at least twice (``P F P``, ``F P F``...);
- **regression**: otherwise, it fails in the latest run and passed before the failing
  streak that ends there; ``first_failed`` is the date of the streak's first run, and
  ``new`` says the streak is just the latest run (it passed in the previous run);
- **still failing**: it fails in the latest run and never passed in the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from sqlalchemy import select

from winci.history.db import History
from winci.history.models import Lane, Run
from winci.history.views import Key, Outcome, RunView, lane_runs

FLIPS_FOR_FLAKY = 2


@dataclass(frozen=True)
class Regression:
    lane: str
    test_id: str
    first_failed: datetime | None
    first_failed_run: str
    streak: int

    @property
    def new(self) -> bool:
        return self.streak == 1


@dataclass
class Findings:
    runs: list[str] = field(default_factory=list)
    regressions: list[Regression] = field(default_factory=list)
    flaky: list[Key] = field(default_factory=list)
    still_failing: list[Key] = field(default_factory=list)


def _mark(outcome: Outcome | None) -> str:
    if outcome is None:
        return ""
    if outcome.flaky:
        return "R"
    if outcome.failing:
        return "F"
    if outcome.passing:
        return "P"
    return ""


def analyse(runs: Sequence[RunView]) -> Findings:
    """Classify every test seen in ``runs`` (oldest first); the last run is "now"."""
    found = Findings(runs=[r.ref for r in runs])
    if not runs:
        return found
    keys = sorted({key for run in runs for key in run.tests})
    for key in keys:
        marks = [_mark(run.tests.get(key)) for run in runs]
        seen = [m for m in marks if m in ("P", "F")]
        flips = sum(1 for a, b in pairwise(seen) if a != b)
        if "R" in marks or flips >= FLIPS_FOR_FLAKY:
            found.flaky.append(key)
            continue
        if marks[-1] != "F":
            continue
        # walk back over the failing streak (runs without the test do not break it)
        first = len(runs) - 1
        streak = 0
        passed_before = False
        for i in range(len(runs) - 1, -1, -1):
            if marks[i] == "F":
                first, streak = i, streak + 1
            elif marks[i] == "P":
                passed_before = True
                break
        if passed_before:
            found.regressions.append(Regression(key[0], key[1], runs[first].started,
                                                runs[first].ref, streak))
        else:
            found.still_failing.append(key)
    return found


def lane_findings(history: History, lane: str, *, last: int = 10,
                  kind: str | None = None) -> Findings:
    """Regressions and flaky tests over the last ``last`` runs of ``lane`` in the history."""
    return analyse(lane_runs(history, lane, last=last, kind=kind))


@dataclass(frozen=True)
class TrendPoint:
    """One run of a lane, for a trend plot (pass, fail, duration over the last N runs)."""

    run_id: str
    started: datetime | None
    verdict: str | None
    passed: int
    failed: int
    known_failures: int
    flaky: int
    skipped: int
    duration_s: float


def lane_trend(history: History, lane: str, *, last: int = 14,
               kind: str | None = None) -> list[TrendPoint]:
    """The lane's counts and duration in its last ``last`` runs, oldest first."""
    query = (select(Run.run_id, Run.started, Lane.verdict, Lane.passed, Lane.failed,
                    Lane.known_failures, Lane.flaky, Lane.skipped, Lane.duration_s)
             .join(Lane, Lane.run_pk == Run.id).where(Lane.name == lane))
    if kind is not None:
        query = query.where(Run.kind == kind)
    query = query.order_by(Run.started.desc(), Run.id.desc()).limit(last)
    with history.session() as session:
        rows = list(session.execute(query))
    return [TrendPoint(*row) for row in reversed(rows)]
