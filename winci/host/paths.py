"""Where winci keeps its caches, state and results, on Linux and Windows alike."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from winci.host.private import private_dir

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # winci/
REPO_ROOT = PACKAGE_DIR.parent


def cache_dir() -> Path:
    """The cache root: ``$WINCI_CACHE_DIR``, else the platform's user cache folder."""
    env = os.environ.get("WINCI_CACHE_DIR")
    if env:
        return Path(env).expanduser().resolve()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "winci" / "cache"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "winci"


def state_dir() -> Path:
    """Per-run state (pids, private data dirs) used to clean up after a killed run."""
    return cache_dir() / "state"


def run_private_dir(run_id: str) -> Path:
    """A run's private folder, ``<cache>/runs/<run-id>`` (data dirs, keys, credentials),
    created owner-only (0700 on POSIX; see :mod:`winci.host.private`)."""
    return private_dir(cache_dir() / "runs" / run_id)


def repo_file(*parts: str) -> Path:
    """A file that ships in the winci repository (constraints, known failures, patches)."""
    return REPO_ROOT.joinpath(*parts)


def venv_bin(venv: Path, exe: str) -> Path:
    """The path of an executable inside a virtualenv on this platform."""
    if sys.platform == "win32":
        return venv / "Scripts" / (exe if exe.endswith(".exe") else exe + ".exe")
    return venv / "bin" / exe


def venv_python(venv: Path) -> Path:
    return venv_bin(venv, "python")
