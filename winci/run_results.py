"""What a run leaves behind: its manifest and verdict in the run folder (through
:class:`winci.runfolder.RunFolder`), its record in the history and the closing table.

The steps of :class:`winci.runs.Run` call these with the run itself.
"""

from __future__ import annotations

import platform
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from winci.envs.constraints import pins_of, upper_constraints
from winci.envs.specs import GLANCE_TEMPEST_PLUGIN_VERSION, KEYSTONE_VERSION, TEMPEST_VERSION
from winci.errors import WinciError
from winci.lanes.base import LaneOutcome
from winci.platforms import PLATFORMS
from winci.runfolder import GlanceInfo, LaneVerdict, RunFolder, RunVerdict, Timings, Verdict
from winci.ui import table

if TYPE_CHECKING:
    from winci.runs import Run


@dataclass
class RunResult:
    run_id: str
    out_dir: Path
    verdict: Verdict
    lanes: dict[str, LaneOutcome]
    error: str | None = None

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def pins(constraints: Path | None = None) -> dict[str, str]:
    """The versions a run pins: Keystone, tempest and the libraries that matter most
    (from the run's constraints, the repository's by default)."""
    wanted = ("glance_store", "oslo.concurrency", "oslo.log", "os-brick", "oslo.db", "waitress",
              "stestr", "sqlalchemy", "pymysql")
    return ({"keystone": KEYSTONE_VERSION, "tempest": TEMPEST_VERSION,
             "glance-tempest-plugin": GLANCE_TEMPEST_PLUGIN_VERSION}
            | pins_of(constraints or upper_constraints(), wanted))


def write_manifest(run: Run, *, finished: bool = False) -> Path:
    """Bring ``run.manifest`` up to date with what the run knows now, and write it."""
    m, opts, source = run.manifest, run.opts, run.source
    if m.started is None:
        m.started = _now()
    if finished:
        m.finished = _now()
        # where the time went: each phase, and the run from winci's start-up on
        m.timings = Timings(dict(run.progress.timings), run.progress.elapsed())
    if source is not None:
        m.glance = GlanceInfo.from_dict(source.as_dict() | {
            "source": source.kind, "change": opts.zuul.get("change"),
            "patchset": opts.zuul.get("patchset")})
    m.lanes = run.lane_ids
    options = asdict(opts)
    options["glance_src"] = str(opts.glance_src) if opts.glance_src else None
    options["out"] = str(run.out_dir)
    m.options = options
    m.backend = opts.backend
    # the host winci ran on, and each platform its lanes' tests ran on (their own
    # interpreters: under --platform wine, Windows CPython's sys.version and Wine's)
    m.platform = {"system": platform.system(), "release": platform.release(),
                  "machine": platform.machine(), "python": platform.python_version()}
    if infos := run.platform_infos():
        m.platform["platforms"] = infos
    m.pins = {"glance": source.version if source else None} | pins(opts.constraints)
    if opts.zuul:
        m.zuul = dict(opts.zuul)
    return RunFolder(run.out_dir).write_manifest(m)


def write_results(run: Run, result: RunResult) -> None:
    """The final manifest and ``verdict.json``: every lane, NOT_RUN for those never
    reached."""
    write_manifest(run, finished=True)
    lanes = [outcome.to_verdict() for outcome in result.lanes.values()]
    lanes += [LaneVerdict.not_run(str(lane), None if lane.platform == "linux"
                                  else PLATFORMS[lane.platform].label)
              for lane in run.lanes if str(lane) not in result.lanes]
    RunFolder(run.out_dir).write_verdict(
        RunVerdict(result.verdict, run.run_id, result.error, lanes))


def record_history(run: Run) -> None:
    """Store the run in the history database; a problem there never changes the verdict."""
    if not run.opts.history:
        return
    from sqlalchemy.exc import SQLAlchemyError

    from winci.history import record_run

    try:
        record_run(run.out_dir, url=run.opts.history_url, kind=run.opts.run_kind)
    except (WinciError, SQLAlchemyError, OSError) as exc:
        run.progress.say(f"could not store the run in the history: "
                         f"{exc.__class__.__name__}: {exc}")


def suite_rows(outcome: LaneOutcome) -> list[list[object]]:
    """A row per suite under a lane that runs several (the tempest lane: tempest's image
    API tests and glance-tempest-plugin's), from its summary's ``suites``."""
    suites = outcome.summary.extra.get("suites") if outcome.summary is not None else None
    if not isinstance(suites, dict) or len(suites) < 2:
        return []
    return [[f"  {name}", "", "", c.get("passed", 0), c.get("failed", 0),
             c.get("known_failures", 0), c.get("flaky", 0), c.get("skipped", 0), ""]
            for name, c in suites.items() if isinstance(c, dict)]


def print_summary(run: Run, result: RunResult, kept: bool) -> None:
    """The table of lanes, the verdict and where the reports are."""
    rows: list[list[object]] = []
    for lane in run.lanes:
        label = PLATFORMS[lane.platform].label
        outcome = result.lanes.get(str(lane))
        if outcome is None:
            rows.append([lane.lane, label, Verdict.NOT_RUN, 0, 0, 0, 0, 0, "-"])
            continue
        v = outcome.to_verdict()
        rows.append([lane.lane, label, v.verdict, v.passed, v.failed, v.known_failures,
                     v.flaky, v.skipped, f"{outcome.duration_s:.0f}s"])
        rows += suite_rows(outcome)
    out = sys.stdout
    print("", file=out)
    print(table(["lane", "platform", "verdict", "passed", "failed", "known", "flaky",
                 "skipped", "time"], rows), file=out)
    print(f"\nverdict: {result.verdict}" + (f" ({result.error})" if result.error else ""),
          file=out)
    print(f"results: {run.out_dir}", file=out)
    for lane_id in run.lane_ids:
        report = run.out_dir / lane_id / "testr_results.html"
        if report.is_file():
            print(f"  {lane_id}: {report}", file=out)
    if kept:
        print("the stack is still up (--keep): see the endpoints above", file=out)
    out.flush()
