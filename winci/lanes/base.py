"""What every lane shares: its context, its outcome, results and the flaky retry."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from winci.errors import InfraError, WinciError
from winci.lanes import knownfail
from winci.lanes.executor import LocalExecutor, TestExecutor
from winci.procs import Runner
from winci.results import TestCase, parse_stream, write_lane_reports
from winci.results.stream import FAILING
from winci.runfolder import LaneSummary, LaneVerdict, Verdict
from winci.ui import Progress

if TYPE_CHECKING:
    from winci.stack.settings import StackSettings

# A lane whose first pass fails more tests than this is broken, not flaky: no retry.
MAX_RETRIES = 25


class LaneStack(Protocol):
    """What a lane reads of the stack its run brought up (the run's backend)."""

    @property
    def settings(self) -> StackSettings: ...

    def citest_url(self) -> str | None:
        """oslo.db's admin URL for the MySQL opportunistic tests, when MySQL is up."""

    def check_alive(self) -> None:
        """Raise InfraError when a service of the stack is gone."""


@dataclass
class LaneContext:
    name: str
    out_dir: Path
    runner: Runner
    progress: Progress
    glance_tree: Path
    concurrency: int
    filter: str | None = None
    timeout: float = 3600.0
    retry_failures: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)
    # where the lane's programs run, from the lane's environment (the backend says)
    executor: TestExecutor = field(default_factory=LocalExecutor)
    # set by the run for lanes that need them
    stack: LaneStack | None = None
    state_dir: Path | None = None
    simulate_disabled: frozenset[str] = frozenset()


@dataclass
class LaneOutcome:
    """How a lane ended: SUCCESS, FAILURE or ERROR, its summary (None when it ended
    before any test ran), its time and what went wrong."""

    lane: str
    verdict: Verdict
    summary: LaneSummary | None = None
    duration_s: float = 0.0
    error: str | None = None

    def to_verdict(self) -> LaneVerdict:
        """The lane's entry in ``verdict.json``."""
        return LaneVerdict.of(self.lane, self.verdict, self.summary, self.duration_s,
                              self.error)


@dataclass
class Pass:
    """One execution of a test runner: its subunit stream and return code."""

    stream: Path
    returncode: int
    cases: list[TestCase]


# A lane body runs the tests (``ids`` limits them to a list for the retry) and
# returns the pass. It raises InfraError when the environment, not a test, failed.
LaneBody = Callable[[LaneContext, Path, list[str] | None], Pass]


def finish(ctx: LaneContext, first: Pass, retry: Callable[[list[str]], Pass] | None,
           started: float) -> LaneOutcome:
    """Known failures, the isolated retry of the others, reports and the verdict."""
    failed = [c.test_id for c in first.cases if c.status in FAILING]
    known = knownfail.match(knownfail.load(ctx.name), failed)
    to_retry = [t for t in failed if t not in known]
    flaky: list[str] = []
    if to_retry and retry is not None and ctx.retry_failures and len(to_retry) <= MAX_RETRIES:
        ctx.progress.say(f"{ctx.name}: re-running {len(to_retry)} failed test(s) in isolation")
        second = retry(to_retry)
        passed_again = {c.test_id for c in second.cases if c.status in ("success", "xfail")}
        flaky = [t for t in to_retry if t in passed_again]
        if flaky:
            ctx.progress.say(f"{ctx.name}: {len(flaky)} flaky test(s) passed on retry")
    summary = write_lane_reports(first.cases, ctx.out_dir, lane=ctx.name,
                                 known_failures=known, flaky=flaky,
                                 title=f"winci {ctx.name} lane")
    duration = time.monotonic() - started
    if not first.cases:
        return LaneOutcome(ctx.name, Verdict.FAILURE, summary, duration,
                           error=f"no test results (runner exit code {first.returncode}; "
                                 f"see {ctx.out_dir / 'logs'})")
    verdict = Verdict.FAILURE if summary.failed else Verdict.SUCCESS
    return LaneOutcome(ctx.name, verdict, summary, duration)


def run_lane(ctx: LaneContext, body: LaneBody) -> LaneOutcome:
    """Run a lane; an environment problem becomes an ERROR outcome, never a failure."""
    started = time.monotonic()
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    try:
        first = body(ctx, ctx.out_dir / "results.subunit", None)

        def retry(ids: list[str]) -> Pass:
            return body(ctx, ctx.out_dir / "retry.subunit", ids)

        return finish(ctx, first, retry, started)
    except WinciError as exc:
        return LaneOutcome(ctx.name, Verdict.ERROR, None, time.monotonic() - started,
                           error=str(exc))


class _Ticker(threading.Thread):
    """Every ``interval`` seconds, says how many tests the runner has finished so far."""

    _DONE = re.compile(r"\.\.\. (ok|FAILED|SKIPPED|skip|FAIL)\b")

    def __init__(self, progress: Progress, label: str, log: Path, interval: float = 20.0):
        super().__init__(daemon=True)
        self.progress, self.label, self.log, self.interval = progress, label, log, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                text = self.log.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            done = failed = 0
            for m in self._DONE.finditer(text):
                done += 1
                failed += m.group(1).startswith("FAIL")
            self.progress.say(f"  {self.label}: {done} tests done, {failed} failed so far")


def _save_latest_stream(repo: Path, stream: Path) -> bool:
    """Write the run stestr just stored in ``repo`` to ``stream`` as subunit v2.

    The same bytes as ``stestr last --subunit`` (stestr's own repository code, in this
    process: no second interpreter start-up). The repository is on this host for both
    executors (a container's work tree is a bind mount at the same path). False when
    it cannot be read here, so the caller asks the runner's own stestr instead.
    """
    from stestr.repository import abstract as stestr_repository
    from stestr.repository import file as stestr_file

    try:
        # open() takes the folder that holds the repository (it adds .stestr)
        latest = stestr_file.RepositoryFactory().open(str(repo.parent)).get_latest_run()
        data = latest.get_subunit_stream()
        stream.parent.mkdir(parents=True, exist_ok=True)
        with stream.open("wb") as out:
            shutil.copyfileobj(data, out)
    except (stestr_repository.RepositoryNotFound, KeyError, OSError, ValueError):
        stream.unlink(missing_ok=True)
        return False
    return True


def _next_stream(repo: Path) -> int | None:
    """The id stestr gives its next run in ``repo``; None without a repository."""
    try:
        return int((repo / "next-stream").read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def _prune_old_streams(repo: Path) -> None:
    """Keep only the newest run's stream in a reused stestr file repository.

    Each run adds its stream (13 MB for the unit lane) as ``<repo>/<n>``; the lane has
    already saved it, and stestr's timing data (used to schedule workers) is kept.
    """
    following = _next_stream(repo)
    if following is None:
        return
    latest = following - 1
    for old in repo.iterdir():
        if old.name.isdigit() and int(old.name) < latest:
            old.unlink(missing_ok=True)


def stestr_pass(ctx: LaneContext, *, stestr: str | os.PathLike[str], cwd: Path, stream: Path,
                ids: list[str] | None, run_args: list[str], env: dict[str, str],
                label: str, test_filter: str | None, isolated: bool = True) -> Pass:
    """``stestr run`` (or a ``--load-list`` retry) through the lane's executor (on this
    host or in a container), then the run's stream from stestr's repository
    (:func:`_save_latest_stream`, else ``stestr last --subunit`` through the executor).

    A ``--load-list`` run of ``ids`` is serial (``isolated``, for the flaky retry) unless
    told otherwise (the preflight lane's plain re-run of many tests)."""
    logs = ctx.out_dir / "logs"
    runner = Runner(logs, run_id=ctx.runner.run_id, masker=ctx.runner.masker,
                    registry=ctx.runner.registry)
    merged_env = {**env, **ctx.extra_env}
    with runner:
        args: list[str | os.PathLike[str]] = [stestr, *run_args]
        if ids is not None:
            load_list = ctx.out_dir / "retry-list.txt"
            load_list.write_text("\n".join(ids) + "\n", encoding="utf-8")
            workers = 1 if isolated else ctx.concurrency
            args += ["--concurrency", str(workers), "--load-list", load_list]
            name = f"{label}-retry"
        else:
            args += ["--concurrency", str(ctx.concurrency)]
            if test_filter:
                args.append(test_filter)
            name = label
        before = _next_stream(cwd / ".stestr")
        ticker = _Ticker(ctx.progress, name, logs / f"{name}.log")
        ticker.start()
        try:
            done = ctx.executor.run(runner, args, name=name, timeout=ctx.timeout, cwd=cwd,
                                 extra_env=merged_env)
        finally:
            ticker.stopped.set()
        stream.unlink(missing_ok=True)
        if before is not None and _next_stream(cwd / ".stestr") == before:
            pass  # stestr stored no run (it could not start): no stream, not an old one
        elif not _save_latest_stream(cwd / ".stestr", stream):
            ctx.executor.run(runner, [stestr, "last", "--subunit"], name=f"{name}-last",
                          cwd=cwd, timeout=600, extra_env=merged_env, stdout_path=stream)
        _prune_old_streams(cwd / ".stestr")
    if not stream.is_file() or stream.stat().st_size == 0:
        if done.returncode != 0 and ids is None:
            # Nothing ran at all: discovery failed (an import error in the code under
            # test) or the runner could not start. The log says which.
            tail = done.tail_text(5)
            if "No module named 'stestr'" in tail or "not found" in tail:
                raise InfraError(f"{label}: the test runner could not start", f"see {done.log}")
        return Pass(stream, done.returncode, [])
    return Pass(stream, done.returncode, parse_stream(stream))


# A lane whose stream can lack tests (modules that never loaded) writes the suite as it
# listed it before running, one id a line, here in its folder.
LISTED_FILE = "listed.txt"

LANES = ("unit", "functional", "tempest", "preflight")
DEFAULT_LANES = ("unit", "functional", "tempest")
