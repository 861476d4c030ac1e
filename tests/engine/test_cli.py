"""The CLI: help everywhere, and bad input gets one line and exit code 2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from winci.cli import build_parser

REPO = Path(__file__).resolve().parents[2]


def winci(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "winci", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd)


def _commands() -> list[str]:
    _, modules = build_parser()
    return sorted(modules)


def test_top_level_help() -> None:
    res = winci("--help")
    assert res.returncode == 0
    assert "run" in res.stdout


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help(command: str) -> None:
    res = winci(command, "--help")
    assert res.returncode == 0, res.stderr
    assert "usage: winci" in res.stdout


def _assert_one_line_usage_error(res: subprocess.CompletedProcess[str], text: str) -> None:
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr + res.stdout
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    assert text in lines[0]


def test_unknown_lane(tmp_path: Path) -> None:
    res = winci("run", "integration", "--out", str(tmp_path / "r"))
    _assert_one_line_usage_error(res, "unknown lane 'integration'")
    assert not (tmp_path / "r").exists()


def test_glance_src_that_does_not_exist(tmp_path: Path) -> None:
    res = winci("run", "unit", "--glance-src", str(tmp_path / "nope"))
    _assert_one_line_usage_error(res, "does not exist")


def test_glance_src_that_is_not_glance(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = nova\n")
    res = winci("run", "unit", "--glance-src", str(tmp_path))
    _assert_one_line_usage_error(res, "is not a Glance source tree")


def test_broken_constraints_file(tmp_path: Path) -> None:
    bad = tmp_path / "constraints.txt"
    bad.write_text("oslo.db===18.1.0\nthis is not a pin\n")
    res = winci("run", "unit", "--constraints", str(bad))
    _assert_one_line_usage_error(res, "is not a pin")


def test_busy_port() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        res = winci("run", "tempest", "--glance-port", str(port))
    _assert_one_line_usage_error(res, f"port {port} for Glance is already in use")


def test_bad_port_range() -> None:
    res = subprocess.run([sys.executable, "-m", "winci", "run", "unit"], capture_output=True,
                         text=True, timeout=120,
                         env={**os.environ, "WINCI_PORT_RANGE": "30000"})
    _assert_one_line_usage_error(res, "WINCI_PORT_RANGE='30000' is not a port range")


def test_bad_filter_regex() -> None:
    res = winci("run", "unit", "--filter", "(")
    _assert_one_line_usage_error(res, "not a valid regex")
