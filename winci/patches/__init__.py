"""The Windows patch queue: load it, hash it, check and apply it, build patched libraries.

API for the run engine::

    queue = load_queue()                       # every series under patches/
    queue_hash(queue)                          # short sha256 for manifest.json
    apply_glance(runner, tree)                 # patches a Glance work tree (PatchConflict)
    prepare_patched_libraries(runner, constraints)  # {dist: wheel} for pip
"""

from __future__ import annotations

from pathlib import Path

from winci.patches.apply import (
    CheckResult,
    Failure,
    SeriesConflict,
    Status,
    apply_series,
    check_series,
    series_status,
)
from winci.patches.libraries import (
    pinned_version,
    prepare_patched_libraries,
    pristine_source,
)
from winci.patches.queue import (
    GLANCE,
    LIBRARY_DISTS,
    Patch,
    Series,
    list_projects,
    load_queue,
    load_series,
    queue_hash,
)
from winci.procs import Runner


def apply_glance(runner: Runner, tree: Path, root: Path | None = None) -> Status:
    """Apply the Glance series to ``tree`` (a work copy); raises PatchConflict if it can't."""
    return apply_series(runner, load_series(GLANCE, root), tree)


__all__ = [
    "GLANCE",
    "LIBRARY_DISTS",
    "CheckResult",
    "Failure",
    "Patch",
    "Series",
    "SeriesConflict",
    "Status",
    "apply_glance",
    "apply_series",
    "check_series",
    "list_projects",
    "load_queue",
    "load_series",
    "pinned_version",
    "prepare_patched_libraries",
    "pristine_source",
    "queue_hash",
    "series_status",
]
