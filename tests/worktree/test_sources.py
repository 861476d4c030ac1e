"""The Glance source: validation, version and git identity."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from winci.errors import UsageError
from winci.procs import Runner
from winci.worktree.sources import _pep440, resolve, validate_glance_tree


def make_tree(root: Path) -> Path:
    (root / "glance").mkdir(parents=True)
    (root / "glance" / "__init__.py").write_text("")
    (root / "setup.cfg").write_text("[metadata]\nname = glance\n")
    (root / ".stestr.conf").write_text("[DEFAULT]\ntest_path=./glance/tests/unit\n")
    return root


def test_a_git_checkout_gives_version_ref_and_sha(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "glance")
    git = ["git", "-C", str(tree), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q", "-b", "master"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    subprocess.run([*git, "tag", "33.0.0"], check=True)
    (tree / "glance" / "new.py").write_text("")
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "y"], check=True)
    with Runner(tmp_path / "logs") as runner:
        src = resolve(tree, runner)
    assert src.kind == "git"
    assert src.version == "33.0.1.dev1"
    assert src.git_ref == "master"
    assert src.git_sha and len(src.git_sha) == 40


def test_pep440() -> None:
    assert _pep440("33.0.0") == "33.0.0"
    assert _pep440("33.0.0-12-gabcdef1") == "33.0.1.dev12"
    assert _pep440("abcdef1") == "0.0.0"


def test_not_a_glance_tree(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"missing glance/__init__\.py"):
        validate_glance_tree(tmp_path)
