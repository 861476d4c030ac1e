"""A CI build as its logs describe it: Zuul's inventory, the run folder, the failed tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from winci.errors import UsageError
from winci.results import LaneResults, base_id, parse_stream
from winci.results.report import classification
from winci.runfolder import (
    MANIFEST,
    SUBUNIT,
    SUMMARY,
    GlanceInfo,
    LaneFolder,
    Manifest,
    RunFolder,
    RunVerdict,
)

#: the run folder's name under the build's log root (jobs/roles/winci-fetch-results)
LOG_RUN_DIR = "winci-run"
INVENTORY = "zuul-info/inventory.yaml"


@dataclass
class Build:
    """What a CI build ran, read from its logs."""

    source: str
    run_dir: Path
    manifest: Manifest
    verdict: RunVerdict | None     # None: the build wrote no verdict.json
    zuul: dict[str, Any] = field(default_factory=dict)

    def zuul_value(self, key: str) -> str | None:
        value = self.zuul.get(key)
        if isinstance(value, Mapping):  # inventory: project is {name, short_name, ...}
            value = value.get("name")
        if value in (None, ""):
            value = (self.manifest.zuul or {}).get(key)
        if value in (None, "") and key in ("change", "patchset"):
            value = getattr(self.glance, key)
        return None if value in (None, "") else str(value)

    @property
    def glance(self) -> GlanceInfo:
        return self.manifest.glance or GlanceInfo()

    @property
    def glance_kind(self) -> str | None:
        return self.glance.origin

    @property
    def lanes(self) -> list[str]:
        if self.manifest.lanes:
            return list(self.manifest.lanes)
        return [lane.name for lane in self.verdict.lanes] if self.verdict else []

    @property
    def queue_hash(self) -> str | None:
        return self.manifest.patches.queue_hash

    @property
    def patches_used(self) -> bool:
        options = self.manifest.options
        if "patches" in options:
            return bool(options["patches"])
        return self.manifest.patches.applied


def read_inventory(path: Path) -> dict[str, Any]:
    """The ``zuul`` variables of Zuul's ``zuul-info/inventory.yaml`` (empty if absent)."""
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        return {}
    zuul = ((data.get("all") or {}).get("vars") or {}).get("zuul")
    return dict(zuul) if isinstance(zuul, dict) else {}


def find_run_dir(folder: Path) -> tuple[Path, Path | None]:
    """(run folder, inventory file or None) of a log root or of a run folder."""
    if RunFolder(folder / LOG_RUN_DIR).is_run_folder():
        return folder / LOG_RUN_DIR, folder / INVENTORY
    if RunFolder(folder).is_run_folder():
        return folder, folder.parent / INVENTORY
    raise UsageError(
        f"{folder} is not a winci build's log folder (no {LOG_RUN_DIR}/{MANIFEST} "
        f"nor {MANIFEST} in it)",
        f"give the build's log root (with {INVENTORY} and {LOG_RUN_DIR}/) or its run folder")


def load_build(folder: Path, source: str | None = None) -> Build:
    run_dir, inventory = find_run_dir(folder)
    zuul = read_inventory(inventory) if inventory is not None else {}
    run = RunFolder(run_dir)
    return Build(source or str(folder), run_dir, run.manifest(), run.read_verdict(), zuul)


def lanes_with_failures(build: Build, *, include_flaky: bool = False) -> list[str]:
    """Lanes that verdict.json says had unexpected (or, optionally, flaky) failures."""
    lanes = build.verdict.lanes if build.verdict else []
    return [lane.name for lane in lanes
            if lane.failed > 0 or (include_flaky and lane.flaky > 0)]


def failed_tests(run_dir: Path, lane: str, *, include_flaky: bool = False) -> list[str]:
    """The lane's unexpected failures (base ids): from summary.json, else the stream."""
    folder = LaneFolder(run_dir / lane)
    summary = folder.read_summary()
    ids: list[str] = []
    if summary is not None:
        ids = [f.id for f in summary.failures]
        if include_flaky:
            ids += summary.flaky_tests
    elif folder.stream.is_file():
        known, flaky = classification(summary)
        res = LaneResults.classify(parse_stream(folder.stream), lane=lane,
                                   known_failures=known, flaky=flaky)
        ids = [c.test_id for c in res.failures]
        if include_flaky:
            ids += [c.test_id for c in res.flaky]
    else:
        raise UsageError(f"{folder.path} has neither {SUMMARY} nor {SUBUNIT}",
                         "the build's logs are incomplete: download the lane folder too")
    return sorted({base_id(i) for i in ids})

