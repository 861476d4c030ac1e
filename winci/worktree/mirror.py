"""Tree mirroring, in one place: make a folder hold exactly the files of another.

Used for a run's Glance work tree (from the source under test) and for the image build
contexts (the work tree, winci's own source, the constraints). VCS, build and cache
clutter is left out on both sides: it is never copied, and what ``dest`` has of it
(``.stestr/``, the editable install's ``*.egg-info``, ``__pycache__``) is left alone.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Collection
from pathlib import Path
from typing import Literal

SKIPPED_DIRS = frozenset({".git", ".stestr", ".tox", "__pycache__", ".eggs", "build", "dist",
                          ".venv"})
SKIPPED_FILES = (".pyc", ".pyo", ".orig", ".rej")

Compare = Literal["stat", "content"]


def _skipped_dir(name: str) -> bool:
    return name in SKIPPED_DIRS or name.endswith(".egg-info")


def _same(src: Path, dest: Path, compare: Compare) -> bool:
    try:
        s, d = src.stat(), dest.stat()
    except FileNotFoundError:
        return False
    if s.st_size != d.st_size:
        return False
    if compare == "stat":
        return int(s.st_mtime) == int(d.st_mtime)
    return src.read_bytes() == dest.read_bytes()


def mirror_tree(src: Path, dest: Path, *, keep: Collection[str] = (),
                exclude: Collection[str] = (), compare: Compare = "stat") -> int:
    """Make ``dest`` a copy of ``src`` (without the skipped clutter); returns files copied.

    Files that already match are left alone, so a re-run copies only what changed and
    copies keep their mtimes (an unchanged input gives an unchanged build context);
    ``compare`` says what matching means: same size and mtime (``"stat"``, for work
    trees) or same bytes (``"content"``, for build contexts). Files and folders gone from
    ``src`` are removed from ``dest``. Paths named in ``keep`` (relative to ``dest``,
    with ``/``) are neither copied nor removed; paths named in ``exclude`` are not copied
    and are removed from ``dest`` (what is the source's bookkeeping, not its content).
    """
    copied = 0
    wanted_files: set[Path] = set()
    wanted_dirs: set[Path] = {Path()}
    for root, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if not _skipped_dir(d))
        rel_root = Path(root).relative_to(src)
        wanted_dirs.add(rel_root)
        (dest / rel_root).mkdir(parents=True, exist_ok=True)
        for name in sorted(files):
            if name.endswith(SKIPPED_FILES):
                continue
            rel = rel_root / name
            if rel.as_posix() in exclude:
                continue
            wanted_files.add(rel)
            if rel.as_posix() in keep or _same(src / rel, dest / rel, compare):
                continue
            shutil.copy2(src / rel, dest / rel)
            copied += 1
    for root, _dirs, files in os.walk(dest, topdown=False):
        rel_root = Path(root).relative_to(dest)
        if any(_skipped_dir(part) for part in rel_root.parts):
            continue
        for name in files:
            rel = rel_root / name
            if (rel not in wanted_files and not name.endswith(SKIPPED_FILES)
                    and rel.as_posix() not in keep):
                (dest / rel).unlink()
        if rel_root not in wanted_dirs and not any(Path(root).iterdir()):
            Path(root).rmdir()
    return copied
