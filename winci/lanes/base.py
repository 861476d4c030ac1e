"""What every lane shares: its context, its outcome, results and the flaky retry, and
what stops a lane mid-way (an interrupt, a ``--filter`` that selects none of its tests)."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from winci.errors import InfraError, UsageError, WinciError
from winci.lanes import discovery, knownfail, stestr_repo
from winci.lanes.executor import LocalExecutor, TestExecutor
from winci.procs import Runner
from winci.procs.runner import Completed
from winci.results import TestCase, parse_stream, write_lane_reports
from winci.results.stream import FAILING
from winci.results.summary import Suite
from winci.runfolder import LaneFolder, LaneSummary, LaneVerdict, Verdict
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
    name: str                         # the lane's id: ``unit``, or ``unit@wine``
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
    # where the lane's tests run (winci.platforms) and what the backend says of it
    # (label, the interpreter's sys.version, Wine's version): into summary.json and HTML
    platform: str = "linux"
    platform_info: dict[str, Any] = field(default_factory=dict)

    @property
    def suite(self) -> str:
        """The lane without its platform: ``unit`` for ``unit@wine``."""
        return self.name.partition("@")[0]

    @property
    def suites(self) -> tuple[Suite, ...]:
        """The suites the lane runs, counted apart in its reports (:data:`LANE_SUITES`)."""
        return LANE_SUITES.get(self.suite, ())

    @property
    def platform_label(self) -> str | None:
        """The platform's label for verdict.json; None on Linux (as before platforms)."""
        return None if self.platform == "linux" else str(
            self.platform_info.get("label") or self.platform)


@dataclass
class LaneOutcome:
    """How a lane ended: SUCCESS, FAILURE or ERROR, its summary (None when it ended
    before any test ran), its time and what went wrong."""

    lane: str
    verdict: Verdict
    summary: LaneSummary | None = None
    duration_s: float = 0.0
    error: str | None = None
    platform: str | None = None   # the platform's label; None: Linux

    def to_verdict(self) -> LaneVerdict:
        """The lane's entry in ``verdict.json``."""
        return LaneVerdict.of(self.lane, self.verdict, self.summary, self.duration_s,
                              self.error, self.platform)


@dataclass
class Pass:
    """One execution of a test runner: its subunit stream, return code and log."""

    stream: Path
    returncode: int
    cases: list[TestCase]
    log: Path | None = None
    #: Set when the runner ran no test and the cases stand for why (import errors).
    error: str | None = None


class NoTestMatches(UsageError):
    """``--filter`` matches no test of a lane (the runner said so, and ran nothing)."""

    def __init__(self, lane: str, regex: str) -> None:
        super().__init__(f"--filter {regex!r}: no test of the {lane} lane matches it",
                         "it is searched for in the test ids of every lane of the run")
        self.lane = lane
        self.outcome = LaneOutcome(lane, Verdict.ERROR, None, 0.0, error=self.message)


class LaneInterrupted(KeyboardInterrupt):
    """Ctrl-C, SIGTERM or SIGBREAK stopped a lane; it carries what the lane ran.

    ``partial`` is the pass the interrupt cut short (its stream as far as it got,
    saved); ``outcome``, once the lane wrote its reports from what ran, the lane's
    INTERRUPTED outcome. Still a KeyboardInterrupt: it goes on stopping the run.
    """

    def __init__(self, lane: str, reason: str, partial: Pass | None = None,
                 outcome: LaneOutcome | None = None) -> None:
        super().__init__(reason)
        self.lane, self.reason, self.partial, self.outcome = lane, reason, partial, outcome


def interrupt_reason(exc: BaseException) -> str:
    """``interrupted by SIGTERM`` (what winci.procs.signals raises), or by Ctrl-C."""
    if isinstance(exc, LaneInterrupted):
        return exc.reason
    m = re.fullmatch(r"signal (\d+)", str(exc))
    if m is None:
        return "interrupted by Ctrl-C (SIGINT)"
    try:
        return f"interrupted by {signal.Signals(int(m.group(1))).name}"
    except ValueError:
        return f"interrupted by signal {m.group(1)}"


def stopped_lane(exc: BaseException) -> LaneOutcome | None:
    """The outcome of the lane that ``exc`` stopped mid-way (an interrupt, a
    ``--filter`` that matches none of its tests), if a lane did."""
    if isinstance(exc, LaneInterrupted):
        return exc.outcome or LaneOutcome(exc.lane, Verdict.INTERRUPTED, None, 0.0,
                                          error=exc.reason)
    if isinstance(exc, NoTestMatches):
        return exc.outcome
    return None


# A lane body runs the tests (``ids`` limits them to a list for the retry) and
# returns the pass. It raises InfraError when the environment, not a test, failed.
LaneBody = Callable[[LaneContext, Path, list[str] | None], Pass]


def finish(ctx: LaneContext, first: Pass, retry: Callable[[list[str]], Pass] | None,
           started: float) -> LaneOutcome:
    """Known failures, the isolated retry of the others, reports and the verdict."""
    failed = [c.test_id for c in first.cases if c.status in FAILING]
    known = knownfail.match(knownfail.load(ctx.suite), failed, platform=ctx.platform)
    to_retry = [t for t in failed if t not in known]
    flaky: list[str] = []
    if (to_retry and retry is not None and ctx.retry_failures and not first.error
            and len(to_retry) <= MAX_RETRIES):
        ctx.progress.say(f"{ctx.name}: re-running {len(to_retry)} failed test(s) in isolation")
        second = retry(to_retry)
        passed_again = {c.test_id for c in second.cases if c.status in ("success", "xfail")}
        flaky = [t for t in to_retry if t in passed_again]
        if flaky:
            ctx.progress.say(f"{ctx.name}: {len(flaky)} flaky test(s) passed on retry")
    summary = write_lane_reports(first.cases, ctx.out_dir, lane=ctx.name,
                                 known_failures=known, flaky=flaky,
                                 title=f"winci {ctx.name} lane",
                                 platform=ctx.platform_info or None, suites=ctx.suites)
    duration = time.monotonic() - started
    if not first.cases:
        # never a 0-test success: the runner ran nothing, or wrote nothing it ran
        where = first.log or ctx.out_dir / "logs"
        error = (f"the runner produced no test results (exit code {first.returncode}); "
                 f"see {where}")
        ctx.progress.say(f"  warning: {ctx.name}: the runner produced no test results; "
                         f"see {where}")
        _note_verdict(ctx, summary, Verdict.FAILURE, error)
        return LaneOutcome(ctx.name, Verdict.FAILURE, summary, duration, error=error,
                           platform=ctx.platform_label)
    if first.error:
        # the suite did not import: the cases are its import errors, the lane fails
        _note_verdict(ctx, summary, Verdict.FAILURE, first.error)
        return LaneOutcome(ctx.name, Verdict.FAILURE, summary, duration, error=first.error,
                           platform=ctx.platform_label)
    verdict = Verdict.FAILURE if summary.failed else Verdict.SUCCESS
    return LaneOutcome(ctx.name, verdict, summary, duration, platform=ctx.platform_label)


def _note_verdict(ctx: LaneContext, summary: LaneSummary, verdict: Verdict,
                  error: str) -> None:
    """Say in ``summary.json`` a verdict its counts do not tell (no results, interrupted)."""
    summary.extra.update(verdict=verdict.value, error=error)
    LaneFolder(ctx.out_dir).write_summary(summary)


def interrupted(ctx: LaneContext, exc: KeyboardInterrupt, first: Pass | None,
                started: float) -> LaneInterrupted:
    """The lane's INTERRUPTED outcome, its reports written from what ran, no retry.

    What ran: the first pass when the interrupt cut its retry short, else the partial
    pass (the tests that finished before the signal; those it cut off are left out).
    """
    reason = interrupt_reason(exc)
    ran = first
    if ran is None and isinstance(exc, LaneInterrupted) and exc.partial is not None:
        ran = exc.partial
        ran.cases = [c for c in ran.cases if c.finished]
    summary = None
    count = 0
    if ran is not None:
        try:
            known = knownfail.match(knownfail.load(ctx.suite),
                                    [c.test_id for c in ran.cases if c.status in FAILING],
                                    platform=ctx.platform)
        except WinciError:
            known = {}
        summary = write_lane_reports(ran.cases, ctx.out_dir, lane=ctx.name,
                                     known_failures=known,
                                     title=f"winci {ctx.name} lane (interrupted)",
                                     platform=ctx.platform_info or None,
                                     suites=ctx.suites)
        count = summary.total
        _note_verdict(ctx, summary, Verdict.INTERRUPTED,
                      f"{reason}: the results of the {count} test(s) that had finished")
    error = f"{reason} after {count} test(s)"
    kept = (f"their stream: {ran.stream}" if ran is not None and ran.stream.is_file()
            else "no test had finished")
    ctx.progress.say(f"  {ctx.name}: {error}; {kept}")
    outcome = LaneOutcome(ctx.name, Verdict.INTERRUPTED, summary,
                          time.monotonic() - started, error=error, platform=ctx.platform_label)
    return LaneInterrupted(ctx.name, reason, ran, outcome)


def run_lane(ctx: LaneContext, body: LaneBody) -> LaneOutcome:
    """Run a lane; an environment problem becomes an ERROR outcome, never a failure.

    A ``--filter`` that matches none of the lane's tests is a usage error, and an
    interrupt (:class:`LaneInterrupted`) goes on stopping the run once the lane's
    reports of what ran are written: both are raised, with the lane's outcome.
    """
    started = time.monotonic()
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    first: Pass | None = None
    try:
        first = body(ctx, ctx.out_dir / "results.subunit", None)

        def retry(ids: list[str]) -> Pass:
            return body(ctx, ctx.out_dir / "retry.subunit", ids)

        return finish(ctx, first, retry, started)
    except NoTestMatches as exc:
        exc.outcome.duration_s = time.monotonic() - started
        raise
    except WinciError as exc:
        return LaneOutcome(ctx.name, Verdict.ERROR, None, time.monotonic() - started,
                           error=str(exc), platform=ctx.platform_label)
    except KeyboardInterrupt as exc:
        raise interrupted(ctx, exc, first, started) from exc


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


def stestr_pass(ctx: LaneContext, *, stestr: str | os.PathLike[str], cwd: Path, stream: Path,
                ids: list[str] | None, run_args: list[str], env: dict[str, str],
                label: str, test_filter: str | None, isolated: bool = True) -> Pass:
    """``stestr run`` (or a ``--load-list`` retry) through the lane's executor (on this
    host or in a container), then the run's stream from stestr's repository
    (:mod:`winci.lanes.stestr_repo`, else ``stestr last --subunit`` through the executor).

    A ``--load-list`` run of ``ids`` is serial (``isolated``, for the flaky retry) unless
    told otherwise (the preflight lane's plain re-run of many tests). Interrupted, the
    runner ends stestr's tree and the stream as far as it got is saved to ``stream``:
    :class:`LaneInterrupted` carries it. A ``test_filter`` that stestr says matches
    nothing is :class:`NoTestMatches` when it is the run's ``--filter``.
    """
    logs = ctx.out_dir / "logs"
    runner = Runner(logs, run_id=ctx.runner.run_id, masker=ctx.runner.masker,
                    registry=ctx.runner.registry)
    merged_env = {**env, **ctx.extra_env}
    repo = cwd / ".stestr"
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
        before, temps = stestr_repo.next_stream(repo), stestr_repo.temp_streams(repo)
        ticker = _Ticker(ctx.progress, name, logs / f"{name}.log")
        ticker.start()
        try:
            done = ctx.executor.run(runner, args, name=name, timeout=ctx.timeout, cwd=cwd,
                                    extra_env=merged_env)
        except KeyboardInterrupt as exc:
            # the runner has ended stestr's whole tree: keep what it had written
            ticker.stopped.set()
            saved = stestr_repo.save_partial_stream(repo, stream, before=before,
                                                    temps_before=temps)
            partial = Pass(stream, -1, parse_stream(stream) if saved else [],
                           logs / f"{name}.log")
            raise LaneInterrupted(ctx.name, interrupt_reason(exc), partial) from exc
        finally:
            ticker.stopped.set()
        stream.unlink(missing_ok=True)
        # no run stored: stestr could not start, or ran nothing (no stale stream then)
        stored = stestr_repo.stored_a_run(repo, before)
        if stored and not stestr_repo.save_latest_stream(repo, stream):
            ctx.executor.run(runner, [stestr, "last", "--subunit"], name=f"{name}-last",
                             cwd=cwd, timeout=600, extra_env=merged_env, stdout_path=stream)
        stestr_repo.prune(repo, stale=temps)
    if not stream.is_file() or stream.stat().st_size == 0:
        if done.returncode != 0 and ids is None:
            _nothing_ran(ctx, done, label, test_filter if not stored else None)
            failures = discovery.import_errors(_log_text(done.log))
            if failures:
                error = discovery.describe(failures)
                ctx.progress.say(f"  {label}: {error}")
                return Pass(stream, done.returncode, discovery.write_stream(failures, stream),
                            done.log, error=error)
            _not_started(done, label)
        return Pass(stream, done.returncode, [], done.log)
    return Pass(stream, done.returncode, parse_stream(stream), done.log)


def _log_text(log: Path | None) -> str:
    try:
        return log.read_text(encoding="utf-8", errors="replace") if log else ""
    except OSError:
        return ""


# what stestr (4.x) prints when its test regex selects no test, and runs nothing
NO_MATCH = "The specified regex doesn't match with anything"


def _nothing_ran(ctx: LaneContext, done: Completed, label: str,
                 test_filter: str | None) -> None:
    """Raise what a ``stestr run`` that failed without a stream says, when it says:
    its regex matched nothing. Discovery failures (import errors of the suite) are the
    caller's: they are test failures; then :func:`_not_started`."""
    tail = done.tail_text(5)
    if test_filter and NO_MATCH in tail:
        if test_filter == ctx.filter:
            raise NoTestMatches(ctx.name, test_filter)
        raise InfraError(f"{label}: its test regex {test_filter!r} matches no test",
                         f"see {done.log}")


# what the log's tail says when stestr itself could not start (no import error logged):
# its module missing, or its program missing (wine's and a POSIX shell's wording)
_NOT_STARTED = ("No module named 'stestr'", "wine: cannot find", "command not found")


def _not_started(done: Completed, label: str) -> None:
    if any(sign in done.tail_text(5) for sign in _NOT_STARTED):
        raise InfraError(f"{label}: the test runner could not start", f"see {done.log}")


# A lane whose stream can lack tests (modules that never loaded) writes the suite as it
# listed it before running, one id a line, here in its folder.
LISTED_FILE = "listed.txt"

LANES = ("unit", "functional", "tempest", "preflight")
# The suites of a lane that runs several, counted apart (summary.json's ``suites``, the
# closing table): the tempest lane runs tempest's image API tests and
# glance-tempest-plugin's (docs/tempest.md).
LANE_SUITES: dict[str, tuple[Suite, ...]] = {
    "tempest": (Suite("tempest.api.image", "tempest.api.image."),
                Suite("glance_tempest_plugin", "glance_tempest_plugin.")),
}
DEFAULT_LANES = ("unit", "functional", "tempest")
# With no lane named, on a Linux host with the local backend and no --platform, the run
# adds these: Glance's unit suite under Windows CPython under Wine.
DEFAULT_WINE_LANES = ("unit@wine",)
