"""Re-run a build's failed tests here: each lane ``repeat`` times, through
:func:`winci.runs.execute`, with a filter matching exactly those tests."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from winci.errors import UsageError
from winci.reproduce.build import failed_tests, lanes_with_failures
from winci.reproduce.classify import ReproduceResult, TestRow, tally
from winci.reproduce.download import locate
from winci.reproduce.output import write_json
from winci.reproduce.plan import Plan, describe_source, plan_environment
from winci.results import base_id
from winci.runfolder import SUBUNIT
from winci.ui import Progress

DEFAULT_REPEAT = 3


@dataclass
class ReproduceOptions:
    source: str
    repeat: int = DEFAULT_REPEAT
    glance_src: Path | None = None
    lane: str | None = None
    out: Path | None = None
    include_flaky: bool = False
    concurrency: int | None = None
    history_url: str | None = None


def exact_filter(ids: Sequence[str]) -> str:
    """A stestr filter matching exactly ``ids`` (with or without ``[...]`` attributes)."""
    if not ids:
        raise UsageError("no test to re-run")
    alternatives = "|".join(re.escape(base_id(i)) for i in sorted(set(ids)))
    return rf"^(?:{alternatives})(?:\[[^\]]*\])?$"


def reproduce(opts: ReproduceOptions, progress: Progress | None = None,
              execute: Callable[..., Any] | None = None) -> ReproduceResult:
    """Read the build, rebuild its environment, re-run its failed tests ``repeat`` times."""
    from winci.runs import RunOptions
    from winci.runs import execute as run_execute

    progress = progress or Progress()
    execute = execute or run_execute
    if opts.repeat < 1:
        raise UsageError("--repeat must be at least 1")
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out_dir = (opts.out or Path("winci-results") / f"reproduce-{stamp}").resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    build = locate(opts.source, out_dir / "build", lane=opts.lane,
                   include_flaky=opts.include_flaky, say=progress.say)
    if opts.lane is not None and opts.lane not in build.lanes:
        raise UsageError(f"the build has no lane {opts.lane!r}",
                         f"its lanes are: {', '.join(build.lanes) or 'none'}")
    lanes = [opts.lane] if opts.lane else lanes_with_failures(
        build, include_flaky=opts.include_flaky)
    failed = {lane: failed_tests(build.run_dir, lane, include_flaky=opts.include_flaky)
              for lane in lanes}
    failed = {lane: ids for lane, ids in failed.items() if ids}

    def fetch_release(version: str) -> Path:
        from winci.procs import Runner
        from winci.worktree.sources import fetch_pypi_release

        with Runner(out_dir / "logs") as runner:
            return fetch_pypi_release(version, runner)

    say = progress.say
    say(f"build: {build.source}")
    for key in ("project", "change", "patchset", "ref", "job", "pipeline"):
        value = build.zuul_value(key)
        if value:
            say(f"  {key}: {value}")
    say(f"  winci {build.manifest.winci_version or '?'}, patch queue "
        f"{build.queue_hash or '-'}, Glance {describe_source(build)}, verdict "
        f"{build.verdict.verdict if build.verdict else '?'}")
    if not failed:
        # nothing to rebuild: a build that ended in ERROR may not even name its source
        say("the build has no failed test to re-run"
            + (f" in lane {opts.lane}" if opts.lane else ""))
        result = ReproduceResult(build, out_dir, Plan(opts.glance_src, build.patches_used,
                                                      "mysql"))
        write_json(result)
        return result
    plan = plan_environment(build, opts.glance_src, fetch_release)
    result = ReproduceResult(build, out_dir, plan)
    for note in plan.notes:
        say(f"  {note}")
    for warning in plan.warnings:
        say(f"  warning: {warning}")
    for lane, ids in failed.items():
        say(f"lane {lane}: {len(ids)} failed test(s), {opts.repeat} repeat(s)")
        rows = {i: TestRow(lane, i) for i in ids}
        for n in range(1, opts.repeat + 1):
            run_dir = out_dir / f"{lane}-{n}"
            run_opts = RunOptions(lanes=[lane], glance_src=plan.glance_src, out=run_dir,
                                  filter=exact_filter(ids), db=plan.db, patches=plan.patches,
                                  retry_failures=False, history=False,
                                  history_url=opts.history_url, run_kind="reproduce")
            if opts.concurrency:
                run_opts.concurrency = opts.concurrency
            say(f"repeat {n}/{opts.repeat} of lane {lane}: {run_dir}")
            res = execute(run_opts, progress)
            result.run_dirs.append(run_dir)
            if res.verdict.infra:
                result.errors.append(f"{lane} repeat {n}: {res.verdict}"
                                     + (f" ({res.error})" if res.error else ""))
            tally(rows, run_dir / lane / SUBUNIT)
        result.rows.extend(rows.values())
    write_json(result)
    return result
