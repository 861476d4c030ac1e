"""The report benchmark runs end to end (on a small stream; the real figures come from a
Glance unit-lane stream, see docs/results.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.results.streams import mixed_stream


def test_benchmark_runs_and_reports_targets(tmp_path: Path) -> None:
    stream = mixed_stream(tmp_path / "s.subunit")
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "report_bench.py"),
                           str(stream), "--repeat", "1"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "winci report: parse + HTML + JUnit + summary" in done.stdout
    assert done.stdout.count("met") == 2
    assert "os-testr subunit2html" in done.stdout
