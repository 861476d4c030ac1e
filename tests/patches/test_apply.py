from __future__ import annotations

from pathlib import Path

import pytest

from tests.patches.conftest import git
from winci.errors import PatchConflict
from winci.patches import (
    SeriesConflict,
    Status,
    apply_series,
    check_series,
    load_series,
    series_status,
)
from winci.procs import Runner


def test_check_leaves_tree_untouched(runner: Runner, queue_root: Path,
                                     glance_tree: Path) -> None:
    series = load_series("glance", queue_root)
    before = (glance_tree / "glance/common/wsgi_app.py").read_text()
    result = check_series(runner, series, glance_tree)
    assert result.ok and len(result.applied) == 2
    assert (glance_tree / "glance/common/wsgi_app.py").read_text() == before
    assert not (glance_tree / "glance/common/windows.py").exists()


def test_apply_then_status_then_idempotent(runner: Runner, queue_root: Path,
                                           glance_tree: Path) -> None:
    series = load_series("glance", queue_root)
    assert series_status(runner, series, glance_tree) is Status.NOT_APPLIED
    assert apply_series(runner, series, glance_tree) is Status.NOT_APPLIED
    assert "line 20 (windows)" in (glance_tree / "glance/common/wsgi_app.py").read_text()
    assert (glance_tree / "glance/common/windows.py").is_file()
    assert series_status(runner, series, glance_tree) is Status.APPLIED
    # Applying again is a no-op, not a conflict.
    assert apply_series(runner, series, glance_tree) is Status.APPLIED
    assert (glance_tree / "glance/common/wsgi_app.py").read_text().count("(windows)") == 1


def test_planted_conflict_names_patch_and_spot(runner: Runner, queue_root: Path,
                                               glance_tree: Path) -> None:
    scrub = glance_tree / "glance/cmd/scrubber.py"
    scrub.write_text(scrub.read_text().replace("'/usr/bin/pgrep'", "'/bin/pgrep'"))
    app_before = (glance_tree / "glance/common/wsgi_app.py").read_text()
    series = load_series("glance", queue_root)

    result = check_series(runner, series, glance_tree)
    assert not result.ok and result.failure is not None
    assert result.applied == ["0001-Windows-change-line-20.patch"]
    assert result.failure.patch.startswith("0002-")
    assert any("glance/cmd/scrubber.py" in w for w in result.failure.where)
    assert series_status(runner, series, glance_tree) is Status.CONFLICT

    with pytest.raises(PatchConflict) as info:
        apply_series(runner, series, glance_tree)
    assert isinstance(info.value, SeriesConflict)
    assert "0002-" in str(info.value) and "scrubber.py" in str(info.value)
    assert info.value.exit_code == 3
    # Nothing was half-applied.
    assert (glance_tree / "glance/common/wsgi_app.py").read_text() == app_before
    assert not (glance_tree / "glance/common/windows.py").exists()


def test_existing_new_file_is_a_conflict(runner: Runner, queue_root: Path,
                                         glance_tree: Path) -> None:
    (glance_tree / "glance/common/windows.py").write_text("other\n")
    result = check_series(runner, load_series("glance", queue_root), glance_tree)
    assert result.failure is not None and result.failure.patch.startswith("0002-")
    assert any("windows.py" in w for w in result.failure.where)


def test_fuzzy_offset_still_applies(runner: Runner, queue_root: Path,
                                    glance_tree: Path) -> None:
    """Upstream moving code (an offset) is not a conflict; git apply copes."""
    app = glance_tree / "glance/common/wsgi_app.py"
    app.write_text("# a new header line\n" + app.read_text())
    assert check_series(runner, load_series("glance", queue_root), glance_tree).ok


def test_tree_inside_another_git_repo(runner: Runner, queue_root: Path,
                                      glance_tree: Path, tmp_path: Path) -> None:
    """A plain tree below some other checkout is patched relative to itself."""
    git(tmp_path, "init", "-q")
    series = load_series("glance", queue_root)
    assert apply_series(runner, series, glance_tree) is Status.NOT_APPLIED
    assert (glance_tree / "glance/common/windows.py").is_file()


def test_git_checkout_tree(runner: Runner, queue_root: Path, glance_tree: Path) -> None:
    git(glance_tree, "init", "-q")
    git(glance_tree, "add", "-A")
    git(glance_tree, "commit", "-qm", "base")
    series = load_series("glance", queue_root)
    assert apply_series(runner, series, glance_tree) is Status.NOT_APPLIED
    assert "windows.py" in git(glance_tree, "status", "--short", "--untracked-files=all")


def test_rename_patch_checks_and_applies(runner: Runner, glance_tree: Path,
                                         tmp_path: Path) -> None:
    from tests.patches.conftest import BASE_FILES, write_tree

    work = write_tree(tmp_path / "rwork", BASE_FILES)
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "base")
    git(work, "mv", "glance/cmd/scrubber.py", "glance/cmd/scrub.py")
    git(work, "commit", "-qm", "Windows: rename the scrubber")
    root = tmp_path / "rq"
    (root / "glance").mkdir(parents=True)
    name = Path(git(work, "format-patch", "-M", "-o", str(root / "glance"), "HEAD~1")
                .strip()).name
    (root / "glance" / "series").write_text(name + "\n")
    series = load_series("glance", root)
    assert "glance/cmd/scrubber.py" in series.files()
    assert check_series(runner, series, glance_tree).ok
    assert apply_series(runner, series, glance_tree) is Status.NOT_APPLIED
    assert (glance_tree / "glance/cmd/scrub.py").is_file()
    assert not (glance_tree / "glance/cmd/scrubber.py").exists()
