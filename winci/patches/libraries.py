"""Patched libraries: pristine sdist -> patched source tree -> wheel, cached.

A library with a series under ``patches/`` (glance_store, oslo.concurrency, oslo.log,
keystone) reaches the venvs and images as a wheel built from its patched source, never
as the PyPI artifact. The version is the one the constraints pin (keystone: winci's own
pin), and the cache entry ``<cache>/patched/<dist>-<version>-<series hash>/`` holds

- ``src/``: the sdist unpacked with the series applied,
- ``dist/<wheel>``: built from ``src/`` with ``pip wheel --no-deps``,
- ``done``: written last, so a killed build is redone rather than trusted.

The wheel keeps the upstream version number, so the constraints still pin it and pip
installs it in place of the PyPI release when given its path.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from winci.envs.constraints import normalize, pinned
from winci.envs.specs import KEYSTONE_VERSION
from winci.errors import ConfigError, InfraError, UsageError
from winci.host.filelock import FileLock
from winci.host.paths import cache_dir
from winci.patches.apply import SeriesConflict, apply_series, check_series
from winci.patches.queue import (
    GLANCE,
    LIBRARY_DISTS,
    Series,
    list_projects,
    load_queue,
    queue_hash,
)
from winci.procs import Runner
from winci.worktree.sources import fetch_sdist

# Libraries that upper-constraints does not pin: winci pins them itself.
DEFAULT_PINS = {"keystone": KEYSTONE_VERSION}
PIP_TIMEOUT = 900.0


def pinned_version(dist: str, constraints: Path, pins: Mapping[str, str] | None = None) -> str:
    """The version of ``dist`` to patch: an explicit pin, else the constraints' pin."""
    for source in (pins or {}, DEFAULT_PINS):
        for name, version in source.items():
            if normalize(name) == normalize(dist):
                return version
    found = pinned(constraints, dist)
    if found is None:
        raise ConfigError(f"{constraints} does not pin {dist}, which the patch queue patches",
                          f"add `{dist}===<version>` or pass a pin")
    return found


def patched_root() -> Path:
    return cache_dir() / "patched"


def pristine_source(runner: Runner, dist: str, version: str) -> Path:
    """The unpacked sdist of ``dist==version`` from PyPI, downloaded once."""
    return fetch_sdist(runner, dist, version, patched_root() / "sources", timeout=PIP_TIMEOUT)


def _build(runner: Runner, series: Series, dist: str, version: str, entry: Path) -> Path:
    pristine = pristine_source(runner, dist, version)
    check = check_series(runner, series, pristine)
    if check.failure is not None:
        raise SeriesConflict(check.failure, pristine)
    src, out = entry / "src", entry / "dist"
    shutil.rmtree(entry, ignore_errors=True)
    shutil.copytree(pristine, src)
    # The scratch check passed, so this cannot fail unless the cache changes under us.
    apply_series(runner, series, src)
    out.mkdir(parents=True)
    runner.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", out, src],
               name=f"pip-wheel-{normalize(dist)}", timeout=PIP_TIMEOUT,
               extra_env={"PBR_VERSION": version})
    wheels = sorted(out.glob("*.whl"))
    if len(wheels) != 1:
        raise InfraError(f"building patched {dist} {version} left {len(wheels)} wheels in {out}")
    (entry / "done").write_text(wheels[0].name + "\n", encoding="utf-8")
    return wheels[0]


def cache_entry(dist: str, version: str, series: Series) -> Path:
    return patched_root() / f"{normalize(dist)}-{version}-{queue_hash([series])}"


def cached_wheel(entry: Path) -> Path | None:
    done = entry / "done"
    if not done.is_file():
        return None
    wheel = entry / "dist" / done.read_text(encoding="utf-8").strip()
    return wheel if wheel.is_file() else None


def prepare_patched_libraries(
    runner: Runner,
    constraints: Path,
    *,
    pins: Mapping[str, str] | None = None,
    projects: Sequence[str] | None = None,
    root: Path | None = None,
) -> dict[str, Path]:
    """Wheels of every patched library, keyed by distribution name.

    ``projects`` limits the libraries (default: every library series in the queue);
    Glance itself is patched in its tree by :func:`winci.patches.apply_series`, not here.
    Raises :class:`~winci.errors.PatchConflict` when a series no longer applies to the
    pinned release.
    """
    wanted = [p for p in (projects or list(LIBRARY_DISTS)) if p != GLANCE]
    unknown = [p for p in wanted if p not in LIBRARY_DISTS]
    if unknown:
        raise UsageError(f"not a patched library: {', '.join(unknown)}",
                         f"choose from {', '.join(LIBRARY_DISTS)}")
    present = set(list_projects(root))
    queue = load_queue(root, [p for p in wanted if p in present])
    wheels: dict[str, Path] = {}
    for series in queue:
        if not series.patches:
            continue
        dist = LIBRARY_DISTS[series.project]
        version = pinned_version(dist, constraints, pins)
        entry = cache_entry(dist, version, series)
        wheel = cached_wheel(entry)
        if wheel is None:
            entry.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(entry.parent / f"{entry.name}.lock",
                          what=f"the patched {dist} build"):
                wheel = cached_wheel(entry) or _build(runner, series, dist, version, entry)
        wheels[dist] = wheel
    return wheels
