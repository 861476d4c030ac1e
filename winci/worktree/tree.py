"""The Glance work tree of a run: synced from the source, patched, put on the path of
the Glance processes the run starts (with its own metadata)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from winci.errors import InfraError
from winci.host.filelock import FileLock
from winci.host.paths import cache_dir
from winci.procs import Runner
from winci.worktree.sources import GlanceSource


def work_tree_for(source: GlanceSource, patched: bool, fallback: Path) -> tuple[Path, FileLock]:
    """A stable work tree per source (so its metadata, bytecode and stestr's timing
    data are reused), locked for the run.

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


# A Glance environment serves the run's work tree by path and never holds Glance:
# every Glance process a run starts gets the tree first on PYTHONPATH
# (:func:`tree_path_env`), and the tree carries its own metadata
# (:func:`ensure_tree_metadata`), so two runs of two trees share one environment
# without seeing each other's code. Part of the environment's key: an environment of
# the earlier layout (a tree installed editable in it) is never used again.
TREE_ON_PATH_LAYOUT = "glance-tree-on-path-1"

# pbr's metadata of the tree, written by ``setup.py egg_info`` into the tree's top
# folder (on the path with it), and the note of what it was made from.
EGG_INFO = "glance.egg-info"
METADATA_STAMP = "winci-metadata.json"
PBR_ENV = {"SKIP_GIT_SDIST": "1", "SKIP_GENERATE_AUTHORS": "1",
           "SKIP_WRITE_GIT_CHANGELOG": "1"}


def tree_path_env(tree: Path, pythonpath: str | None = None, *,
                  windows_path: Callable[[Path], str] | None = None) -> dict[str, str]:
    """The environment that makes a Python process import Glance from ``tree``: the
    tree first on ``PYTHONPATH``, then ``pythonpath`` (default: this process's).

    ``windows_path`` is for a Windows interpreter run from this host (Windows CPython
    under Wine): how it names a host path (``Z:\\...``). The tree is named that way,
    the entries are separated by ``;``, and this process's ``PYTHONPATH`` (host paths)
    is not passed on: only ``pythonpath``, as the Windows interpreter must read it.
    """
    if windows_path is not None:
        parts = [windows_path(tree.resolve()), *(p for p in (pythonpath or "").split(";")
                                                  if p)]
        return {"PYTHONPATH": ";".join(parts)}
    rest = os.environ.get("PYTHONPATH", "") if pythonpath is None else pythonpath
    parts = [os.fspath(tree.resolve()), *(p for p in rest.split(os.pathsep) if p)]
    return {"PYTHONPATH": os.pathsep.join(parts)}


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except FileNotFoundError:
        return None


def ensure_tree_metadata(runner: Runner, python: str | os.PathLike[str], tree: Path,
                         version: str) -> bool:
    """``tree/glance.egg-info`` (version, entry points), made by pbr's ``setup.py
    egg_info`` run by ``python`` (one with pbr), unless the tree has it already for
    the same ``setup.cfg`` (entry points live there), requirements and version.

    Through the tree's path entry, ``importlib.metadata`` finds Glance's entry points
    (stevedore, oslo.config's opts, the import-flow plugins) and version. The metadata
    is plain text, the same for any interpreter. True when it had to write it.
    """
    want = {"setup_cfg": _digest(tree / "setup.cfg"),
            "requirements": _digest(tree / "requirements.txt"), "version": version}
    info = tree / EGG_INFO
    stamp = info / METADATA_STAMP
    try:
        if (json.loads(stamp.read_text(encoding="utf-8")) == want
                and (info / "entry_points.txt").is_file()):
            return False
    except (OSError, ValueError):
        pass
    shutil.rmtree(info, ignore_errors=True)
    runner.run([python, "setup.py", "-q", "egg_info"], name="glance-egg-info", cwd=tree,
               timeout=600, extra_env={"PBR_VERSION": version, **PBR_ENV})
    if not (info / "entry_points.txt").is_file():
        raise InfraError(f"pbr wrote no {EGG_INFO}/entry_points.txt in {tree}",
                         "see the glance-egg-info log")
    stamp.write_text(json.dumps(want), encoding="utf-8")
    return True
