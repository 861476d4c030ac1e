"""The Glance work tree of a run: synced from the source, patched, installed in its venv."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from winci.envs.builder import pip_install
from winci.errors import InfraError
from winci.host.filelock import FileLock
from winci.host.paths import cache_dir
from winci.procs import Runner
from winci.worktree.sources import GlanceSource


def work_tree_for(source: GlanceSource, patched: bool, fallback: Path) -> tuple[Path, FileLock]:
    """A stable work tree per source (so the venv's editable install is reused).

    When another run holds it, the run gets a private tree under ``fallback`` instead.
    """
    key = f"{source.identity()}-{'patched' if patched else 'upstream'}"
    root = cache_dir() / "work"
    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(root / f"glance-{key}.lock", what="the Glance work tree", timeout=0)
    try:
        lock.__enter__()
        return root / f"glance-{key}", lock
    except InfraError:
        private = FileLock(fallback / "glance.lock", what="the private work tree", timeout=0)
        fallback.mkdir(parents=True, exist_ok=True)
        private.__enter__()
        return fallback / "glance", private


# What the last application of the patch queue left in a work tree. While the queue,
# the source files it patched and the patched files themselves are unchanged, the
# next run keeps them as they are instead of restoring and patching them again (which
# would also make Python recompile every patched module in every test worker).
PATCHED_STAMP = ".winci-patched.json"


def _stat(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return [st.st_size, st.st_mtime_ns]


def record_patched(tree: Path, source_root: Path, queue_id: str, files: Iterable[str]) -> None:
    """Note, after the queue applied, what it changed (``files``: relative, with ``/``)."""
    entries = {rel: {"tree": _stat(tree / rel), "source": _stat(source_root / rel)}
               for rel in sorted(set(files))}
    stamp = {"queue": queue_id, "source": str(source_root), "files": entries}
    (tree / PATCHED_STAMP).write_text(json.dumps(stamp, indent=1), encoding="utf-8")


def still_patched(tree: Path, source_root: Path, queue_id: str) -> set[str] | None:
    """The files to keep when ``tree`` holds exactly what the last application of the
    same queue to the same source left; None when anything differs (apply again)."""
    try:
        stamp = json.loads((tree / PATCHED_STAMP).read_text(encoding="utf-8"))
        files: dict[str, dict[str, Any]] = stamp["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if stamp.get("queue") != queue_id or stamp.get("source") != str(source_root):
        return None
    for rel, seen in files.items():
        if (_stat(tree / rel) != seen.get("tree")
                or _stat(source_root / rel) != seen.get("source")):
            return None
    return {*files, PATCHED_STAMP}


def install_into_venv(runner: Runner, venv: Path, tree: Path, version: str) -> bool:
    """``pip install --no-deps -e tree`` unless the venv already has exactly that.

    Returns True when it had to install. The marker records the tree and the hash of
    ``setup.cfg`` (entry points live there), so a change to either reinstalls.
    """
    setup_hash = hashlib.sha256((tree / "setup.cfg").read_bytes()).hexdigest()[:16]
    want = {"tree": str(tree), "setup_cfg": setup_hash, "version": version}
    marker = venv / "winci-glance-tree.json"
    try:
        if json.loads(marker.read_text(encoding="utf-8")) == want:
            return False
    except (OSError, ValueError):
        pass
    pip_install(venv, ["--no-deps", "-e", tree], runner, name="glance-install-editable",
                extra_env={"PBR_VERSION": version, "SKIP_GIT_SDIST": "1",
                           "SKIP_GENERATE_AUTHORS": "1", "SKIP_WRITE_GIT_CHANGELOG": "1"})
    marker.write_text(json.dumps(want), encoding="utf-8")
    return True
