"""Reading a build's logs (folder or URL) and planning its re-run, without running tests."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.history.runs import make_run_dir
from tests.reproduce.logs import ZUUL_VARS, serve, zuul_layout
from winci.errors import UsageError
from winci.reproduce import (
    FLAKY,
    NOT_RUN,
    PASSES,
    REAL,
    ReproduceOptions,
    change_ref,
    classify,
    current_queue_hash,
    download,
    exact_filter,
    failed_tests,
    load_build,
    plan_environment,
    reproduce,
)

FAIL = "glance.tests.unit.test_a.T.test_fails"
FLAKY_ID = "glance.tests.unit.test_a.T.test_flaky"
OK = "glance.tests.unit.test_a.T.test_ok"
TEMPEST = "tempest.api.image.v2.test_images.T.test_x[id-1234,smoke]"


def build_logs(tmp_path: Path, *, source: str = "pypi") -> Path:
    run = make_run_dir(tmp_path / "runs", "20261124-020000-abcd", "2026-11-24T02:00:00Z",
                       {"unit": [(OK, "success", 0.1), (FAIL, "fail", 0.2),
                                 (FLAKY_ID, "fail", 0.1)],
                        "tempest": [(TEMPEST, "success", 1.0)]}, flaky=(FLAKY_ID,))
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["glance"].update(source=source, kind=source)
    if source != "pypi":
        manifest["glance"].update(path="/opt/stack/glance", git_sha="0" * 40,
                                  git_ref="HEAD")
    (run / "manifest.json").write_text(json.dumps(manifest))
    return zuul_layout(run, tmp_path / "logs")


def test_reads_zuul_vars_manifest_and_failures(tmp_path: Path) -> None:
    logs = build_logs(tmp_path)
    build = load_build(logs)
    assert build.run_dir == logs / "winci-run"
    assert [build.zuul_value(k) for k in ("change", "patchset", "ref", "project", "job")] == [
        "954321", "2", "refs/changes/21/954321/2", "openstack/glance", "winci-glance-unit"]
    assert (build.queue_hash, build.manifest["winci_version"]) == ("abc123", "0.1.0")
    assert build.lanes == ["unit", "tempest"]
    assert failed_tests(build.run_dir, "unit") == [FAIL]
    assert failed_tests(build.run_dir, "unit", include_flaky=True) == [FAIL, FLAKY_ID]
    # the run folder itself works too, the inventory found beside it
    assert load_build(logs / "winci-run").zuul_value("change") == "954321"


def test_failures_from_the_stream_when_there_is_no_summary(tmp_path: Path) -> None:
    logs = build_logs(tmp_path)
    (logs / "winci-run" / "unit" / "summary.json").unlink()
    # without the summary nothing says FLAKY_ID passed its retry: it counts as failed
    assert failed_tests(logs / "winci-run", "unit") == [FAIL, FLAKY_ID]
    (logs / "winci-run" / "unit" / "results.subunit").unlink()
    with pytest.raises(UsageError, match=r"neither summary\.json nor results\.subunit"):
        failed_tests(logs / "winci-run", "unit")


def test_exact_filter_matches_only_the_ids() -> None:
    ids = [FAIL, "glance.tests.unit.test_a.T.test_fails_too", "tempest.x.T.test_y[id-9,smoke]"]
    rx = re.compile(exact_filter(ids))
    assert rx.search(FAIL) and rx.search("tempest.x.T.test_y[id-9,smoke]")
    assert rx.search("tempest.x.T.test_y")
    for other in (FAIL + "_not", "x" + FAIL, "glance.tests.unit.test_aXT.test_fails", OK):
        assert not rx.search(other), other


def test_classify() -> None:
    assert classify(3, 3, 0) == REAL
    assert classify(3, 1, 2) == FLAKY
    assert classify(3, 0, 3) == PASSES
    assert classify(0, 0, 0) == NOT_RUN


def test_plan_for_a_pypi_build_warns_on_queue_and_version(tmp_path: Path) -> None:
    build = load_build(build_logs(tmp_path))
    build.manifest["winci_version"] = "0.0.9"
    plan = plan_environment(build, None)
    assert plan.glance_src is None and plan.patches
    assert any("patch queue differs" in w and "abc123" in w for w in plan.warnings)
    assert any("0.0.9 in the build" in w for w in plan.warnings)
    build.manifest["patches"]["queue_hash"] = current_queue_hash()
    build.manifest["winci_version"] = "0.1.0"
    assert plan_environment(build, None).warnings == []


def test_plan_for_a_change_explains_how_to_get_the_tree(tmp_path: Path) -> None:
    build = load_build(build_logs(tmp_path, source="git"))
    with pytest.raises(UsageError) as err:
        plan_environment(build, None)
    text = str(err.value)
    assert "git fetch https://review.opendev.org/openstack/glance refs/changes/21/954321/2" \
        in text and "--glance-src" in text
    assert change_ref("954321", "2") == "refs/changes/21/954321/2"
    assert change_ref("5", "1") == "refs/changes/05/5/1"
    plan = plan_environment(build, tmp_path)
    assert plan.glance_src == tmp_path


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


def test_no_failures_and_bad_sources(tmp_path: Path, capsys) -> None:
    run = make_run_dir(tmp_path / "runs", "green", "2026-11-24T02:00:00Z",
                       {"unit": [(OK, "success", 0.1)]})
    logs = zuul_layout(run, tmp_path / "logs")
    res = reproduce(ReproduceOptions(str(logs), out=tmp_path / "out"),
                    execute=lambda *_a: pytest.fail("nothing to run"))
    assert res.rows == [] and res.exit_code == 0
    assert json.loads((tmp_path / "out" / "reproduce.json").read_text())["tests"] == []
    # a build that ended in ERROR before naming its Glance source: nothing to re-run
    manifest = json.loads((logs / "winci-run" / "manifest.json").read_text())
    del manifest["glance"]
    (logs / "winci-run" / "manifest.json").write_text(json.dumps(manifest))
    assert reproduce(ReproduceOptions(str(logs), out=tmp_path / "out")).exit_code == 0
    with pytest.raises(UsageError, match="no lane 'tempest'"):
        reproduce(ReproduceOptions(str(logs), lane="tempest", out=tmp_path / "out"))
    with pytest.raises(UsageError, match="neither an http"):
        reproduce(ReproduceOptions(str(tmp_path / "missing"), out=tmp_path / "out"))
    with pytest.raises(UsageError, match="not a winci build"):
        reproduce(ReproduceOptions(str(tmp_path / "runs"), out=tmp_path / "out"))
