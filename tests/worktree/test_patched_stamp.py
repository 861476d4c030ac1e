"""A work tree the queue already patched is kept as it is, until anything changes."""

from __future__ import annotations

import os
from pathlib import Path

from winci.worktree.mirror import mirror_tree
from winci.worktree.tree import PATCHED_STAMP, record_patched, still_patched


def _source(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("a = 1\n")
    (root / "pkg" / "b.py").write_text("b = 1\n")
    return root


def _patch(tree: Path) -> list[str]:
    """What applying a queue does: change one file, add another."""
    (tree / "pkg" / "a.py").write_text("a = 2  # patched\n")
    (tree / "pkg" / "new.py").write_text("new = 1\n")
    return ["pkg/a.py", "pkg/new.py"]


def _prepared(tmp_path: Path) -> tuple[Path, Path]:
    src, tree = _source(tmp_path / "src"), tmp_path / "tree"
    assert mirror_tree(src, tree) == 2
    record_patched(tree, src, "q1", _patch(tree))
    return src, tree


def test_unchanged_tree_is_kept_with_its_patches(tmp_path: Path) -> None:
    src, tree = _prepared(tmp_path)
    keep = still_patched(tree, src, "q1")
    assert keep == {"pkg/a.py", "pkg/new.py", PATCHED_STAMP}
    assert mirror_tree(src, tree, keep=keep) == 0
    assert (tree / "pkg" / "a.py").read_text() == "a = 2  # patched\n"
    assert (tree / "pkg" / "new.py").is_file() and (tree / PATCHED_STAMP).is_file()


def test_another_queue_applies_again(tmp_path: Path) -> None:
    src, tree = _prepared(tmp_path)
    assert still_patched(tree, src, "q2") is None
    assert still_patched(tree, tmp_path / "elsewhere", "q1") is None


def test_a_changed_source_file_applies_again(tmp_path: Path) -> None:
    src, tree = _prepared(tmp_path)
    (src / "pkg" / "a.py").write_text("a = 3\n")
    assert still_patched(tree, src, "q1") is None
    # then a plain sync restores the source and drops what the queue added
    mirror_tree(src, tree)
    assert (tree / "pkg" / "a.py").read_text() == "a = 3\n"
    assert not (tree / "pkg" / "new.py").exists() and not (tree / PATCHED_STAMP).exists()


def test_an_edited_patched_file_applies_again(tmp_path: Path) -> None:
    src, tree = _prepared(tmp_path)
    target = tree / "pkg" / "a.py"
    target.write_text("a = 2  # patched, then edited\n")
    os.utime(target, ns=(1, 1))
    assert still_patched(tree, src, "q1") is None


def test_missing_or_broken_stamp_applies_again(tmp_path: Path) -> None:
    src, tree = _prepared(tmp_path)
    (tree / PATCHED_STAMP).write_text("{not json")
    assert still_patched(tree, src, "q1") is None
    (tree / PATCHED_STAMP).unlink()
    assert still_patched(tree, src, "q1") is None
