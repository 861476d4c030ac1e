"""Load results into the history: a single subunit stream, or a whole run folder.

Test rows go in with one bulk ``INSERT`` per lane (SQLAlchemy's executemany), which
keeps a 2,400-test lane well under a second on SQLite and MariaDB alike.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select

from winci.errors import UsageError
from winci.history.dates import naive_utc, parse_date
from winci.history.db import History
from winci.history.models import TEST_ID_LEN, Lane, Run, TestResult
from winci.results import LaneResults, TestCase, parse_stream
from winci.results.report import classification
from winci.runfolder import MANIFEST, SUBUNIT, LaneFolder, Manifest, RunFolder, Verdict


@dataclass
class LaneInput:
    """One lane to store: its tests, their classification and the lane's verdict."""

    name: str
    cases: Sequence[TestCase]
    known_failures: Mapping[str, str]
    flaky: Collection[str] = ()
    verdict: Verdict | None = None
    error: str | None = None


def _test_rows(lane_pk: int, res: LaneResults) -> list[dict[str, Any]]:
    flaky = {id(c) for c in res.flaky}
    known = {id(c): reason for c, reason in res.known}
    rows = []
    for case in res.cases:
        base = case.base_id
        key = id(case)
        details = known.get(key) if key in known else (case.details or None)
        rows.append({
            "lane_pk": lane_pk, "test_id": base[:TEST_ID_LEN],
            "attrs": case.test_id[len(base):][:255], "status": case.status,
            "duration_s": round(case.duration_s, 4), "flaky": key in flaky,
            "known": key in known, "details": details if case.status != "success" else None,
        })
    return rows


def store(history: History, run_id: str, lanes: Sequence[LaneInput], *,
          started: datetime | None = None, finished: datetime | None = None,
          verdict: Verdict | None = None, manifest: Manifest | None = None,
          kind: str = "run", replace: bool = False) -> int:
    """Store one run with its lanes and tests; returns the run's history id."""
    glance = manifest.glance if manifest is not None else None
    with history.session() as session, session.begin():
        existing = session.scalar(select(Run).where(Run.run_id == run_id))
        if existing is not None:
            if not replace:
                raise UsageError(f"run {run_id!r} is already in the history (id {existing.id})",
                                 "pass --replace to load it again, or another --run-id")
            lane_pks = select(Lane.id).where(Lane.run_pk == existing.id)
            session.execute(delete(TestResult).where(TestResult.lane_pk.in_(lane_pks)))
            session.execute(delete(Lane).where(Lane.run_pk == existing.id))
            session.execute(delete(Run).where(Run.id == existing.id))
        run = Run(
            run_id=run_id, kind=kind, started=naive_utc(started),
            finished=naive_utc(finished), verdict=verdict,
            glance_source=glance.origin if glance else None,
            glance_version=glance.version if glance else None,
            git_ref=glance.git_ref if glance else None,
            git_sha=glance.git_sha if glance else None,
            change=glance.change if glance else None,
            patchset=glance.patchset if glance else None,
            queue_hash=manifest.patches.queue_hash if manifest else None,
            winci_version=manifest.winci_version if manifest else None,
            backend=manifest.backend if manifest else None,
            manifest=json.dumps(manifest.to_dict(), sort_keys=True, default=str)
            if manifest else None,
            imported_at=datetime.now(UTC).replace(tzinfo=None))
        session.add(run)
        session.flush()
        for item in lanes:
            res = LaneResults.classify(item.cases, lane=item.name,
                                       known_failures=item.known_failures, flaky=item.flaky)
            s = res.summary()
            lane = Lane(run_pk=run.id, name=item.name, verdict=item.verdict, total=s.total,
                        passed=s.passed, failed=s.failed, known_failures=s.known_failures,
                        flaky=s.flaky, skipped=s.skipped, duration_s=s.duration_s,
                        error=item.error)
            session.add(lane)
            session.flush()
            rows = _test_rows(lane.id, res)
            if rows:
                session.execute(insert(TestResult), rows)
        return run.id


def import_stream(history: History, stream: Path, *, lane: str = "unit",
                  run_id: str | None = None, date: datetime | None = None,
                  kind: str = "import", replace: bool = False) -> int:
    """Load one subunit stream as a one-lane run. The date defaults to the first test's."""
    cases = parse_stream(stream, strict=True)
    starts = [c.start for c in cases if c.start is not None]
    stops = [c.stop for c in cases if c.stop is not None]
    started = date or (min(starts) if starts else datetime.now(UTC))
    finished = max(stops) if stops and date is None else None
    if run_id is None:
        run_id = f"import-{lane}-{naive_utc(started):%Y%m%dT%H%M%S}"
    known, flaky = classification(LaneFolder(stream.parent).read_summary()
                                  if stream.name == SUBUNIT else None)
    return store(history, run_id, [LaneInput(lane, cases, known, flaky)], started=started,
                 finished=finished, kind=kind, replace=replace)


def import_run(history: History, run_dir: Path, *, kind: str | None = None,
               replace: bool = False) -> int:
    """Load a run folder written by ``winci run``: manifest, verdict and every lane."""
    if not run_dir.is_dir():
        raise UsageError(f"{run_dir} is not a folder", "give a run folder written by winci run")
    folder = RunFolder(run_dir)
    manifest = folder.read_manifest()
    verdict = folder.read_verdict()
    lane_verdicts = verdict.lanes if verdict is not None else []
    lanes = []
    for lane in folder.lanes():
        known, flaky = classification(lane.read_summary())
        info = verdict.lane(lane.name) if verdict is not None else None
        lanes.append(LaneInput(lane.name, parse_stream(lane.stream), known, flaky,
                               verdict=info.verdict if info else None,
                               error=info.error if info else None))
    # lanes that never produced a stream (ERROR before tests ran) are kept with their verdict
    for info in lane_verdicts:
        if not any(item.name == info.name for item in lanes):
            lanes.append(LaneInput(info.name, [], {}, verdict=info.verdict, error=info.error))
    if not lanes and manifest is None:
        raise UsageError(f"{run_dir} holds no {MANIFEST} and no <lane>/{SUBUNIT}",
                         "give a run folder written by winci run")
    options: Mapping[str, Any] = manifest.options if manifest else {}
    run_kind = kind or str(options.get("kind") or "run")
    return store(history, (manifest.run_id if manifest else None) or run_dir.name, lanes,
                 started=parse_date(manifest.started if manifest else None),
                 finished=parse_date(manifest.finished if manifest else None),
                 verdict=verdict.verdict if verdict else None, manifest=manifest,
                 kind=run_kind, replace=replace)


def record_run(run_dir: Path, *, url: str | None = None, kind: str | None = None) -> int:
    """Store a finished run folder in the history (``--db-url``/env/default SQLite).

    What ``winci run`` and ``winci nightly`` call at the end of a run; a run stored
    before under the same id is replaced.
    """
    with History(url) as history:
        return import_run(history, run_dir, kind=kind, replace=True)
