"""A run: source, patch queue, then its backend (environments, stack), lanes, verdict.

This is the service the ``winci run`` command (and nightly, reproduce and the Zuul
jobs through it) drives. It reads like the script of a run; each step is a plain
function in the module named for its job. The Glance tree is prepared here once
(:func:`winci.worktree.prepared.prepare_tree`) and handed to the backend ``--backend``
names (:mod:`winci.backends`), which the run drives only through its interface.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from winci import __version__
from winci.backends import Backend, BackendConfig, backend_entry, make_backend
from winci.backends.kept import KeptBackend, KeptStack, check_stack_lanes, find_kept, save_kept
from winci.envs.constraints import upper_constraints, validate_constraints
from winci.errors import PatchConflict, UsageError, WinciError
from winci.host.filelock import FileLock
from winci.host.netutil import port_range, require_free
from winci.host.paths import cache_dir, state_dir
from winci.host.private import private_dir
from winci.lanes import knownfail
from winci.lanes.base import (
    DEFAULT_LANES,
    DEFAULT_WINE_LANES,
    LANES,
    LaneBody,
    LaneContext,
    LaneOutcome,
    interrupt_reason,
    run_lane,
    stopped_lane,
)
from winci.platforms import LaneId, host_platform, parse_lane, platform
from winci.procs import Runner
from winci.procs.registry import Registry, reap_stale
from winci.procs.signals import stop_requests_interrupt
from winci.run_results import RunResult as RunResult  # re-exported: winci.runs.RunResult
from winci.run_results import print_summary, record_history, write_manifest, write_results
from winci.runfolder import Manifest, PatchInfo, RunFolder, Verdict, worst
from winci.ui import Progress
from winci.worktree.prepared import PreparedTree, prepare_tree
from winci.worktree.sources import GlanceSource, resolve
from winci.worktree.tree import work_tree_for

LANE_TIMEOUTS = {"unit": 1800.0, "functional": 3600.0, "tempest": 2400.0, "preflight": 2400.0}


@dataclass
class RunOptions:
    lanes: list[str] = field(default_factory=lambda: list(DEFAULT_LANES))
    glance_src: Path | None = None
    out: Path | None = None
    concurrency: int = max(1, min(os.cpu_count() or 2, 8))
    filter: str | None = None
    db: str = "mysql"
    keep: bool = False
    patches: bool = True
    backend: str = "local"
    retry_failures: bool = True
    lane_timeout: float | None = None
    constraints: Path | None = None
    keystone_port: int | None = None
    glance_port: int | None = None
    history: bool = True
    history_url: str | None = None
    run_kind: str = "run"
    simulate_disabled: frozenset[str] = frozenset()
    zuul: dict[str, str] = field(default_factory=dict)
    platform: str | None = None   # of lanes given without one (default: this host's)
    python: str | None = None     # that platform's interpreter version (wine: 3.12)
    stack: str | None = None      # the run id of a kept stack to run tempest against


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def default_lanes(platform_name: str | None, backend: str) -> list[str]:
    """The lanes of a run that names none: unit, functional and tempest on the run's
    platform; on a Linux host with the local backend and no ``--platform``, the unit
    lane on Windows CPython under Wine too (the main job shows Windows)."""
    lanes = list(DEFAULT_LANES)
    if platform_name is None and backend == "local" and host_platform() == "linux":
        lanes += DEFAULT_WINE_LANES
    return lanes


def validate(opts: RunOptions) -> list[LaneId]:
    """Usage errors before anything is started; the run's lanes, each on its platform."""
    kept = find_kept(opts.stack) if opts.stack is not None else {}
    if not opts.lanes:
        opts.lanes = ([str(LaneId("tempest", name)) for name in kept] if kept
                      else default_lanes(opts.platform, opts.backend))
    if opts.platform is not None:
        platform(opts.platform)
    # against a stack kept on one platform, its lanes need not name it
    lane_platform = opts.platform or (next(iter(kept)) if len(kept) == 1 else None)
    lanes = [parse_lane(spec, lane_platform) for spec in opts.lanes]
    unknown = [lane.lane for lane in lanes if lane.lane not in LANES]
    if unknown:
        raise UsageError(f"unknown lane {unknown[0]!r}", f"lanes are: {', '.join(LANES)}")
    ids = [str(lane) for lane in lanes]
    if len(set(ids)) != len(ids):
        twice = next(i for i in ids if ids.count(i) > 1)
        raise UsageError(f"lane {twice} is named twice")
    if opts.stack is not None:
        check_stack_lanes(opts.stack, kept, lanes, keep=opts.keep, backend=opts.backend)
    check_platforms(lanes, opts.backend, opts.python)
    if opts.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    if opts.lane_timeout is not None and not opts.lane_timeout > 0:
        raise UsageError(f"--lane-timeout {opts.lane_timeout:g} is not a positive number of "
                         "seconds", "leave it out for each lane's default limit")
    port_range()  # a malformed WINCI_PORT_RANGE is a usage error, before anything starts
    if opts.db not in ("mysql", "sqlite"):
        raise UsageError(f"--db {opts.db!r} is not mysql or sqlite")
    if opts.filter:
        import re

        try:
            re.compile(opts.filter)
        except re.error as exc:
            raise UsageError(f"--filter {opts.filter!r} is not a valid regex: {exc}") from exc
    if opts.glance_src is not None:
        from winci.worktree.sources import validate_glance_tree

        validate_glance_tree(opts.glance_src.expanduser().resolve())
    backend_entry(opts.backend).check_lanes(lane.lane for lane in lanes)
    if opts.simulate_disabled:
        from winci.simulate import BEHAVIOURS

        bad = sorted(opts.simulate_disabled - set(BEHAVIOURS))
        if bad:
            raise UsageError(f"--simulate-disable: unknown behaviour {bad[0]!r}",
                             f"choose from {', '.join(BEHAVIOURS)}")
    validate_constraints(opts.constraints or upper_constraints())
    knownfail.check_lists(opts.lanes)  # a broken list is found now, not after the tests
    for what, port in (("Keystone", opts.keystone_port), ("Glance", opts.glance_port)):
        if port is not None:
            if not 1 <= port <= 65535:
                raise UsageError(f"--{what.lower()}-port {port} is not a TCP port")
            require_free(port, what)
    return lanes


def check_platforms(lanes: list[LaneId], backend: str, python: str | None) -> None:
    """Each platform the lanes name runs on this host, with this backend."""
    entry = backend_entry(backend)
    for name in dict.fromkeys(lane.platform for lane in lanes):
        platform(name).check_host()
        entry.check_platform(name)
    wine = [lane for lane in lanes if lane.platform == "wine"]
    if any(lane.lane == "preflight" for lane in wine):
        raise UsageError("the preflight lane simulates Windows on this host's Python",
                         "run preflight without @wine; unit@wine runs the real interpreter")
    if wine:
        from winci.platforms.wine.provision import validate_python

        validate_python(python)
    elif python is not None:
        raise UsageError("--python chooses the interpreter of --platform wine",
                         "the other platforms use the Python their environments were made "
                         "with")


class Run:
    """One execution of ``winci run``."""

    def __init__(self, opts: RunOptions, progress: Progress | None = None) -> None:
        self.opts = opts
        self.progress = progress or Progress()
        self.run_id = new_run_id()
        self.out_dir = (opts.out or Path("winci-results") / self.run_id).resolve()
        self.private = cache_dir() / "runs" / self.run_id
        self.manifest = Manifest(run_id=self.run_id, winci_version=__version__)
        self.source: GlanceSource | None = None
        self.lanes: list[LaneId] = []              # validated: each lane on its platform
        self.backends: dict[str, Backend] = {}     # platform -> its backend, once prepared
        self.runners: dict[str, Runner] = {}       # platform -> the runner its backend uses
        self.tree_lock: FileLock | None = None    # held on the work tree while it runs
        self.outcomes: dict[str, LaneOutcome] = {}
        self.kept: dict[str, KeptStack] = {}       # --stack: the kept run's, by platform

    # -- the script ---------------------------------------------------------------------
    @property
    def lane_ids(self) -> list[str]:
        """The lanes as the run folder, the table and the history name them."""
        return [str(lane) for lane in self.lanes] or list(self.opts.lanes)

    def platform_infos(self) -> dict[str, dict[str, Any]]:
        return {name: backend.platform_info() for name, backend in self.backends.items()}

    def execute(self) -> RunResult:
        self.lanes = validate(self.opts)
        folder = RunFolder(self.out_dir)
        earlier = folder.check_new_run()
        folder.replace()
        say = self.progress.say
        say(f"winci {__version__}: run {self.run_id}, lanes {' '.join(self.lane_ids)}, "
            f"results in {self.out_dir}")
        if earlier is not None:
            say(f"  (it held run {earlier.run_id}: replaced whole)")
        for reaped in reap_stale(state_dir()):
            say(f"cleaned up after killed run {reaped.run_id}: ended "
                f"{len(reaped.processes)} process(es), removed {len(reaped.paths)} folder(s)"
                + (f"; {len(reaped.survivors)} could not be ended (kept for the next run)"
                   if reaped.survivors else ""))
        registry = Registry(state_dir(), self.run_id)
        registry.add_path(private_dir(self.private))
        runner = Runner(self.out_dir / "logs", run_id=self.run_id, registry=registry,
                        detach_services=self.opts.keep)
        self.runners["linux"] = runner
        self._write_manifest(started=True)
        verdict, error = Verdict.ERROR, None
        try:
            with stop_requests_interrupt():
                self._prepare_and_run(runner)
            verdict = self._verdict()
        except PatchConflict as exc:
            verdict, error = Verdict.PATCH_CONFLICT, str(exc)
            say(f"patch queue does not apply: {exc}")
        except UsageError as exc:  # found mid-run: a --filter no test of a lane matches
            verdict, error = Verdict.ERROR, str(exc)
            if (stopped := stopped_lane(exc)) is not None:
                self.outcomes[stopped.lane] = stopped
            raise  # after the run folder is complete (finally): exit code 2
        except WinciError as exc:
            verdict, error = Verdict.ERROR, str(exc)
            say(f"error: {exc}")
        except KeyboardInterrupt as exc:
            # the lane it stopped is INTERRUPTED with what ran; the lanes after it NOT_RUN
            verdict, error = Verdict.INTERRUPTED, interrupt_reason(exc)
            if (stopped := stopped_lane(exc)) is not None:
                self.outcomes[stopped.lane] = stopped
                error += f" during lane {stopped.lane}"
            say(f"{error}: stopping every child process")
            raise  # after the run folder is complete (finally): it stops the caller too
        finally:
            kept = self._teardown(runner, registry, verdict)
            if self.tree_lock is not None:  # also after a failure: the tree is free again
                self.tree_lock.__exit__(None, None, None)
            result = RunResult(self.run_id, self.out_dir, verdict, self.outcomes, error)
            self._write_results(result)
            self._record_history()
            self._print_summary(result, kept)
        return result

    def _prepare_and_run(self, runner: Runner) -> None:
        phase = self.progress.phase
        with phase("glance source"):
            self.source = source = resolve(self.opts.glance_src, runner)
            self.progress.say(f"  Glance {source.version} ({source.kind}: {source.path})")
        path, self.tree_lock = work_tree_for(source, self.opts.patches, self.private)
        tree = prepare_tree(runner, self.progress, source, path, patches=self.opts.patches,
                            constraints=self.opts.constraints or upper_constraints())
        self.manifest.patches = PatchInfo(**tree.manifest())
        self._write_manifest(started=True)
        # one backend per platform the lanes run on, each brought up as far as its lanes
        # need (e.g. unit@wine needs only its Windows environment); with --stack, the
        # stacks a kept run left up
        self.kept = find_kept(self.opts.stack) if self.opts.stack is not None else {}
        for name, lanes in self._lanes_by_platform().items():
            # the database and Keystone are native wherever the lanes run: say whose
            # they are, never that they run on the lanes' platform
            label = "" if name == "linux" else f" for the {platform(name).label} lanes"
            config = self._backend_config(name, lanes)
            backend: Backend = (
                KeptBackend(self.kept[name], config, self._runner_for(name, runner))
                if name in self.kept
                else make_backend(self.opts.backend, config, self._runner_for(name, runner)))
            backend.prepare(tree, self.progress)
            backend.record(self.manifest)
            self.backends[name] = backend
            if name in self.kept:
                with phase(f"stack: kept run {self.opts.stack}{label}"):
                    backend.up(lambda msg: self.progress.say(f"  {msg}"))
            elif any(lane in ("functional", "tempest") for lane in lanes):
                with phase(f"database ({backend.resolve_db_mode()}){label}"):
                    for note in backend.notes:
                        self.progress.say(f"  note: {note}")
                    backend.ensure_database()
            if "tempest" in lanes and name not in self.kept:
                with phase(f"stack: keystone and glance{label}"):
                    backend.up(lambda msg: self.progress.say(f"  {msg}"))
        self._write_manifest(started=True)  # with what each platform is
        for lane in self.lanes:
            backend = self.backends[lane.platform]
            with phase(f"lane {lane}"):
                outcome = lane_runner(lane.lane)(self._lane_context(
                    lane, self.runners[lane.platform], tree, backend))
            self.outcomes[str(lane)] = outcome
            self.progress.say(
                f"  {lane}: {outcome.verdict} - {outcome.to_verdict().counts_text()}"
                + (f" ({outcome.error})" if outcome.error else ""))

    def _lanes_by_platform(self) -> dict[str, tuple[str, ...]]:
        groups: dict[str, list[str]] = {}
        for lane in self.lanes:
            groups.setdefault(lane.platform, []).append(lane.lane)
        return {name: tuple(lanes) for name, lanes in groups.items()}

    def _runner_for(self, name: str, main: Runner) -> Runner:
        """The run's runner for Linux; another platform's backend logs in logs/<name>/
        (its services' log names stay apart from the Linux ones), same registry."""
        if name not in self.runners:
            self.runners[name] = Runner(self.out_dir / "logs" / name, run_id=self.run_id,
                                        registry=main.registry, masker=main.masker,
                                        detach_services=self.opts.keep)
        return self.runners[name]

    def _backend_config(self, name: str, lanes: tuple[str, ...]) -> BackendConfig:
        private = self.private if name == "linux" else self.private / name
        return BackendConfig(run_id=self.run_id, out_dir=self.out_dir,
                             private_dir=private, lanes=lanes,
                             db=self.opts.db, keystone_port=self.opts.keystone_port,
                             glance_port=self.opts.glance_port, platform=name,
                             python=self.opts.python)

    def _lane_context(self, lane: LaneId, runner: Runner, tree: PreparedTree,
                      backend: Backend) -> LaneContext:
        return LaneContext(
            name=str(lane), out_dir=self.out_dir / str(lane), runner=runner,
            progress=self.progress, glance_tree=tree.path, concurrency=self.opts.concurrency,
            filter=self.opts.filter,
            timeout=self.opts.lane_timeout or LANE_TIMEOUTS[lane.lane],
            retry_failures=self.opts.retry_failures, executor=backend.executor(lane.lane),
            stack=backend,
            # the lane's state (tempest's workspace): a kept stack's run's, else this run's
            state_dir=(self.kept[lane.platform].private_dir if lane.platform in self.kept
                       else self.private),
            simulate_disabled=self.opts.simulate_disabled, platform=lane.platform,
            platform_info=backend.platform_info())

    # -- verdict, teardown, results -----------------------------------------------------
    def _verdict(self) -> Verdict:
        return worst(o.verdict for o in self.outcomes.values())

    def _teardown(self, runner: Runner, registry: Registry, verdict: Verdict) -> bool:
        for name, backend in self.backends.items():
            try:
                backend.publish_configs(
                    self.out_dir / ("config" if name == "linux" else f"config@{name}"))
            except OSError as exc:
                self.progress.say(f"could not copy config files: {exc}")
        if self.opts.keep and self.backends and verdict is not Verdict.PATCH_CONFLICT:
            for each in self.runners.values():
                each.mask_logs()
            registry.mark_keep()
            save_kept(self.private, self.run_id, self.opts.backend,  # for --stack RUN_ID
                      {name: (backend.settings, backend.platform_info())
                       for name, backend in self.backends.items()})
            again = (f"; tempest against it again: `winci run --stack {self.run_id}`"
                     if self.opts.backend == "local" else "")
            self.progress.say("--keep: the stack stays up (end it with `winci down "
                              f"--run-id {self.run_id}`{again})")
            for backend in self.backends.values():
                creds = backend.write_credentials()
                for name, url in backend.endpoints().items():
                    self.progress.say(f"  {name}: {url}")
                self.progress.say(f"  credentials: {creds}")
            return True
        for backend in reversed(self.backends.values()):
            backend.down()
        ended = all([each.close() for name, each in reversed(self.runners.items())
                     if name != "linux"] + [runner.close()])
        for each in self.runners.values():
            each.mask_logs()
        if registry.close() and ended:
            shutil.rmtree(self.private, ignore_errors=True)
        else:  # the state record stays: the next run (or `winci down`) ends them
            self.progress.say(f"some processes of run {self.run_id} could not be ended; "
                              "the next run or `winci down --run-id "
                              f"{self.run_id}` ends them")
        return False

    def _write_manifest(self, *, started: bool) -> None:
        write_manifest(self, finished=not started)

    def _write_results(self, result: RunResult) -> None:
        write_results(self, result)

    def _record_history(self) -> None:
        record_history(self)

    def _print_summary(self, result: RunResult, kept: bool) -> None:
        print_summary(self, result, kept)


def lane_runner(lane: str) -> Callable[[LaneContext], LaneOutcome]:
    """How a lane runs: a test body with the shared retry and reports, or its own."""
    if lane == "preflight":
        from winci.lanes.preflight import run_preflight

        return run_preflight
    body: LaneBody
    if lane in ("unit", "functional"):
        from winci.lanes.glance_tests import glance_suite

        body = glance_suite
    elif lane == "tempest":
        from winci.lanes.tempest import tempest_suite

        body = tempest_suite
    else:
        raise UsageError(f"unknown lane {lane!r}")
    return lambda ctx: run_lane(ctx, body)


def execute(opts: RunOptions, progress: Progress | None = None) -> RunResult:
    return Run(opts, progress).execute()

