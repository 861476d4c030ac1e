"""A run: source, patch queue, environments, stack, lanes, verdict.

This is the service the ``winci run`` command (and nightly, reproduce and the Zuul
jobs through it) drives. It reads like the script of a run; each step is a plain
function in the module named for its job.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from winci import __version__
from winci.envs import ensure_env
from winci.envs.builder import validate_constraints
from winci.envs.specs import (
    KEYSTONE_VERSION,
    TEMPEST_VERSION,
    glance_env,
    keystone_env,
    tempest_env,
    upper_constraints,
)
from winci.errors import EXIT_FAILURES, EXIT_INFRA, EXIT_OK, PatchConflict, UsageError, WinciError
from winci.host.netutil import port_range, require_free
from winci.host.paths import cache_dir, state_dir
from winci.lanes.base import DEFAULT_LANES, LANES, LaneBody, LaneContext, LaneOutcome, run_lane
from winci.masking import GLOBAL_MASKER
from winci.procs import Runner
from winci.procs.registry import Registry, reap_stale
from winci.procs.signals import stop_requests_interrupt
from winci.stack.docker_stack import DockerBackend
from winci.stack.local import LocalStack
from winci.stack.settings import StackSettings
from winci.ui import Progress, table
from winci.worktree.sources import GlanceSource, resolve
from winci.worktree.tree import (
    install_into_venv,
    record_patched,
    still_patched,
    sync,
    work_tree_for,
)

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


@dataclass
class RunResult:
    run_id: str
    out_dir: Path
    verdict: str
    lanes: dict[str, LaneOutcome]
    error: str | None = None

    @property
    def exit_code(self) -> int:
        if self.verdict == "SUCCESS":
            return EXIT_OK
        if self.verdict == "FAILURE":
            return EXIT_FAILURES
        return EXIT_INFRA


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def validate(opts: RunOptions) -> None:
    """Usage errors before anything is started."""
    if not opts.lanes:
        opts.lanes = list(DEFAULT_LANES)
    unknown = [lane for lane in opts.lanes if lane not in LANES]
    if unknown:
        raise UsageError(f"unknown lane {unknown[0]!r}", f"lanes are: {', '.join(LANES)}")
    if opts.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
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
    if opts.backend not in ("local", "docker"):
        raise UsageError(f"--backend {opts.backend!r} is not local or docker")
    if opts.backend == "docker" and "preflight" in opts.lanes:
        raise UsageError("the preflight lane runs on this host only",
                         "run it with --backend local")
    if opts.simulate_disabled:
        from winci.simulate import BEHAVIOURS

        bad = sorted(opts.simulate_disabled - set(BEHAVIOURS))
        if bad:
            raise UsageError(f"--simulate-disable: unknown behaviour {bad[0]!r}",
                             f"choose from {', '.join(BEHAVIOURS)}")
    validate_constraints(opts.constraints or upper_constraints())
    for what, port in (("Keystone", opts.keystone_port), ("Glance", opts.glance_port)):
        if port is not None:
            if not 1 <= port <= 65535:
                raise UsageError(f"--{what.lower()}-port {port} is not a TCP port")
            require_free(port, what)


def _pins() -> dict[str, str]:
    pins = {"keystone": KEYSTONE_VERSION, "tempest": TEMPEST_VERSION}
    wanted = {"glance_store", "oslo.concurrency", "oslo.log", "oslo.db", "waitress",
              "stestr", "sqlalchemy", "pymysql"}
    for line in upper_constraints().read_text(encoding="utf-8").splitlines():
        name, sep, version = line.partition("===")
        if sep and name.strip().lower() in wanted:
            pins[name.strip()] = version.split(";")[0].strip()
    return pins


class Run:
    """One execution of ``winci run``."""

    def __init__(self, opts: RunOptions, progress: Progress | None = None) -> None:
        self.opts = opts
        self.progress = progress or Progress()
        self.run_id = new_run_id()
        self.out_dir = (opts.out or Path("winci-results") / self.run_id).resolve()
        self.private = cache_dir() / "runs" / self.run_id
        self.manifest: dict[str, Any] = {}
        self.source: GlanceSource | None = None
        self.stack: LocalStack | None = None
        self.outcomes: dict[str, LaneOutcome] = {}

    # -- the script ---------------------------------------------------------------------
    def execute(self) -> RunResult:
        validate(self.opts)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        say = self.progress.say
        say(f"winci {__version__}: run {self.run_id}, lanes {' '.join(self.opts.lanes)}, "
            f"results in {self.out_dir}")
        for reaped in reap_stale(state_dir()):
            say(f"cleaned up after killed run {reaped.run_id}: ended "
                f"{len(reaped.processes)} process(es), removed {len(reaped.paths)} folder(s)")
        registry = Registry(state_dir(), self.run_id)
        registry.add_path(self.private)
        runner = Runner(self.out_dir / "logs", run_id=self.run_id, registry=registry,
                        detach_services=self.opts.keep)
        self._write_manifest(started=True)
        verdict, error = "ERROR", None
        lock = None
        try:
            with stop_requests_interrupt():
                lock = self._prepare_and_run(runner)
            verdict = self._verdict()
        except PatchConflict as exc:
            verdict, error = "PATCH_CONFLICT", str(exc)
            say(f"patch queue does not apply: {exc}")
        except WinciError as exc:
            verdict, error = "ERROR", str(exc)
            say(f"error: {exc}")
        except KeyboardInterrupt:
            verdict, error = "ERROR", "interrupted"
            say("interrupted: stopping every child process")
        finally:
            kept = self._teardown(runner, registry, verdict)
            if lock is not None:
                lock.__exit__(None, None, None)
            result = RunResult(self.run_id, self.out_dir, verdict, self.outcomes, error)
            self._write_results(result)
            self._record_history()
            self._print_summary(result, kept)
        return result

    def _prepare_and_run(self, runner: Runner) -> Any:
        phase = self.progress.phase
        with phase("glance source"):
            self.source = resolve(self.opts.glance_src, runner)
            self.progress.say(f"  Glance {self.source.version} ({self.source.kind}: "
                              f"{self.source.path})")
        tree, lock = work_tree_for(self.source, self.opts.patches, self.private)
        queue = self._glance_queue()
        keep = (still_patched(tree, self.source.path, queue[0])
                if self.opts.patches and queue else None)
        with phase("work tree"):
            copied = sync(self.source, tree, keep=keep or ())
            self.progress.say(f"  {tree} ({copied} file(s) updated)")
        with phase("patch queue" if self.opts.patches else "patch queue (skipped)"):
            self._apply_patches(runner, tree, queue, already=keep is not None)
        self._write_manifest(started=True)
        self.private.mkdir(parents=True, exist_ok=True)
        settings = StackSettings(run_id=self.run_id, state_dir=self.private / "stack",
                                 log_dir=self.out_dir / "logs", db=self.opts.db)
        if self.opts.keystone_port:
            settings.keystone_port = self.opts.keystone_port
        if self.opts.glance_port:
            settings.glance_port = self.opts.glance_port
        genv = kenv = tenv = None
        if self.opts.backend == "docker":
            # No host environments: the images have Glance, Keystone and tempest.
            self.stack = self._docker_stack(runner, settings, tree)
        else:
            glance_extra, keystone_wheel = self._patched_libraries(runner)
            with phase("glance environment"):
                genv = ensure_env(glance_env(tree, extra=glance_extra,
                                             constraints=self.opts.constraints), runner)
                if install_into_venv(runner, genv, tree, self.source.version):
                    self.progress.say("  installed the work tree into the venv")
            if "tempest" in self.opts.lanes:
                with phase("keystone and tempest environments"):
                    kenv = ensure_env(keystone_env(constraints=self.opts.constraints,
                                                   keystone=keystone_wheel), runner)
                    tenv = ensure_env(tempest_env(constraints=self.opts.constraints), runner)
            self.stack = LocalStack(settings, runner)
        needs_db = any(lane in ("functional", "tempest") for lane in self.opts.lanes)
        if needs_db:
            with phase(f"database ({self.stack.resolve_db_mode()})"):
                for note in self.stack.notes:
                    self.progress.say(f"  note: {note}")
                self.stack.ensure_database()
        if "tempest" in self.opts.lanes:
            with phase("stack: keystone and glance"):
                def step(msg: str) -> None:
                    self.progress.say(f"  {msg}")

                if isinstance(self.stack, DockerBackend):
                    self.stack.up(glance_tree=tree, phase=step)
                else:
                    assert kenv is not None and genv is not None
                    self.stack.up(keystone_venv=kenv, glance_venv=genv, glance_tree=tree,
                                  phase=step)
        for lane in self.opts.lanes:
            ctx = LaneContext(
                name=lane, out_dir=self.out_dir / lane, runner=runner, progress=self.progress,
                glance_tree=tree, glance_venv=genv, concurrency=self.opts.concurrency,
                filter=self.opts.filter,
                timeout=self.opts.lane_timeout or LANE_TIMEOUTS[lane],
                retry_failures=self.opts.retry_failures, tempest_venv=tenv, stack=self.stack,
                state_dir=self.private, simulate_disabled=self.opts.simulate_disabled,
                executor=self.stack.executor(lane) if isinstance(self.stack, DockerBackend)
                else None)
            with phase(f"lane {lane}"):
                outcome = lane_runner(lane)(ctx)
            self.outcomes[lane] = outcome
            s = outcome.summary
            self.progress.say(
                f"  {lane}: {outcome.verdict} - {s.get('passed', 0)} passed, "
                f"{s.get('failed', 0)} failed, {s.get('known_failures', 0)} known, "
                f"{s.get('flaky', 0)} flaky, {s.get('skipped', 0)} skipped"
                + (f" ({outcome.error})" if outcome.error else ""))
        return lock

    def _docker_stack(self, runner: Runner, settings: StackSettings,
                      tree: Path) -> DockerBackend:
        """The engine (``DOCKER_HOST``), the images (built, or reused from the engine's
        layer cache) and the stack of containers that will run this run."""
        from winci.docker.engine import connect
        from winci.docker.images import BuildOptions
        from winci.docker.prepare import build_images

        with self.progress.phase("container engine"):
            client = connect()
        with self.progress.phase("images (cached layers are reused)"):
            options = BuildOptions(work_dir=(cache_dir() / "build").resolve(),
                                   ca_bundle=_ca_bundle(), images=self._images_needed())
            prepared, built = build_images(client, options, self.opts.glance_src, runner,
                                           apply_patches=self.opts.patches)
            images = {spec.name: spec.ref for spec in prepared.plan.images}
            for b in built:
                self.progress.say(f"  {b.ref}: {b.duration_s:.0f}s, {len(b.rebuilt)} of "
                                  f"{len(b.layer_steps)} layers built")
        self.manifest["images"] = images
        return DockerBackend(settings, runner, client, images, run_dir=self.out_dir,
                             shared=[self.private, self.out_dir, tree])

    def _images_needed(self) -> tuple[str, ...]:
        lanes = set(self.opts.lanes)
        needed = ["base", "glance"]
        if lanes & {"functional", "tempest"} and self.opts.db == "mysql":
            needed.append("mysql")
        if "tempest" in lanes:
            needed += ["keystone", "tempest"]
        return tuple(needed)

    def _patched_libraries(self, runner: Runner) -> tuple[tuple[str, ...], str | None]:
        """The patch queue's library wheels for the venvs (none with --no-patches)."""
        if not self.opts.patches:
            return (), None
        from winci.envs.specs import patched_env_inputs
        from winci.patches import prepare_patched_libraries

        with self.progress.phase("patched libraries"):
            wheels = prepare_patched_libraries(
                runner, self.opts.constraints or upper_constraints())
            for dist, wheel in sorted(wheels.items()):
                self.progress.say(f"  {dist}: {Path(wheel).name}")
        return patched_env_inputs({k: Path(v) for k, v in wheels.items()})

    def _glance_queue(self) -> tuple[str, list[str]] | None:
        """The queue's hash and the files its Glance series changes; None: no queue."""
        try:
            from winci.patches import GLANCE, load_queue, queue_hash
        except ImportError:  # the queue is optional
            return None
        queue = load_queue()
        if not queue:
            return None
        files = [f for series in queue if series.project == GLANCE for f in series.files()]
        return queue_hash(queue), files

    def _apply_patches(self, runner: Runner, tree: Path,
                       queue: tuple[str, list[str]] | None, *, already: bool) -> None:
        info: dict[str, Any] = {"applied": False, "queue_hash": queue[0] if queue else None}
        if self.opts.patches and queue:
            assert self.source is not None
            if already:
                self.progress.say("  already applied to this work tree (nothing changed "
                                  "since)")
            else:
                from winci.patches import apply_glance

                apply_glance(runner, tree)
                record_patched(tree, self.source.path, queue[0], queue[1])
            info["applied"] = True
        self.manifest["patches"] = info

    # -- verdict, teardown, results -----------------------------------------------------
    def _verdict(self) -> str:
        verdicts = [o.verdict for o in self.outcomes.values()]
        if "ERROR" in verdicts:
            return "ERROR"
        if "FAILURE" in verdicts:
            return "FAILURE"
        return "SUCCESS"

    def _teardown(self, runner: Runner, registry: Registry, verdict: str) -> bool:
        keep = self.opts.keep and self.stack is not None and verdict != "PATCH_CONFLICT"
        if self.stack is not None:
            try:
                self.stack.publish_configs(self.out_dir / "config")
            except OSError as exc:
                self.progress.say(f"could not copy config files: {exc}")
        if keep and self.stack is not None:
            runner.mask_logs()
            registry.mark_keep()
            creds = self.stack.write_credentials()
            self.progress.say("--keep: the stack stays up (end it with `winci down "
                              f"--run-id {self.run_id}`)")
            for name, url in self.stack.endpoints().items():
                self.progress.say(f"  {name}: {url}")
            self.progress.say(f"  credentials: {creds}")
            return True
        if self.stack is not None:
            self.stack.down()
        runner.close()
        runner.mask_logs()
        registry.close()
        shutil.rmtree(self.private, ignore_errors=True)
        return False

    def _write_manifest(self, *, started: bool) -> None:
        m = self.manifest
        m.setdefault("winci_version", __version__)
        m.setdefault("run_id", self.run_id)
        m.setdefault("started", datetime.now(UTC).isoformat(timespec="seconds"))
        if not started:
            m["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
            # where the time went: each phase, and the run from winci's start-up on
            m["timings"] = {"phases_s": dict(self.progress.timings),
                            "elapsed_s": self.progress.elapsed()}
        if self.source is not None:
            m["glance"] = self.source.as_dict() | {"source": self.source.kind,
                                                   "change": self.opts.zuul.get("change"),
                                                   "patchset": self.opts.zuul.get("patchset")}
        m.setdefault("patches", {"applied": False, "queue_hash": None})
        m["lanes"] = list(self.opts.lanes)
        opts = asdict(self.opts)
        opts["glance_src"] = str(self.opts.glance_src) if self.opts.glance_src else None
        opts["out"] = str(self.out_dir)
        m["options"] = opts
        m["backend"] = self.opts.backend
        m["platform"] = {"system": platform.system(), "release": platform.release(),
                         "machine": platform.machine(), "python": platform.python_version()}
        m["pins"] = {"glance": self.source.version if self.source else None} | _pins()
        if self.opts.zuul:
            m["zuul"] = dict(self.opts.zuul)
        text = GLOBAL_MASKER.mask(json.dumps(m, indent=1, default=str))
        (self.out_dir / "manifest.json").write_text(text + "\n", encoding="utf-8")

    def _write_results(self, result: RunResult) -> None:
        self._write_manifest(started=False)
        lanes: dict[str, dict[str, Any]] = {n: o.as_dict() for n, o in result.lanes.items()}
        verdict = {"verdict": result.verdict, "run_id": self.run_id, "error": result.error,
                   "lanes": lanes}
        for lane in self.opts.lanes:
            if lane not in result.lanes:
                lanes[lane] = {"verdict": "NOT_RUN", "passed": 0, "failed": 0,
                                          "skipped": 0, "known_failures": 0, "flaky": 0,
                                          "total": 0, "duration_s": 0.0, "error": None}
        (self.out_dir / "verdict.json").write_text(json.dumps(verdict, indent=1) + "\n",
                                                   encoding="utf-8")

    def _record_history(self) -> None:
        """Store the run in the history database; a problem there never changes the verdict."""
        if not self.opts.history:
            return
        from sqlalchemy.exc import SQLAlchemyError

        from winci.history import record_run

        try:
            record_run(self.out_dir, url=self.opts.history_url, kind=self.opts.run_kind)
        except (WinciError, SQLAlchemyError, OSError) as exc:
            self.progress.say(f"could not store the run in the history: "
                              f"{exc.__class__.__name__}: {exc}")

    def _print_summary(self, result: RunResult, kept: bool) -> None:
        rows = []
        for lane in self.opts.lanes:
            o = result.lanes.get(lane)
            if o is None:
                rows.append([lane, "NOT_RUN", 0, 0, 0, 0, 0, "-"])
                continue
            s = o.summary
            rows.append([lane, o.verdict, s.get("passed", 0), s.get("failed", 0),
                         s.get("known_failures", 0), s.get("flaky", 0), s.get("skipped", 0),
                         f"{o.duration_s:.0f}s"])
        out = sys.stdout
        print("", file=out)
        print(table(["lane", "verdict", "passed", "failed", "known", "flaky", "skipped",
                     "time"], rows), file=out)
        print(f"\nverdict: {result.verdict}" + (f" ({result.error})" if result.error else ""),
              file=out)
        print(f"results: {self.out_dir}", file=out)
        for lane in self.opts.lanes:
            report = self.out_dir / lane / "testr_results.html"
            if report.is_file():
                print(f"  {lane}: {report}", file=out)
        if kept:
            print("the stack is still up (--keep): see the endpoints above", file=out)
        out.flush()


def _ca_bundle() -> Path | None:
    """The CA bundle pip trusts inside Linux image builds (as ``winci build``)."""
    for var in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        value = os.environ.get(var)
        if value and Path(value).is_file():
            return Path(value)
    default = Path("/etc/ssl/certs/ca-certificates.crt")
    return default if os.name != "nt" and default.is_file() else None


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

