"""Whole lanes through the real CLI against a real stack on 127.0.0.1.

These build (or reuse) the cached venvs, start a private MariaDB, Keystone and Glance
under waitress, and run a subset of the real suites.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from winci.procs.registry import RUN_ID_ENV

pytestmark = pytest.mark.integration


def winci_run(out: Path, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "winci", "run", "--out", str(out), *args],
                          capture_output=True, text=True, timeout=timeout)


def processes_of(run_id: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(RUN_ID_ENV) == run_id:
                found.append(proc)
        except (psutil.Error, OSError):
            continue
    return found


# glance-tempest-plugin: a slice of its image and metadef RBAC tests (a few seconds)
PLUGIN_SLICE = (r"^glance_tempest_plugin\.tests\.rbac\.v2\.(metadefs\.test_namespaces\."
                r"ProjectReaderTests|test_project_reader_tests\.ImagesProjectReaderTests\."
                r"test_(get|list)_image)")


def test_tempest_image_tests_against_the_real_stack(tmp_path: Path) -> None:
    """tempest's image tests against a stack kept up (--keep), then a slice of
    glance-tempest-plugin against the same stack from a second run (--stack), each
    suite counted apart, then `winci down` ends it all."""
    out = tmp_path / "run"
    res = winci_run(out, "tempest", "--keep", "--filter",
                    r"^tempest\.api\.image\.v2\.(test_images\.(BasicOperationsImagesTest|"
                    r"ImportImagesTest)|test_versions)")
    run_id = json.loads((out / "manifest.json").read_text())["run_id"]
    try:
        _check_image_tests(out, res)
        _check_plugin_slice_on_the_kept_stack(tmp_path / "again", run_id)
    finally:
        down = subprocess.run([sys.executable, "-m", "winci", "down", "--run-id", run_id],
                              capture_output=True, text=True, timeout=300)
    assert f"ended local run {run_id}" in down.stdout, down.stdout + down.stderr
    assert processes_of(run_id) == []


def _check_plugin_slice_on_the_kept_stack(out: Path, run_id: str) -> None:
    res = winci_run(out, "--stack", run_id, "--filter", PLUGIN_SLICE)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert f"the stack of kept run {run_id}" in res.stdout
    suites = json.loads((out / "tempest" / "summary.json").read_text())["suites"]
    plugin, image = suites["glance_tempest_plugin"], suites["tempest.api.image"]
    assert plugin["passed"] >= 7 and plugin["failed"] == plugin["skipped"] == 0, plugin
    assert image["total"] == 0
    assert "glance_tempest_plugin" in res.stdout  # its row in the closing table
    assert json.loads((out / "manifest.json").read_text())["stack_of"] == run_id
    # the run's own processes are gone; the kept stack's are not its to end
    run = json.loads((out / "verdict.json").read_text())["run_id"]
    assert processes_of(run) == [] and processes_of(run_id)


def _check_image_tests(out: Path, res: subprocess.CompletedProcess[str]) -> None:
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    verdict = json.loads((out / "verdict.json").read_text())
    lane = verdict["lanes"]["tempest"]
    assert verdict["verdict"] == "SUCCESS"
    assert lane["passed"] >= 8 and lane["failed"] == 0
    # every lane artifact is there
    for name in ("results.subunit", "summary.json", "testr_results.html", "junit.xml"):
        assert (out / "tempest" / name).stat().st_size > 0
    summary = json.loads((out / "tempest" / "summary.json").read_text())
    passed_ids = {c for c in (out / "tempest" / "junit.xml").read_text().split('"')
                  if "web_download" in c}
    assert passed_ids, "the web-download import test ran"
    assert summary["total"] >= lane["passed"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["pins"]["keystone"] == "30.0.0"
    assert manifest["glance"]["version"] == "33.0.0"
    phases = manifest["timings"]["phases_s"]
    assert list(phases)[:2] == ["glance source", "work tree"]
    assert phases["lane tempest"] > 0
    assert manifest["timings"]["elapsed_s"] >= sum(phases.values()) - 0.5
    # config files are published with the passwords masked
    glance_conf = (out / "config" / "glance" / "glance-api.conf").read_text()
    assert "password = ********" in glance_conf
    assert "mysql+pymysql://glance:********@127.0.0.1" in glance_conf
    # services logged; the stack is kept up, the image web server with it
    assert (out / "logs" / "glance-api.log").stat().st_size > 0
    # the second API (image_remote): tempest's remote import and delete ran (staged on
    # one API, imported or deleted through the other, which proxied them), its config
    # published masked too
    junit = (out / "tempest" / "junit.xml").read_text()
    assert "test_remote_import" in junit and "test_remote_delete" in junit
    assert not [s for s in summary["skips"] if "test_remote" in s["id"]], summary["skips"]
    remote_log = (out / "logs" / "glance-remote" / "glance-api.log").read_text()
    assert "Proxying POST request to host" in remote_log
    assert "password = ********" in (out / "config" / "glance-remote" /
                                     "glance-api.conf").read_text()
    assert "verdict: SUCCESS" in res.stdout
    assert {p.name() for p in processes_of(verdict["run_id"])} >= {"mariadbd"}


def test_functional_runs_the_mysql_tests(tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = winci_run(out, "functional", "--filter",
                    r"glance\.tests\.functional\.db\.migrations\.test_(mitaka01|pike_expand01)")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    summary = json.loads((out / "functional" / "summary.json").read_text())
    skipped_mysql = [s for s in summary["skips"] if "MySQL" in s["id"]]
    assert skipped_mysql == [], skipped_mysql
    junit = (out / "functional" / "junit.xml").read_text()
    assert "TestMitaka01MySQL" in junit and "TestPikeExpand01MySQL" in junit
