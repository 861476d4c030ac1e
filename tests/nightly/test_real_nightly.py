"""A real `winci nightly` (unit lane, one module of Glance 33.0.0) on top of a seeded history.

Glance master is "unreachable" (the git URL points at a closed 127.0.0.1 port), so the
nightly falls back to the cached PyPI release and says so; the run is stored as a
nightly, compared with the previous one, and the report shows the trend and a test
that was failing before and is fixed tonight.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.history.runs import make_run_dir
from winci.history import History, import_run, lane_trend

pytestmark = pytest.mark.integration

MODULE = "glance.tests.unit.test_versions"
REAL_TEST = f"{MODULE}.VersionsTest.test_get_version_list"


def test_real_nightly_stores_compares_and_reports(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'h.sqlite').as_posix()}"
    with History(url) as history:
        for night, status in (("2026-11-01", "success"), ("2026-11-02", "fail")):
            import_run(history, make_run_dir(
                tmp_path / "seed", f"nightly-{night}", f"{night}T02:00:00Z",
                {"unit": [(REAL_TEST, status, 0.2)]}, kind="nightly"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WINCI_ZUUL_")}
    env["WINCI_GLANCE_GIT_URL"] = f"https://127.0.0.1:{closed}/openstack/glance"
    out = tmp_path / "run"
    res = subprocess.run(
        [sys.executable, "-m", "winci", "nightly", "unit", "--filter",
         rf"^{re.escape(MODULE)}\.VersionsTest\.", "--history-url", url, "--out", str(out),
         "--nights", "5"], capture_output=True, text=True, timeout=900, env=env)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "is not reachable here" in res.stdout and "release from PyPI" in res.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["glance"]["source"] == "pypi"
    assert manifest["options"]["run_kind"] == "nightly"
    with History(url) as history:
        trend = lane_trend(history, "unit", last=5, kind="nightly")
    assert [p.run_id for p in trend][:2] == ["nightly-2026-11-01", "nightly-2026-11-02"]
    assert trend[-1].run_id == manifest["run_id"] and trend[-1].passed >= 3
    report = json.loads((out / "nightly-report.json").read_text())
    unit = report["lanes"]["unit"]
    assert unit["regressions"] == []
    assert unit["compared"]["fixed"] == [{"lane": "unit", "id": REAL_TEST}]
    html = (out / "nightly-report.html").read_text()
    assert html.count("<svg") == 3 and "is not reachable here" in html
    assert f"nightly report: {out / 'nightly-report.html'}" in res.stdout
