"""winci history: load runs and subunit streams into the history database, list them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from winci.errors import UsageError

if TYPE_CHECKING:
    from winci.history import History

# SQLAlchemy and Alembic load only when the command runs: every `winci` start-up
# imports this module for its help text.
URL_ENV = "WINCI_HISTORY_URL"

HELP = "load runs or subunit streams into the history database and list them"
DESCRIPTION = f"""\
The history is a SQLite file in winci's cache (<cache>/history.sqlite) unless
--db-url or ${URL_ENV} names another SQLAlchemy URL, e.g.
mysql+pymysql://user:password@127.0.0.1:3306/winci. Its schema is migrated with
Alembic on every open.

  winci history import results.subunit --lane unit --date 2026-11-20
  winci history import-run winci-results/<run-id>      (alias: add)
  winci history list [--lane unit] [--limit 20]
  winci history regressions unit [--last 10] [--kind nightly]
"""


def _db_args() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db-url", metavar="URL",
                        help=f"SQLAlchemy URL of the history (default: ${URL_ENV}, else the "
                             "SQLite file in winci's cache)")
    return common


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    common = [_db_args()]
    imp = sub.add_parser("import", parents=common, help="load a subunit stream as a run")
    imp.add_argument("stream", type=Path, metavar="SUBUNIT")
    imp.add_argument("--lane", default="unit", help="lane name (default: unit)")
    imp.add_argument("--run-id", help="run id (default: import-<lane>-<first test's time>)")
    imp.add_argument("--date", help="run date, ISO 8601 (default: the first test's start)")
    imp.add_argument("--kind", default="import", help="run kind (default: import)")
    imp.add_argument("--replace", action="store_true", help="replace a run with the same id")
    for name in ("import-run", "add"):
        add = sub.add_parser(name, parents=common,
                             help="load a run folder (manifest, verdict and lanes)")
        add.add_argument("run_dir", type=Path, metavar="RUN_DIR")
        add.add_argument("--kind", help="run kind, e.g. nightly (default: the manifest's "
                                        "options.kind, else run)")
        add.add_argument("--replace", action="store_true",
                         help="replace a run with the same id")
    lst = sub.add_parser("list", parents=common, help="list the runs, newest first")
    lst.add_argument("--lane", help="only runs with this lane")
    lst.add_argument("--limit", type=int, default=20)
    reg = sub.add_parser("regressions", parents=common,
                         help="regressions and flaky tests over a lane's last runs")
    reg.add_argument("lane")
    reg.add_argument("--last", type=int, default=10, help="how many runs (default: 10)")
    reg.add_argument("--kind", help="only runs of this kind (e.g. nightly)")


def _list(history: History, lane: str | None, limit: int) -> None:
    from sqlalchemy import func, select

    from winci.history.models import Lane, Run

    # aggregate per run in a subquery: portable under ONLY_FULL_GROUP_BY too
    counts = (select(Lane.run_pk, func.count(Lane.id).label("lanes"),
                     func.sum(Lane.total).label("total"), func.sum(Lane.failed).label("failed"))
              .group_by(Lane.run_pk).subquery())
    query = (select(Run, func.coalesce(counts.c.lanes, 0), func.coalesce(counts.c.total, 0),
                    func.coalesce(counts.c.failed, 0))
             .outerjoin(counts, counts.c.run_pk == Run.id)
             .order_by(Run.started.desc(), Run.id.desc()).limit(limit))
    if lane:
        query = query.where(Run.id.in_(select(Lane.run_pk).where(Lane.name == lane)))
    with history.session() as session:
        rows = list(session.execute(query))
    print(f"{'id':>5}  {'run id':<36} {'kind':<8} {'started (UTC)':<19} {'verdict':<14} "
          f"{'lanes':>5} {'tests':>6} {'failed':>6}")
    for run, lanes, total, failed in rows:
        started = f"{run.started:%Y-%m-%d %H:%M:%S}" if run.started else "-"
        print(f"{run.id:>5}  {run.run_id:<36} {run.kind:<8} {started:<19} "
              f"{run.verdict or '-':<14} {lanes:>5} {total:>6} {failed:>6}")


def _regressions(history: History, lane: str, last: int, kind: str | None) -> int:
    from winci.history import lane_findings

    found = lane_findings(history, lane, last=last, kind=kind)
    print(f"lane {lane}: {len(found.runs)} runs analysed"
          + (f" ({found.runs[0]} .. {found.runs[-1]})" if found.runs else ""))
    for reg in found.regressions:
        date = f"{reg.first_failed:%Y-%m-%d %H:%M}" if reg.first_failed else "?"
        print(f"  REGRESSION {reg.test_id}  first failed {date} in {reg.first_failed_run}"
              f" ({reg.streak} run{'s' if reg.streak > 1 else ''})")
    for _, test in found.flaky:
        print(f"  flaky      {test}")
    for _, test in found.still_failing:
        print(f"  failing    {test}  (failed in every run of the window)")
    return 1 if found.regressions else 0


def run(args: argparse.Namespace) -> int:
    if not args.action:
        raise UsageError("give an action: import, import-run (add), list or regressions",
                         "see winci history --help")
    from winci.history import History, import_run, import_stream
    from winci.history.dates import parse_date

    with History(args.db_url) as history:
        if args.action == "import":
            pk = import_stream(history, args.stream, lane=args.lane, run_id=args.run_id,
                               date=parse_date(args.date), kind=args.kind,
                               replace=args.replace)
            print(f"imported {args.stream} as history run {pk} into {history.safe_url}")
        elif args.action in ("import-run", "add"):
            pk = import_run(history, args.run_dir, kind=args.kind, replace=args.replace)
            print(f"imported {args.run_dir} as history run {pk} into {history.safe_url}")
        elif args.action == "list":
            _list(history, args.lane, args.limit)
        else:
            return _regressions(history, args.lane, args.last, args.kind)
    return 0
