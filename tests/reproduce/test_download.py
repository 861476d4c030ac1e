"""Downloading a build's logs from its log URL (served on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reproduce.logs import FAIL, ZUUL_VARS, build_logs, serve
from winci.errors import UsageError
from winci.reproduce.build import failed_tests, load_build
from winci.reproduce.download import download


def test_download_fetches_only_what_is_needed(tmp_path: Path) -> None:
    logs = build_logs(tmp_path)
    with serve(logs) as (url, requested):
        dest = download(url, tmp_path / "dl", say=lambda _m: None)
    assert set(requested) == {"/zuul-info/inventory.yaml", "/winci-run/manifest.json",
                              "/winci-run/verdict.json", "/winci-run/unit/summary.json",
                              "/winci-run/unit/results.subunit"}  # not tempest: it passed
    build = load_build(dest)
    assert build.zuul_value("ref") == ZUUL_VARS["ref"]
    assert failed_tests(build.run_dir, "unit") == [FAIL]
    assert not list(dest.rglob("*.part"))


def test_download_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with serve(empty) as (url, _), pytest.raises(UsageError, match="not found"):
        download(url, tmp_path / "dl", say=lambda _m: None)
    logs = build_logs(tmp_path)
    with serve(logs) as (url, _), pytest.raises(UsageError, match="neither"):
        download(url, tmp_path / "dl2", lanes=["functional"], say=lambda _m: None)
