"""The one writer and reader of a run folder's ``manifest.json``, ``verdict.json`` and
each lane's ``summary.json``.

The layout (``winci-results/<run-id>/`` or ``--out``)::

    manifest.json            Manifest (passwords and tokens masked)
    verdict.json             RunVerdict
    <lane>/summary.json      LaneSummary
    <lane>/results.subunit   the lane's subunit v2 stream
    <lane>/testr_results.html, <lane>/junit.xml, logs/, config/ ...

A file that is absent reads as None (a run that never got that far); one that cannot
be read is a :class:`~winci.errors.ConfigError` with a one-line message.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from winci.errors import ConfigError, UsageError
from winci.masking import GLOBAL_MASKER
from winci.runfolder.models import LaneSummary, Manifest, RunRecord, RunVerdict

MANIFEST = "manifest.json"
VERDICT = "verdict.json"
SUMMARY = "summary.json"
SUBUNIT = "results.subunit"
HTML = "testr_results.html"
JUNIT = "junit.xml"

_RUN_HINT = "give a run folder written by winci run (winci-results/<run-id>/)"
_NEW_RUN_HINT = ("give --out a new or empty folder; a folder an earlier winci run wrote is "
                 "replaced whole")


def _probe_writable(path: Path) -> None:
    """Create and remove a file where the run will write (``path``, or the nearest
    existing folder above it): the one test that holds for root, ACLs, read-only
    mounts and Windows alike."""
    probe_dir = path
    while not probe_dir.exists() and probe_dir != probe_dir.parent:
        probe_dir = probe_dir.parent
    try:
        fd, name = tempfile.mkstemp(prefix=".winci-probe-", dir=probe_dir)
        os.close(fd)
        Path(name).unlink()
    except OSError as exc:
        raise UsageError(f"results folder {path} cannot be written: "
                         f"{exc.strerror or exc}", _NEW_RUN_HINT) from None


def _read_object(path: Path, hint: str | None = None) -> dict[str, Any] | None:
    """The JSON object in ``path``; None when there is no such file."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}", hint) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} is not a JSON object", hint)
    return data


def _write_object(path: Path, data: dict[str, Any], *, mask: bool = False) -> Path:
    text = json.dumps(data, indent=1, default=str)
    if mask:
        text = GLOBAL_MASKER.mask(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    return path


class LaneFolder:
    """One lane's folder: its stream and its ``summary.json``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"LaneFolder({str(self.path)!r})"

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def stream(self) -> Path:
        return self.path / SUBUNIT

    @property
    def summary_path(self) -> Path:
        return self.path / SUMMARY

    def read_summary(self) -> LaneSummary | None:
        data = _read_object(self.summary_path, "delete it to regenerate from scratch")
        return None if data is None else LaneSummary.from_dict(data, self.name)

    def write_summary(self, summary: LaneSummary) -> Path:
        return _write_object(self.summary_path, summary.to_dict())


class RunFolder:
    """A run folder: its manifest, its verdict and its lanes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    @property
    def verdict_path(self) -> Path:
        return self.path / VERDICT

    def is_run_folder(self) -> bool:
        """Whether winci wrote this folder (it has a ``manifest.json``)."""
        return self.manifest_path.is_file()

    def lane(self, name: str) -> LaneFolder:
        return LaneFolder(self.path / name)

    def lanes(self) -> list[LaneFolder]:
        """The lanes that left a stream: every direct subfolder with ``results.subunit``."""
        return [LaneFolder(p) for p in sorted(self.path.iterdir()) if (p / SUBUNIT).is_file()]

    # -- reading ---------------------------------------------------------------------------
    def read_manifest(self) -> Manifest | None:
        data = _read_object(self.manifest_path, _RUN_HINT)
        return None if data is None else Manifest.from_dict(data, str(self.manifest_path))

    def read_verdict(self) -> RunVerdict | None:
        data = _read_object(self.verdict_path, _RUN_HINT)
        return None if data is None else RunVerdict.from_dict(data, str(self.verdict_path))

    def manifest(self) -> Manifest:
        """The manifest, which every run folder has."""
        found = self.read_manifest()
        if found is None:
            raise ConfigError(f"{self.path} is not a winci run folder (it has no {MANIFEST})",
                              _RUN_HINT)
        return found

    def verdict(self) -> RunVerdict:
        """The verdict, which a run folder has once its run ended."""
        found = self.read_verdict()
        if found is None:
            raise ConfigError(f"{self.path} has no {VERDICT}: its run did not finish",
                              _RUN_HINT)
        return found

    def load(self) -> RunRecord:
        """The manifest and verdict of a finished run."""
        if not self.path.is_dir():
            raise ConfigError(f"run folder {self.path} does not exist", _RUN_HINT)
        return RunRecord(self.path, self.manifest(), self.verdict())

    # -- a new run -------------------------------------------------------------------------
    def check_new_run(self) -> Manifest | None:
        """May a new run write here? Checked before the run starts, changing nothing.

        A new or empty folder, or one an earlier winci run wrote (its manifest is
        returned: :meth:`replace` empties it whole, so no lane of the earlier run is
        mixed into the new one). Anything else is a UsageError: a file, a folder of
        other things, a place that cannot be written.
        """
        path = self.path
        if path.exists() and not path.is_dir():
            raise UsageError(f"results folder {path} is a file", _NEW_RUN_HINT)
        earlier = None
        if path.is_dir() and any(path.iterdir()):
            try:
                earlier = self.read_manifest()
            except ConfigError:
                earlier = None
            if earlier is None:
                raise UsageError(f"results folder {path} is not empty and not a winci run "
                                 "folder", _NEW_RUN_HINT)
        _probe_writable(path)
        return earlier

    def replace(self) -> None:
        """Empty the folder of an earlier run (see :meth:`check_new_run`), or create it."""
        if self.path.is_dir():
            for child in self.path.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        self.path.mkdir(parents=True, exist_ok=True)

    # -- writing ---------------------------------------------------------------------------
    def write_manifest(self, manifest: Manifest) -> Path:
        """Write ``manifest.json`` with every known secret masked."""
        return _write_object(self.manifest_path, manifest.to_dict(), mask=True)

    def write_verdict(self, verdict: RunVerdict) -> Path:
        return _write_object(self.verdict_path, verdict.to_dict())
