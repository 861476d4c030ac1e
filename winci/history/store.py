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
from winci.history.db import History
from winci.history.models import TEST_ID_LEN, Lane, Run, TestResult
from winci.history.runfolder import naive_utc, parse_date, read_json
from winci.results import LaneResults, TestCase, parse_stream
from winci.results.report import SUBUNIT, classification, lane_dirs, read_summary


@dataclass
class LaneInput:
    """One lane to store: its tests, their classification and the lane's verdict."""

    name: str
    cases: Sequence[TestCase]
    known_failures: Mapping[str, str]
    flaky: Collection[str] = ()
    verdict: str | None = None
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
          verdict: str | None = None, manifest: Mapping[str, Any] | None = None,
          kind: str = "run", replace: bool = False) -> int:
    """Store one run with its lanes and tests; returns the run's history id."""
    manifest = manifest or {}
    glance = manifest.get("glance") or {}
    patches = manifest.get("patches") or {}
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
            glance_source=glance.get("source") or glance.get("kind"),
            glance_version=glance.get("version"),
            git_ref=glance.get("git_ref"), git_sha=glance.get("git_sha"),
            change=_str(glance.get("change")), patchset=_str(glance.get("patchset")),
            queue_hash=patches.get("queue_hash"), winci_version=manifest.get("winci_version"),
            backend=manifest.get("backend"),
            manifest=json.dumps(manifest, sort_keys=True) if manifest else None,
            imported_at=datetime.now(UTC).replace(tzinfo=None))
        session.add(run)
        session.flush()
        for item in lanes:
            res = LaneResults.classify(item.cases, lane=item.name,
                                       known_failures=item.known_failures, flaky=item.flaky)
            s = res.summary()
            lane = Lane(run_pk=run.id, name=item.name, verdict=item.verdict, total=s["total"],
                        passed=s["passed"], failed=s["failed"],
                        known_failures=s["known_failures"], flaky=s["flaky"],
                        skipped=s["skipped"], duration_s=s["duration_s"], error=item.error)
            session.add(lane)
            session.flush()
            rows = _test_rows(lane.id, res)
            if rows:
                session.execute(insert(TestResult), rows)
        return run.id


def _str(value: object) -> str | None:
    return None if value is None else str(value)


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
    known, flaky = classification(read_summary(stream.parent)
                                  if stream.name == SUBUNIT else None)
    return store(history, run_id, [LaneInput(lane, cases, known, flaky)], started=started,
                 finished=finished, kind=kind, replace=replace)


def import_run(history: History, run_dir: Path, *, kind: str | None = None,
               replace: bool = False) -> int:
    """Load a run folder written by ``winci run``: manifest, verdict and every lane."""
    if not run_dir.is_dir():
        raise UsageError(f"{run_dir} is not a folder", "give a run folder written by winci run")
    manifest = read_json(run_dir / "manifest.json")
    verdict = read_json(run_dir / "verdict.json")
    lane_verdicts: Mapping[str, Any] = verdict.get("lanes") or {}
    lanes = []
    for lane_dir in lane_dirs(run_dir):
        known, flaky = classification(read_summary(lane_dir))
        info = lane_verdicts.get(lane_dir.name) or {}
        lanes.append(LaneInput(lane_dir.name, parse_stream(lane_dir / SUBUNIT), known, flaky,
                               verdict=info.get("verdict"), error=info.get("error")))
    # lanes that never produced a stream (ERROR before tests ran) are kept with their verdict
    for name, info in lane_verdicts.items():
        if not any(item.name == name for item in lanes) and isinstance(info, dict):
            lanes.append(LaneInput(name, [], {}, verdict=info.get("verdict"),
                                   error=info.get("error")))
    if not lanes and not manifest:
        raise UsageError(f"{run_dir} holds no manifest.json and no <lane>/{SUBUNIT}",
                         "give a run folder written by winci run")
    options = manifest.get("options") or {}
    run_kind = kind or str(options.get("kind") or "run")
    return store(history, str(manifest.get("run_id") or run_dir.name), lanes,
                 started=parse_date(manifest.get("started")),
                 finished=parse_date(manifest.get("finished")),
                 verdict=verdict.get("verdict"), manifest=manifest, kind=run_kind,
                 replace=replace)


def record_run(run_dir: Path, *, url: str | None = None, kind: str | None = None) -> int:
    """Store a finished run folder in the history (``--db-url``/env/default SQLite).

    What ``winci run`` and ``winci nightly`` call at the end of a run; a run stored
    before under the same id is replaced.
    """
    with History(url) as history:
        return import_run(history, run_dir, kind=kind, replace=True)
