"""A run's test outcomes, read from the history database or from a run folder.

Both sources give the same :class:`RunView`, so compare and regression analysis
work on either: a history id (the number ``winci history list`` shows, or the
run id) or a run folder written by ``winci run``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from winci.errors import UsageError
from winci.history.dates import parse_date
from winci.history.db import History
from winci.history.models import Lane, Run, TestResult
from winci.results import FAILING, LaneResults, parse_stream
from winci.results.report import classification
from winci.runfolder import RunFolder, Verdict

PASSING = frozenset({"success", "xfail"})


@dataclass(frozen=True)
class Outcome:
    status: str
    duration_s: float = 0.0
    flaky: bool = False
    known: bool = False

    @property
    def failing(self) -> bool:
        """An unexpected failure: not on the known list, and not passed on retry."""
        return self.status in FAILING and not self.known and not self.flaky

    @property
    def passing(self) -> bool:
        return self.status in PASSING


#: (lane, test id without attributes)
Key = tuple[str, str]


@dataclass
class RunView:
    ref: str
    started: datetime | None = None
    verdict: Verdict | None = None
    tests: dict[Key, Outcome] = field(default_factory=dict)


def from_run_dir(run_dir: Path) -> RunView:
    """Read every lane stream of a run folder, classified as its summary.json says."""
    folder = RunFolder(run_dir)
    manifest, verdict = folder.read_manifest(), folder.read_verdict()
    view = RunView(ref=(manifest.run_id if manifest else None) or run_dir.name,
                   started=parse_date(manifest.started if manifest else None),
                   verdict=verdict.verdict if verdict else None)
    for lane in folder.lanes():
        known, flaky = classification(lane.read_summary())
        res = LaneResults.classify(parse_stream(lane.stream), lane=lane.name,
                                   known_failures=known, flaky=flaky)
        flaky_ids = {id(c) for c in res.flaky}
        known_ids = {id(c) for c, _ in res.known}
        for case in res.cases:
            view.tests[(lane.name, case.base_id)] = Outcome(
                case.status, case.duration_s, id(case) in flaky_ids, id(case) in known_ids)
    return view


def _verdict(stored: str | None) -> Verdict | None:
    """A verdict stored in the history (None when it has none, or one this winci does
    not know)."""
    try:
        return Verdict(stored) if stored else None
    except ValueError:
        return None


def find_run(history: History, ref: str) -> Run:
    """A run by its run id, or by its numeric history id."""
    with history.session() as session:
        run = session.scalar(select(Run).where(Run.run_id == ref))
        if run is None and ref.isdigit():
            run = session.get(Run, int(ref))
        if run is None:
            raise UsageError(f"no run {ref!r} in the history {history.safe_url}",
                             "see `winci history list`, or give a run folder")
        return run


def from_history(history: History, run: Run, lane: str | None = None) -> RunView:
    view = RunView(ref=run.run_id, started=run.started, verdict=_verdict(run.verdict))
    query = (select(Lane.name, TestResult.test_id, TestResult.status, TestResult.duration_s,
                    TestResult.flaky, TestResult.known)
             .join(Lane, TestResult.lane_pk == Lane.id).where(Lane.run_pk == run.id))
    if lane is not None:
        query = query.where(Lane.name == lane)
    with history.session() as session:
        for name, test_id, status, duration, flaky, known in session.execute(query):
            view.tests[(name, test_id)] = Outcome(status, duration, bool(flaky), bool(known))
    return view


def load(ref: str, history_url: str | None = None) -> RunView:
    """A run folder when ``ref`` is a folder, else a run in the history."""
    path = Path(ref)
    if path.is_dir():
        return from_run_dir(path)
    with History(history_url) as history:
        return from_history(history, find_run(history, ref))


def lane_runs(history: History, lane: str, *, last: int = 10,
              kind: str | None = None) -> list[RunView]:
    """The last ``last`` runs that have ``lane``, oldest first, holding only that lane."""
    query = select(Run).join(Lane, Lane.run_pk == Run.id).where(Lane.name == lane)
    if kind is not None:
        query = query.where(Run.kind == kind)
    query = query.order_by(Run.started.desc(), Run.id.desc()).limit(last)
    with history.session() as session:
        runs = list(session.scalars(query))
    return [from_history(history, run, lane) for run in reversed(runs)]
