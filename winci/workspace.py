"""The Glance work tree of a run: synced from the source, patched, installed in its venv."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from winci.envs.builder import pip_install
from winci.errors import InfraError
from winci.filelock import FileLock
from winci.paths import cache_dir
from winci.procs import Runner
from winci.sources import GlanceSource, sync_tree


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


def sync(source: GlanceSource, tree: Path) -> int:
    return sync_tree(source.path, tree)


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
