"""Tree mirroring: the work tree from its source, the build contexts from their inputs."""

from __future__ import annotations

import os
from pathlib import Path

from tests.worktree.test_sources import make_tree
from winci.worktree.mirror import mirror_tree


def test_sync_copies_changes_and_removes_stale_files(tmp_path: Path) -> None:
    src = make_tree(tmp_path / "src")
    dest = tmp_path / "dest"
    (src / ".git").mkdir()
    (src / ".git" / "HEAD").write_text("ref")
    assert mirror_tree(src, dest) == 3
    assert not (dest / ".git").exists()
    assert mirror_tree(src, dest) == 0
    (dest / "stale.py").write_text("")
    (src / "glance" / "__init__.py").write_text("changed = True\n")
    assert mirror_tree(src, dest) == 1
    assert not (dest / "stale.py").exists()
    assert (dest / "glance" / "__init__.py").read_text() == "changed = True\n"


def test_clutter_is_neither_copied_nor_removed(tmp_path: Path) -> None:
    """A work tree's own .stestr, egg-info and bytecode survive; the source's are not
    copied; files gone from the source go, and so do their emptied folders."""
    src = make_tree(tmp_path / "src")
    (src / "glance" / "old").mkdir()
    (src / "glance" / "old" / "gone.py").write_text("")
    (src / "glance" / "__pycache__").mkdir()
    (src / "glance" / "__pycache__" / "x.pyc").write_bytes(b"src")
    (src / "glance" / "fix.py.orig").write_text("")
    dest = tmp_path / "dest"
    assert mirror_tree(src, dest) == 4
    assert not (dest / "glance" / "__pycache__").exists()
    assert not (dest / "glance" / "fix.py.orig").exists()
    for kept in (".stestr/next-stream", "glance.egg-info/PKG-INFO", "glance/__init__.pyc"):
        (dest / kept).parent.mkdir(parents=True, exist_ok=True)
        (dest / kept).write_text("mine")
    (src / "glance" / "old" / "gone.py").unlink()
    (src / "glance" / "old").rmdir()
    (src / "glance" / "empty").mkdir()
    assert mirror_tree(src, dest) == 0
    assert not (dest / "glance" / "old").exists()
    assert (dest / "glance" / "empty").is_dir()  # the source has it, empty
    for kept in (".stestr/next-stream", "glance.egg-info/PKG-INFO", "glance/__init__.pyc"):
        assert (dest / kept).read_text() == "mine", kept


def test_content_compare_copies_what_stat_would_miss(tmp_path: Path) -> None:
    """Same size and mtime, other bytes: a build context must still get the new file."""
    src = make_tree(tmp_path / "src")
    dest = tmp_path / "dest"
    mirror_tree(src, dest, compare="content")
    target = src / "setup.cfg"
    before = target.stat()
    target.write_text(target.read_text().replace("glance", "GLANCE"))
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert mirror_tree(src, dest, compare="stat") == 0
    assert mirror_tree(src, dest, compare="content") == 1
    assert (dest / "setup.cfg").read_text() == target.read_text()
    assert (dest / "setup.cfg").stat().st_mtime_ns == before.st_mtime_ns  # mtime kept
