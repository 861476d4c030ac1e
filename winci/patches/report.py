"""What ``winci patches`` does and prints: one line per series, per library wheel."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from winci.envs.specs import upper_constraints
from winci.patches.apply import Status, apply_series, check_series, series_status
from winci.patches.libraries import pinned_version, prepare_patched_libraries, pristine_source
from winci.patches.queue import GLANCE, LIBRARY_DISTS, Series, load_queue, queue_hash
from winci.host.paths import cache_dir
from winci.procs import Runner
from winci.worktree.sources import DEFAULT_GLANCE_VERSION, fetch_pypi_release, validate_glance_tree


def _targets(runner: Runner, queue: list[Series], glance_src: Path | None,
             constraints: Path) -> list[tuple[Series, Path]]:
    out = []
    for series in queue:
        if series.project == GLANCE:
            if glance_src is None:
                tree = fetch_pypi_release(DEFAULT_GLANCE_VERSION, runner)
            else:
                tree = glance_src.expanduser().resolve()
                validate_glance_tree(tree)
        else:
            dist = LIBRARY_DISTS[series.project]
            tree = pristine_source(runner, dist, pinned_version(dist, constraints))
        out.append((series, tree))
    return out


def run_patches_command(
    action: str,
    *,
    glance_src: Path | None,
    projects: Sequence[str] | None,
    constraints: Path | None,
    root: Path | None = None,
    out: TextIO | None = None,
) -> bool:
    """Run ``check``, ``apply`` or ``status``; False when a series does not apply."""
    out = out or sys.stdout
    constraints = constraints or upper_constraints()
    queue = load_queue(root, list(projects) if projects else None)
    print(f"patch queue {queue_hash(load_queue(root))}: "
          f"{sum(len(s.patches) for s in queue)} patches in {len(queue)} series", file=out)
    ok = True
    with Runner(cache_dir() / "logs" / "patches", run_id="patches") as runner:
        targets = _targets(runner, queue, glance_src, constraints)
        for series, tree in targets:
            label = f"{series.project:<17}"
            if action == "check":
                result = check_series(runner, series, tree)
                if result.failure is None:
                    print(f"{label} ok: {len(result.applied)} patches apply to {tree}", file=out)
                else:
                    ok = False
                    print(f"{label} FAILED after {len(result.applied)} of "
                          f"{len(series.patches)}: {result.failure.describe()} "
                          f"(log: {result.failure.log})", file=out)
            elif action == "status":
                status = series_status(runner, series, tree)
                ok = ok and status is not Status.CONFLICT
                print(f"{label} {status.value} in {tree}", file=out)
            elif series.project == GLANCE:
                before = apply_series(runner, series, tree)
                verb = "already applied" if before is Status.APPLIED else "applied"
                print(f"{label} {verb}: {len(series.patches)} patches in {tree}", file=out)
        if action == "apply":
            libs = [s.project for s, _ in targets if s.project != GLANCE]
            if libs:
                for dist, wheel in prepare_patched_libraries(
                        runner, constraints, projects=libs, root=root).items():
                    print(f"{dist:<17} patched wheel: {wheel}", file=out)
    return ok
