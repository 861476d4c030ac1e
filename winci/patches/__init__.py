"""The Windows patch queue: load it, hash it, check and apply it, build patched libraries.

API for the run engine::

    queue = current_queue()                    # the queue on disk: series, hash, files
    queue.id                                   # its hash for manifest.json (None: no queue)
    apply_glance(runner, tree)                 # patches a Glance work tree (PatchConflict)
    prepare_patched_libraries(runner, constraints)  # {dist: wheel} for pip

:func:`current_queue` is the one place the queue's hash is taken for a run, a build or
a reproduction (``queue_hash`` hashes a given list of series).
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class QueueState:
    """The patch queue as it is on disk now."""

    series: tuple[Series, ...]
    hash: str                       # of every series (an empty queue has one too)

    @property
    def id(self) -> str | None:
        """The hash runs record; None when there is no queue at all."""
        return self.hash if self.series else None

    @property
    def patches_anything(self) -> bool:
        return any(s.patches for s in self.series)

    def files(self, project: str) -> tuple[str, ...]:
        """Every path the series of ``project`` touches (none without one)."""
        return tuple(f for s in self.series if s.project == project for f in s.files())


def current_queue(root: Path | None = None) -> QueueState:
    """Every series under ``patches/`` (or ``root``) and the queue's hash."""
    series = tuple(load_queue(root))
    return QueueState(series, queue_hash(list(series)))


def apply_glance(runner: Runner, tree: Path, root: Path | None = None) -> Status:
    """Apply the Glance series to ``tree`` (a work copy); raises PatchConflict if it can't."""
    return apply_series(runner, load_series(GLANCE, root), tree)


__all__ = [
    "GLANCE",
    "LIBRARY_DISTS",
    "CheckResult",
    "Failure",
    "Patch",
    "QueueState",
    "Series",
    "SeriesConflict",
    "Status",
    "apply_glance",
    "apply_series",
    "check_series",
    "current_queue",
    "list_projects",
    "load_queue",
    "load_series",
    "pinned_version",
    "prepare_patched_libraries",
    "pristine_source",
    "queue_hash",
    "series_status",
]
