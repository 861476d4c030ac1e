"""``winci patches`` through the real CLI entry point."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from winci import cli
from winci.patches import queue as queue_mod
from winci.patches.report import run_patches_command


@pytest.fixture
def use_queue(monkeypatch: pytest.MonkeyPatch, queue_root: Path,
              tmp_path: Path) -> Path:
    monkeypatch.setattr(queue_mod, "patches_root", lambda: queue_root)
    monkeypatch.setenv("WINCI_CACHE_DIR", str(tmp_path / "cache"))
    return queue_root


def test_check_passes(use_queue: Path, glance_tree: Path,
                      capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["patches", "check", "--glance-src", str(glance_tree)]) == 0
    out = capsys.readouterr().out
    assert "glance" in out and "ok: 2 patches apply" in out


def test_check_fails_with_patch_named(use_queue: Path, glance_tree: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    scrub = glance_tree / "glance/cmd/scrubber.py"
    scrub.write_text("something else entirely\n")
    assert cli.main(["patches", "check", "--glance-src", str(glance_tree)]) == 1
    out = capsys.readouterr().out
    assert "FAILED after 1 of 2" in out
    assert "0002-Windows-scrubber-without-pgrep.patch" in out
    assert "glance/cmd/scrubber.py" in out


def test_bad_input_exits_2(use_queue: Path, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["patches", "check", "--glance-src", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert cli.main(["patches", "check", "--glance-src", str(tmp_path),
                     "--project", "nova"]) == 2
    not_glance = tmp_path / "other"
    not_glance.mkdir()
    assert cli.main(["patches", "check", "--glance-src", str(not_glance)]) == 2
    assert cli.main(["patches", "apply"]) == 2  # apply needs a tree


def test_apply_and_status(use_queue: Path, glance_tree: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["patches", "status", "--glance-src", str(glance_tree)]) == 0
    assert "not-applied" in capsys.readouterr().out
    assert cli.main(["patches", "apply", "--glance-src", str(glance_tree)]) == 0
    assert "applied: 2 patches" in capsys.readouterr().out
    assert cli.main(["patches", "status", "--glance-src", str(glance_tree)]) == 0
    assert " applied in " in capsys.readouterr().out
    assert cli.main(["patches", "apply", "--glance-src", str(glance_tree)]) == 0
    assert "already applied" in capsys.readouterr().out


def test_apply_conflict_exits_3(use_queue: Path, glance_tree: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    (glance_tree / "glance/cmd/scrubber.py").write_text("changed upstream\n")
    assert cli.main(["patches", "apply", "--glance-src", str(glance_tree)]) == 3
    err = capsys.readouterr().err
    assert "patch queue does not apply" in err and "0002-" in err


def test_report_function_returns_false_on_conflict(use_queue: Path,
                                                   glance_tree: Path) -> None:
    (glance_tree / "glance/common/wsgi_app.py").write_text("rewritten\n")
    out = io.StringIO()
    assert not run_patches_command("check", glance_src=glance_tree, projects=None,
                                   constraints=None, out=out)
    assert "0001-Windows-change-line-20.patch" in out.getvalue()
