"""Issue 8, point 3: `winci reproduce` on a log folder laid out as Zuul publishes it, built
from a real `winci run` of Glance 33.0.0 with planted tests, re-runs exactly the failed
tests and classifies them. Also through the log URL, served on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reproduce.logs import serve, zuul_layout
from winci.procs import Runner
from winci.reproduce.classify import FLAKY, PASSES, REAL
from winci.results import parse_stream
from winci.worktree.sources import DEFAULT_GLANCE_VERSION, fetch_pypi_release

pytestmark = pytest.mark.integration

MODULE = "glance.tests.unit.test_versions"
CLASS = f"{MODULE}.WinciPlantedTest"
ALWAYS = f"{CLASS}.test_planted_always_fails"
ENV = f"{CLASS}.test_planted_env_specific"
ALTERNATES = f"{CLASS}.test_planted_alternates"
PASSES_ID = f"{CLASS}.test_planted_passes"

PLANTED = '''

import os as _winci_os

_WINCI_MARKER = {marker!r}
_WINCI_COUNTER = {counter!r}


class WinciPlantedTest(base.IsolatedUnitTest):
    """Planted by winci's reproduce test."""

    def test_planted_always_fails(self):
        self.assertEqual(1, 2, "planted deterministic failure")

    def test_planted_passes(self):
        self.assertTrue(True)

    def test_planted_env_specific(self):
        # fails while the marker file exists (in the "CI" run, not in the reproduction)
        self.assertFalse(_winci_os.path.exists(_WINCI_MARKER), "marker present")

    def test_planted_alternates(self):
        # fails on odd calls: fails, then passes its isolated retry (flaky in the CI)
        n = 1
        if _winci_os.path.exists(_WINCI_COUNTER):
            with open(_WINCI_COUNTER) as fh:
                n = int(fh.read()) + 1
        with open(_WINCI_COUNTER, "w") as fh:
            fh.write(str(n))
        self.assertEqual(n % 2, 0, "odd call")
'''


@dataclass
class Ci:
    glance: Path
    logs: Path
    root: Path


def winci(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WINCI_ZUUL_")}
    return subprocess.run([sys.executable, "-m", "winci", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def ci(tmp_path_factory: pytest.TempPathFactory) -> Ci:
    """One real unit-lane run of a Glance copy with planted tests, published like Zuul."""
    root = tmp_path_factory.mktemp("reproduce")
    with Runner(root / "fetch-logs") as runner:
        release = fetch_pypi_release(DEFAULT_GLANCE_VERSION, runner)
    glance = root / "glance"
    shutil.copytree(release, glance)
    marker, counter = root / "marker", root / "counter"
    marker.write_text("the CI node's environment")
    with (glance / "glance" / "tests" / "unit" / "test_versions.py").open("a") as fh:
        fh.write(PLANTED.format(marker=str(marker), counter=str(counter)))
    res = winci("run", "unit", "--glance-src", str(glance), "--filter",
                f"^{re.escape(MODULE)}\\.", "--out", str(root / "run"),
                "--no-history")
    assert res.returncode == 1, res.stdout[-3000:] + res.stderr[-2000:]
    summary = json.loads((root / "run" / "unit" / "summary.json").read_text())
    assert sorted(f["id"] for f in summary["failures"]) == [ALWAYS, ENV]
    assert summary["flaky_tests"] == [ALTERNATES]
    assert summary["passed"] > 50  # the module's own tests ran too
    marker.unlink()  # the environment-specific cause is not here
    return Ci(glance, zuul_layout(root / "run", root / "logs"), root)


def ran_ids(run_dir: Path) -> set[str]:
    return {c.test_id for c in parse_stream(run_dir / "unit" / "results.subunit")}


def test_reproduce_a_downloaded_log_folder(ci: Ci) -> None:
    out = ci.root / "repro-folder"
    res = winci("reproduce", str(ci.logs), "--repeat", "2", "--glance-src", str(ci.glance),
                "--include-flaky", "--out", str(out))
    assert res.returncode == 1, res.stdout[-3000:] + res.stderr[-2000:]
    wanted = {ALWAYS, ENV, ALTERNATES}
    for n in (1, 2):
        run_dir = out / f"unit-{n}"
        assert ran_ids(run_dir) == wanted  # exactly the failed tests, nothing else
        summary = json.loads((run_dir / "unit" / "summary.json").read_text())
        assert summary["total"] == len(wanted)
        assert not (run_dir / "unit" / "retry.subunit").exists()  # no isolated retry
    assert not (out / "unit-3").exists()
    data = json.loads((out / "reproduce.json").read_text())
    rows = {t["id"]: t for t in data["tests"]}
    assert {k: (v["runs"], v["passed"], v["failed"], v["classification"])
            for k, v in rows.items()} == {
        ALWAYS: (2, 0, 2, REAL), ENV: (2, 2, 0, PASSES), ALTERNATES: (2, 1, 1, FLAKY)}
    assert (data["build"]["change"], data["build"]["patchset"]) == ("954321", "2")
    assert data["build"]["ref"] == "refs/changes/21/954321/2"
    assert data["warnings"] == []  # same queue, same winci
    # the table on the terminal
    line = next(ln for ln in res.stdout.splitlines() if ln.startswith(f"unit  {ALWAYS}"))
    assert line.split()[2:5] == ["2", "0", "2"] and line.endswith(REAL)
    assert "change: 954321" in res.stdout and "job: winci-glance-unit" in res.stdout


def test_reproduce_from_the_log_url(ci: Ci) -> None:
    out = ci.root / "repro-url"
    with serve(ci.logs) as (url, requested):
        res = winci("reproduce", url, "--repeat", "1", "--glance-src", str(ci.glance),
                    "--out", str(out))
    assert res.returncode == 1, res.stdout[-3000:] + res.stderr[-2000:]
    assert "/winci-run/unit/results.subunit" in requested
    assert (out / "build" / "zuul-info" / "inventory.yaml").is_file()
    assert ran_ids(out / "unit-1") == {ALWAYS, ENV}  # flaky ones only with --include-flaky
    rows = {t["id"]: t["classification"]
            for t in json.loads((out / "reproduce.json").read_text())["tests"]}
    assert rows == {ALWAYS: REAL, ENV: PASSES}
    assert PASSES_ID not in res.stdout
