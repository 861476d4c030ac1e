"""Fixtures for the Gerrit voting tests: a fake Gerrit, run folders, the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.gerrit.fake_gerrit import FakeGerrit
from winci.cli import main

CHANGE = 912345
PATCHSETS = 3
PASSWORD = "Sup3r-s3cret-HTTP-pw-wincitest"
LOG_URL = "https://logs.example.test/45/912345/3/check/winci-glance/abc1234"

LANES_OK = {
    "unit": {"verdict": "SUCCESS", "passed": 2422, "failed": 0, "skipped": 12,
             "known_failures": 1, "flaky": 0, "duration_s": 62.4, "error": None},
    "functional": {"verdict": "SUCCESS", "passed": 565, "failed": 0, "skipped": 18,
                   "known_failures": 0, "flaky": 1, "duration_s": 171.0, "error": None},
    "tempest": {"verdict": "SUCCESS", "passed": 61, "failed": 0, "skipped": 15,
                "known_failures": 0, "flaky": 0, "duration_s": 3725.0, "error": None},
}


def write_run(root: Path, verdict: str = "SUCCESS", *, lanes: dict[str, Any] | None = None,
              zuul: dict[str, Any] | None = None, glance: dict[str, Any] | None = None,
              name: str = "run") -> Path:
    """A run folder following the contract: manifest.json and verdict.json."""
    run_dir = root / name
    run_dir.mkdir(parents=True)
    lanes = dict(LANES_OK if lanes is None else lanes)
    manifest: dict[str, Any] = {
        "winci_version": "0.1.0", "run_id": name, "started": "2026-11-24T08:00:00Z",
        "finished": "2026-11-24T09:10:00Z",
        "glance": glance if glance is not None else {
            "source": "git", "path": "/src/glance", "version": "33.0.1.dev4",
            "git_ref": "refs/changes/45/912345/3", "git_sha": "0" * 40,
            "change": None, "patchset": None},
        "patches": {"applied": True, "queue_hash": "f" * 16},
        "lanes": list(lanes), "options": {}, "backend": "local",
        "platform": {"system": "Windows", "release": "2022", "python": "3.12.7"},
        "pins": {"glance": "33.0.0"},
    }
    if zuul is not None:
        manifest["zuul"] = zuul
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (run_dir / "verdict.json").write_text(
        json.dumps({"verdict": verdict, "run_id": name, "lanes": lanes}), encoding="utf-8")
    return run_dir


def zuul_section(**overrides: Any) -> dict[str, Any]:
    data = {"change": str(CHANGE), "patchset": str(PATCHSETS), "project": "openstack/glance",
            "branch": "master", "pipeline": "check", "build": "abc1234", "log_url": LOG_URL,
            "ref": f"refs/changes/45/{CHANGE}/{PATCHSETS}"}
    data.update(overrides)
    return data


@pytest.fixture
def gerrit() -> Iterator[FakeGerrit]:
    with FakeGerrit(password=PASSWORD) as fake:
        fake.add_change(CHANGE, patchsets=PATCHSETS)
        yield fake


@pytest.fixture
def gerrit_env(gerrit: FakeGerrit, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeGerrit:
    """Credentials for the fake in the environment; no real ~/.config is read."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("WINCI_GERRIT_CREDENTIALS", raising=False)
    monkeypatch.setenv("WINCI_GERRIT_URL", gerrit.url)
    monkeypatch.setenv("WINCI_GERRIT_USER", gerrit.username)
    monkeypatch.setenv("WINCI_GERRIT_PASSWORD", PASSWORD)
    return gerrit


FAST = ["--timeout", "1.0", "--retry-delay", "0.01", "--retry-time", "20"]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run ``winci vote ...`` in-process; returns (exit code, stdout, stderr)."""

    def run(*args: str | Path) -> tuple[int, str, str]:
        code = main(["vote", *(str(a) for a in args), *FAST])
        out, err = capsys.readouterr()
        return code, out, err

    return run
