"""The shipped queue against the real releases it targets (downloads once, then cached)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from winci.envs.specs import upper_constraints
from winci.patches import (
    LIBRARY_DISTS,
    Status,
    apply_glance,
    check_series,
    load_queue,
    prepare_patched_libraries,
    series_status,
)
from winci.patches.libraries import cache_entry, pinned_version, pristine_source
from winci.procs import Runner
from winci.worktree.sources import DEFAULT_GLANCE_VERSION, fetch_pypi_release

pytestmark = pytest.mark.integration


def test_glance_series_applies_to_release(runner: Runner, tmp_path: Path) -> None:
    release = fetch_pypi_release(DEFAULT_GLANCE_VERSION, runner)
    tree = tmp_path / "glance"
    shutil.copytree(release, tree)
    assert apply_glance(runner, tree) is Status.NOT_APPLIED
    assert (tree / "glance/common/windows.py").is_file()
    assert (tree / "glance/cmd/api_waitress.py").is_file()
    assert "[7:]" not in (tree / "glance/task_cancellation_tracker.py").read_text()
    assert [s.project for s in load_queue() if s.project == "glance"] == ["glance"]
    glance = next(s for s in load_queue() if s.project == "glance")
    assert series_status(runner, glance, tree) is Status.APPLIED
    assert series_status(runner, glance, release) is Status.NOT_APPLIED


def test_library_series_apply_to_pinned_releases(runner: Runner) -> None:
    for series in load_queue():
        if series.project == "glance":
            continue
        dist = LIBRARY_DISTS[series.project]
        version = pinned_version(dist, upper_constraints())
        result = check_series(runner, series, pristine_source(runner, dist, version))
        assert result.ok, result.failure and result.failure.describe()


def test_patched_glance_store_wheel_is_built_and_cached(runner: Runner) -> None:
    wheels = prepare_patched_libraries(runner, upper_constraints(),
                                       projects=["glance_store"])
    wheel = wheels["glance_store"]
    assert wheel.name.startswith("glance_store-5.6.0-") and wheel.suffix == ".whl"
    with zipfile.ZipFile(wheel) as zf:
        source = zf.read("glance_store/_drivers/filesystem.py").decode()
    assert "shutil.disk_usage" in source  # the patched driver, not PyPI's
    series = next(s for s in load_queue() if s.project == "glance_store")
    entry = cache_entry("glance_store", "5.6.0", series)
    assert wheel.parent.parent == entry and (entry / "done").is_file()
    mtime = wheel.stat().st_mtime
    again = prepare_patched_libraries(runner, upper_constraints(), projects=["glance_store"])
    assert again["glance_store"] == wheel and wheel.stat().st_mtime == mtime
