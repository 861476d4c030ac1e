"""A stack an earlier ``winci run --keep`` left up, as a run's backend (``--stack RUN_ID``).

A kept run writes ``kept.json`` into its private folder (owner-only: it holds the
stack's passwords): per platform, the stack's settings and where its tests ran. A later
run given ``--stack RUN_ID`` reads it (:func:`find_kept`) and runs its tempest lane
against that stack through a :class:`KeptBackend`: nothing is brought up or ended, the
lane's state (tempest's workspace and its stestr repository) is the kept run's, and
the only environment made is tempest's own venv (cached). What it is for: re-running
tempest against a stack being debugged, and measuring the lane without the stack's
start-up (``benchmarks/tempest_lane_overhead.py``).

Only the local backend's stacks (Linux, Windows CPython under Wine) are kept this way:
the docker backend runs its tempest lane in a container of the run's own images.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import requests

from winci.backends.base import BackendConfig, Step
from winci.backends.shared import endpoints, publish_configs
from winci.envs import ensure_env
from winci.envs.specs import tempest_env
from winci.errors import InfraError, UsageError
from winci.host.paths import cache_dir
from winci.host.private import write_private
from winci.lanes.executor import LocalExecutor, TestExecutor
from winci.platforms import LaneId
from winci.procs import Runner
from winci.runfolder import Manifest
from winci.stack.settings import StackSettings
from winci.stack.webserver import IMAGE_NAME
from winci.ui import Progress
from winci.worktree.prepared import PreparedTree

KEPT_FILE = "kept.json"


@dataclass(frozen=True)
class KeptStack:
    """One platform's stack of a kept run."""

    run_id: str
    private_dir: Path                  # the kept run's private folder: its lanes' state
    platform: str
    settings: StackSettings
    platform_info: dict[str, Any] = field(default_factory=dict)


def save_kept(private_dir: Path, run_id: str, backend: str,
              stacks: Mapping[str, tuple[StackSettings, dict[str, Any]]]) -> Path:
    """``kept.json`` of a run left up: ``stacks`` maps each platform to its stack's
    settings and where its tests ran."""
    return write_private(private_dir / KEPT_FILE, json.dumps({
        "run_id": run_id, "backend": backend,
        "stacks": {name: {"settings": settings.to_record(), "platform_info": info}
                   for name, (settings, info) in stacks.items()}}, indent=1))


def find_kept(run_id: str) -> dict[str, KeptStack]:
    """The stacks (by platform) the kept run ``run_id`` left up; a usage error when
    there is no such kept run, or its stacks cannot be reused."""
    private = cache_dir() / "runs" / run_id
    hint = "keep one with `winci run tempest --keep` and give the run id it prints"
    if not run_id or Path(run_id).name != run_id or not private.is_dir():
        raise UsageError(f"--stack {run_id!r}: no run of that id is kept here", hint)
    try:
        data = json.loads((private / KEPT_FILE).read_text(encoding="utf-8"))
        if data.get("backend") != "local":
            raise UsageError(f"--stack {run_id}: a stack of the {data.get('backend')} "
                             "backend cannot be reused",
                             "keep a run of the local backend (with or without "
                             "--platform wine)")
        return {name: KeptStack(run_id, private, name,
                                StackSettings.from_record(stack["settings"]),
                                dict(stack.get("platform_info") or {}))
                for name, stack in data["stacks"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(f"--stack {run_id}: the run was not kept with --keep, or its "
                         f"record is unreadable ({exc.__class__.__name__})", hint) from exc


def check_stack_lanes(run_id: str, kept: Mapping[str, KeptStack], lanes: list[LaneId], *,
                      keep: bool, backend: str) -> None:
    """Usage errors of a run given ``--stack``: only tempest lanes, each on a platform
    the kept run has a stack on, with the local backend, and no ``--keep``."""
    if keep:
        raise UsageError("--stack runs against a stack kept up already; --keep keeps a new "
                         "one", "leave out one of them")
    if backend != "local":
        raise UsageError(f"--stack runs the tempest lane on this host, not with --backend "
                         f"{backend}", "leave out --backend")
    for lane in lanes:
        if lane.lane != "tempest":
            raise UsageError(f"--stack: the {lane.lane} lane does not run against a stack",
                             "only the tempest lane does; run the others without --stack")
        if lane.platform not in kept:
            raise UsageError(f"--stack {run_id}: it kept no stack for lane {lane}",
                             "its stacks: " + ", ".join(
                                 str(LaneId("tempest", name)) for name in kept))


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=10).status_code < 500
    except requests.RequestException:
        return False


class KeptBackend:
    """A run's backend on one platform of a kept stack; see the module docstring."""

    name = "local"

    def __init__(self, kept: KeptStack, config: BackendConfig, runner: Runner) -> None:
        self.kept, self.config, self.runner = kept, config, runner
        # tempest's own log goes to this run's folder; the services log where they did
        self._settings = replace(kept.settings, log_dir=config.out_dir / "logs")
        self.notes: list[str] = []
        self.tempest_venv: Path | None = None

    @property
    def settings(self) -> StackSettings:
        return self._settings

    def prepare(self, tree: PreparedTree, progress: Progress) -> None:
        with progress.phase("tempest environment"):
            self.tempest_venv = ensure_env(tempest_env(constraints=tree.constraints),
                                           self.runner)

    def record(self, manifest: Manifest) -> None:
        manifest.extra["stack_of"] = self.kept.run_id

    def platform_info(self) -> dict[str, Any]:
        return dict(self.kept.platform_info)

    def resolve_db_mode(self) -> str:
        return self.settings.db

    def ensure_database(self) -> None:
        pass  # the kept stack's

    def up(self, step: Step) -> None:
        step(f"the stack of kept run {self.kept.run_id}")
        self.check_alive()

    def endpoints(self) -> dict[str, str]:
        s = self.settings
        return endpoints(s, database=False)

    def citest_url(self) -> str | None:
        return None

    def executor(self, lane: str) -> TestExecutor:
        if lane != "tempest":
            raise InfraError(f"the {lane} lane does not run against a kept stack")
        return LocalExecutor(self.tempest_venv)

    def check_alive(self) -> None:
        s = self.settings
        checks = [("Keystone", f"{s.keystone_url}/v3"), ("Glance", s.glance_url),
                  ("the image web server", f"{s.web_url}/{IMAGE_NAME}")]
        if s.glance_remote_url is not None:
            checks.append(("the second Glance API (image_remote)", s.glance_remote_url))
        for what, url in checks:
            if not _answers(url):
                raise InfraError(f"{what} of kept run {self.kept.run_id} does not answer "
                                 f"at {url}", f"bring it up again with `winci run tempest "
                                 f"--keep`; end this one with `winci down --run-id "
                                 f"{self.kept.run_id}`")

    def publish_configs(self, dest: Path) -> None:
        publish_configs(self.kept.settings, dest)

    def write_credentials(self) -> Path:
        return self.kept.settings.state_dir / "credentials.json"

    def down(self) -> None:
        pass  # the kept run's stack stays up: `winci down` ends it
