"""``winci build msi`` refuses bad input with one line and exit code 2, before any work
(no cache folder, no Wine, no build)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from winci.cli import main


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv("WINCI_CACHE_DIR", str(path))
    return path


def _one_line(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own errors
        code = int(exc.code or 0)
    out = capsys.readouterr()
    assert code == 2, out
    assert out.out == "" and "Traceback" not in out.err
    lines = out.err.splitlines()
    assert len(lines) == 1, out.err
    return lines[0]


@pytest.mark.parametrize("args,message", [
    (["--platform", "bogus"], "argument --platform: invalid choice: 'bogus'"),
    (["--platform", "windows"], "--platform applies to `winci build images`"),
    (["--base", "ltsc2025"], "--base applies to `winci build images`"),
    (["--image", "glance"], "--image applies to `winci build images`, not to `winci build msi`"),
    (["--dry-run"], "--dry-run applies to `winci build images`"),
    (["--no-cache"], "--no-cache applies to `winci build images`"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--constraints", "/nonexistent/constraints.txt"], "does not exist"),
])
def test_bad_options_are_one_line(capsys: pytest.CaptureFixture[str], cache: Path,
                                  args: list[str], message: str) -> None:
    line = _one_line(capsys, ["build", "msi", *args])
    assert line.startswith("winci build: error: ") and message in line
    assert not cache.exists()


def test_msi_options_are_refused_for_images(capsys: pytest.CaptureFixture[str],
                                            cache: Path) -> None:
    line = _one_line(capsys, ["build", "images", "--check-reproducible"])
    assert "--check-reproducible applies to `winci build msi`" in line


def test_out_that_is_a_file(capsys: pytest.CaptureFixture[str], cache: Path,
                            tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("x")
    line = _one_line(capsys, ["build", "msi", "--out", str(file)])
    assert f"--out {file}: not a folder" in line
    assert not cache.exists()


def test_out_that_cannot_be_made(capsys: pytest.CaptureFixture[str], cache: Path,
                                 tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("x")
    line = _one_line(capsys, ["build", "msi", "--out", str(file / "dist")])
    assert f"--out {file / 'dist'}: cannot write there" in line
    assert "give a folder you can write to" in line
    assert not cache.exists()


def test_the_real_command_line_prints_one_line(tmp_path: Path) -> None:
    out = tmp_path / "read-only" / "dist"
    out.parent.write_text("not a folder")
    proc = subprocess.run([sys.executable, "-m", "winci", "build", "msi", "--out", str(out)],
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin",
                               "WINCI_CACHE_DIR": str(tmp_path / "cache")})
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "cannot write there" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
