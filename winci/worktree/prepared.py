"""The Glance tree a run or a build executes, prepared once and handed on.

:func:`prepare_tree` syncs the source into the work tree, applies the patch queue's
Glance series there (or keeps a tree it already patched) and builds the wheels of the
libraries the queue patches, pinned by the run's constraints. The result, a
:class:`PreparedTree`, goes to whatever executes it: a backend's environments or its
images (``winci run``), or the image contexts (``winci build``). Nothing after it
resolves, syncs or patches the source again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from winci.patches import (
    GLANCE,
    QueueState,
    apply_glance,
    current_queue,
    prepare_patched_libraries,
)
from winci.procs import Runner
from winci.ui import Progress
from winci.worktree.mirror import mirror_tree
from winci.worktree.sources import GlanceSource
from winci.worktree.tree import record_patched, still_patched


@dataclass(frozen=True)
class PreparedTree:
    """A Glance work tree ready to be executed."""

    source: GlanceSource             # where it came from (version, git ref and sha)
    path: Path                       # the work tree
    patched: bool                    # the queue's Glance series is applied to it
    queue: QueueState                # the queue it was prepared with
    constraints: Path                # what pinned the wheels (and pins the environments)
    wheels: Mapping[str, Path] = field(default_factory=dict)  # dist -> patched wheel

    @property
    def queue_hash(self) -> str | None:
        return self.queue.id

    def manifest(self) -> dict[str, Any]:
        """What manifest.json records under ``patches``."""
        return {"applied": self.patched, "queue_hash": self.queue.id}


def prepare_tree(runner: Runner, progress: Progress, source: GlanceSource, path: Path, *,
                 patches: bool, constraints: Path) -> PreparedTree:
    """Sync ``source`` into ``path``, patch it and build the patched libraries' wheels.

    Phases: ``work tree``, ``patch queue`` (``patch queue (skipped)`` with
    ``patches=False``) and, when patching, ``patched libraries``. A queue that does not
    apply raises :class:`~winci.errors.PatchConflict`.
    """
    queue = current_queue()
    keep = (still_patched(path, source.path, queue.hash)
            if patches and queue.series else None)
    with progress.phase("work tree"):
        copied = mirror_tree(source.path, path, keep=keep or ())
        progress.say(f"  {path} ({copied} file(s) updated)")
    patched = False
    with progress.phase("patch queue" if patches else "patch queue (skipped)"):
        if patches and queue.series:
            if keep is not None:
                progress.say("  already applied to this work tree (nothing changed since)")
            else:
                apply_glance(runner, path)
                record_patched(path, source.path, queue.hash, queue.files(GLANCE))
            patched = True
    wheels: dict[str, Path] = {}
    if patches:
        with progress.phase("patched libraries"):
            wheels = prepare_patched_libraries(runner, constraints)
            for dist, wheel in sorted(wheels.items()):
                progress.say(f"  {dist}: {wheel.name}")
    return PreparedTree(source, path, patched, queue, constraints, wheels)
