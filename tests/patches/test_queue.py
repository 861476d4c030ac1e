from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from winci.errors import ConfigError, UsageError
from winci.patches import list_projects, load_queue, load_series, queue_hash
from winci.patches.queue import patches_root


def test_series_loads_in_order_with_subjects(queue_root: Path) -> None:
    series = load_series("glance", queue_root)
    assert [p.subject for p in series.patches] == [
        "Windows: change line 20", "Windows: scrubber without pgrep"]
    assert series.files() == ("glance/common/wsgi_app.py", "glance/cmd/scrubber.py",
                              "glance/common/windows.py")


def test_hash_is_stable_and_short(queue_root: Path) -> None:
    first = queue_hash(load_queue(queue_root))
    assert first == queue_hash(load_queue(queue_root))
    assert len(first) == 12 and int(first, 16) >= 0


def test_hash_changes_with_any_patch_byte(queue_root: Path, tmp_path: Path) -> None:
    before = queue_hash(load_queue(queue_root))
    copy = tmp_path / "copy"
    shutil.copytree(queue_root, copy)
    assert queue_hash(load_queue(copy)) == before  # location does not matter
    patch = sorted((copy / "glance").glob("0002-*.patch"))[0]
    patch.write_bytes(patch.read_bytes().replace(b"scrubber", b"scrubbeR", 1))
    assert queue_hash(load_queue(copy)) != before


def test_hash_changes_with_series_order(queue_root: Path) -> None:
    before = queue_hash(load_queue(queue_root))
    series = queue_root / "glance" / "series"
    lines = series.read_text().splitlines()
    series.write_text("\n".join([lines[0], lines[2], lines[1]]) + "\n")
    assert queue_hash(load_queue(queue_root)) != before


def test_missing_patch_is_a_config_error(queue_root: Path) -> None:
    series = queue_root / "glance" / "series"
    series.write_text(series.read_text() + "0003-gone.patch\n")
    with pytest.raises(ConfigError, match=r"0003-gone\.patch"):
        load_series("glance", queue_root)


def test_unknown_project_is_a_usage_error(queue_root: Path) -> None:
    with pytest.raises(UsageError, match="known: glance"):
        load_series("nova", queue_root)


def test_shipped_queue_is_well_formed() -> None:
    """Every series in patches/ names existing format-patch files with a message."""
    projects = list_projects()
    assert "glance" in projects
    for series in load_queue():
        assert series.patches, series.project
        for patch in series.patches:
            text = patch.path.read_text(encoding="utf-8")
            assert text.startswith("From "), patch.name
            body = text.split("\n\n", 1)[1].split("\n---\n", 1)[0]
            assert "Windows" in patch.subject and len(body.split()) > 20, patch.name
            assert "\r\n" not in text, f"{patch.name} has CRLF line ends"
            touched = re.findall(r"^diff --git a/(\S+) b/", text, flags=re.MULTILINE)
            assert touched, patch.name
            junk = [t for t in touched if _is_run_debris(t)]
            assert not junk, f"{patch.name} carries files a test run left behind: {junk}"
    assert (patches_root() / ".gitattributes").is_file()


def _is_run_debris(path: str) -> bool:
    """Files a local test run leaves in a scratch tree, never part of a change."""
    parts = path.split("/")
    return (any(p in {".stestr", "__pycache__", ".tox", ".venv"} for p in parts)
            or path.endswith((".pyc", ".log")))
