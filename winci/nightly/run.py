"""The nightly run: the lanes against Glance master (or any tree), stored, compared, reported.

Steps:

1. **Source**: ``--glance-src PATH`` as given; else Glance's git ``master`` (or
   ``--glance-ref``) cloned into ``<cache>/sources/glance-git`` when its host answers
   within a few seconds; else, with no ``--glance-ref``, the default PyPI release with
   a note saying so (the note is in the output and the report). An explicit
   ``--glance-ref`` that cannot be fetched is an infrastructure error.
2. **Run**: :func:`winci.runs.execute` with ``run_kind="nightly"``; the run stores
   itself in the history with that kind.
3. **Report**: :mod:`winci.nightly.report` over the history: per lane the trend of the
   last N nightlies, the regressions with the date each first failed, the comparison
   with the previous nightly. Written beside the run (``<run>/nightly-report.html``).

Exit: 3 when the run itself ended in ERROR or PATCH_CONFLICT (or was not stored), 1
on a regression, else 0.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from winci.errors import EXIT_FAILURES, EXIT_INFRA, EXIT_OK, InfraError, UsageError
from winci.host.paths import cache_dir
from winci.lanes.base import DEFAULT_LANES
from winci.masking import GLOBAL_MASKER
from winci.nightly.report import DEFAULT_NIGHTS, KIND, NightlyReport, build_report, write_report
from winci.procs import Runner
from winci.runfolder import Verdict
from winci.ui import Progress

GLANCE_GIT_URL = "https://opendev.org/openstack/glance"
#: another git URL (a mirror, or a local path) for the Glance source of nightly runs
GIT_URL_ENV = "WINCI_GLANCE_GIT_URL"
PROBE_TIMEOUT_S = 5.0
DEFAULT_REF = "master"


@dataclass
class NightlyOptions:
    lanes: list[str] = field(default_factory=lambda: list(DEFAULT_LANES))
    glance_src: Path | None = None
    #: None: master when the git host answers, else the default PyPI release
    glance_ref: str | None = None
    git_url: str = field(default_factory=lambda: os.environ.get(GIT_URL_ENV) or GLANCE_GIT_URL)
    nights: int = DEFAULT_NIGHTS
    history_url: str | None = None
    out: Path | None = None
    report_only: bool = False
    concurrency: int | None = None
    filter: str | None = None
    db: str = "mysql"
    patches: bool = True


@dataclass
class NightlyResult:
    report: NightlyReport
    report_path: Path
    run_dir: Path | None = None
    verdict: Verdict | None = None
    error: str | None = None

    @property
    def exit_code(self) -> int:
        if self.error is not None or (self.verdict is not None and self.verdict.infra):
            return EXIT_INFRA
        return EXIT_FAILURES if self.report.regressions else EXIT_OK


# -- the Glance source --------------------------------------------------------------------

def probe(url: str, timeout: float = PROBE_TIMEOUT_S) -> str | None:
    """None when ``url``'s host accepts a TCP connection in time, else why not.

    A local path or ``file://`` URL needs no network and always passes.
    """
    parts = urlsplit(url)
    if parts.scheme in ("", "file") or len(parts.scheme) == 1:  # C:\... on Windows
        return None
    host = parts.hostname
    if not host:
        return f"{url} names no host"
    port = parts.port or {"https": 443, "http": 80, "git": 9418, "ssh": 22}.get(parts.scheme, 443)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"{host}:{port} did not answer within {timeout:.0f}s ({exc})"


def checkout(url: str, ref: str, runner: Runner, dest: Path | None = None) -> Path:
    """A shallow checkout of ``ref`` (a branch or tag) of ``url``, updated in place."""
    if shutil.which("git") is None:
        raise InfraError("git is not installed", "install git, or pass --glance-src PATH")
    dest = dest or cache_dir() / "sources" / "glance-git"
    if (dest / ".git").is_dir():
        runner.run(["git", "-C", dest, "remote", "set-url", "origin", url],
                   name="git-set-url", timeout=60)
        runner.run(["git", "-C", dest, "fetch", "--depth", "1", "origin", ref],
                   name="git-fetch", timeout=600)
        runner.run(["git", "-C", dest, "checkout", "--force", "--detach", "FETCH_HEAD"],
                   name="git-checkout", timeout=120)
        runner.run(["git", "-C", dest, "clean", "-fdx", "--quiet"], name="git-clean",
                   timeout=120)
        return dest
    staging = dest.with_name(dest.name + f".clone-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    runner.run(["git", "clone", "--depth", "1", "--branch", ref, url, staging],
               name="git-clone", timeout=900)
    shutil.rmtree(dest, ignore_errors=True)
    staging.replace(dest)
    return dest


def choose_source(opts: NightlyOptions, runner: Runner,
                  say: Callable[[str], None]) -> tuple[Path | None, list[str]]:
    """The Glance tree to run (None: the default PyPI release) and notes for the report."""
    if opts.glance_src is not None:
        return opts.glance_src, [f"Glance source: {opts.glance_src}"]
    ref = opts.glance_ref or DEFAULT_REF
    password = urlsplit(opts.git_url).password
    if password:  # a mirror's token never reaches the output or the report
        GLOBAL_MASKER.add(password)
    safe_url = GLOBAL_MASKER.mask(opts.git_url)
    why = probe(opts.git_url)
    if why is not None:
        if opts.glance_ref is not None:
            raise InfraError(f"cannot fetch Glance {ref} from {safe_url}: {why}",
                             f"pass --glance-src PATH, or set ${GIT_URL_ENV} to a mirror")
        from winci.worktree.sources import DEFAULT_GLANCE_VERSION

        note = (f"Glance {ref} is not reachable here ({why}): this nightly ran the "
                f"Glance {DEFAULT_GLANCE_VERSION} release from PyPI instead. Pass "
                f"--glance-src PATH or set ${GIT_URL_ENV} to test master.")
        say(f"note: {note}")
        return None, [note]
    say(f"fetching Glance {ref} from {safe_url}")
    tree = checkout(opts.git_url, ref, runner)
    return tree, [f"Glance source: {ref} of {safe_url}"]


# -- the nightly ---------------------------------------------------------------------------

def _report_dir(opts: NightlyOptions) -> Path:
    return (opts.out or Path("winci-results") / "nightly-report").resolve()


def report_only(opts: NightlyOptions, notes: list[str] | None = None) -> NightlyResult:
    """The report from the history alone (no run)."""
    from winci.history import History

    with History(opts.history_url) as history:
        report = build_report(history, opts.lanes or None, nights=opts.nights, kind=KIND,
                              notes=notes or [])
    if not report.lanes:
        raise UsageError(f"no {KIND} run in the history",
                         "run `winci nightly` first, or give --history-url")
    return NightlyResult(report, write_report(report, _report_dir(opts)))


def nightly(opts: NightlyOptions, progress: Progress | None = None,
            execute: Callable[..., Any] | None = None) -> NightlyResult:
    """Run the lanes as a nightly, store the run, write the report."""
    from winci.runs import RunOptions, validate
    from winci.runs import execute as run_execute

    if opts.nights < 1:
        raise UsageError("--nights must be at least 1")
    if opts.report_only:
        return report_only(opts)
    progress = progress or Progress()
    execute = execute or run_execute
    run_opts = RunOptions(lanes=list(opts.lanes or DEFAULT_LANES), out=opts.out,
                          filter=opts.filter, db=opts.db, patches=opts.patches,
                          history=True, history_url=opts.history_url, run_kind=KIND)
    if opts.concurrency:
        run_opts.concurrency = opts.concurrency
    run_opts.glance_src = opts.glance_src
    validate(run_opts)  # usage errors before any clone
    log_dir = cache_dir() / "logs" / "nightly"
    with Runner(log_dir) as runner:
        run_opts.glance_src, notes = choose_source(opts, runner, progress.say)
    result = execute(run_opts, progress)
    error = None
    from winci.history import History

    with History(opts.history_url) as history:
        report = build_report(history, run_opts.lanes, nights=opts.nights, kind=KIND,
                              notes=notes)
    latest = {lr.trend[-1].run_id for lr in report.lanes if lr.trend}
    if latest != {result.run_id}:
        error = (f"run {result.run_id} is not the latest nightly in the history "
                 f"{opts.history_url or '(default)'}: it could not be stored")
        report.notes.append(error)
    if result.verdict.infra:
        report.notes.append(f"this run ended in {result.verdict}"
                            + (f": {result.error}" if result.error else ""))
    path = write_report(report, result.out_dir)
    return NightlyResult(report, path, result.out_dir, result.verdict, error)
