"""A run killed with SIGKILL mid-lane: the next run cleans up after it and succeeds."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.engine.test_lanes_integration import processes_of

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")]


def test_next_run_reaps_a_killed_run(tmp_path: Path) -> None:
    first = subprocess.Popen(
        [sys.executable, "-u", "-m", "winci", "run", "functional", "--out",
         str(tmp_path / "killed"), "--filter", r"glance\.tests\.functional\.(v2|db)"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert first.stdout is not None
    run_id = None
    deadline = time.monotonic() + 900
    seen = []
    for line in first.stdout:
        seen.append(line)
        m = re.search(r"run (\d{8}-\d{6}-[0-9a-f]{4})", line)
        if m and run_id is None:
            run_id = m.group(1)
        if "lane functional ..." in line or time.monotonic() > deadline:
            break
    assert run_id, "".join(seen)
    # let the test workers start, then kill winci itself, uncatchably
    for _ in range(120):
        if len(processes_of(run_id)) >= 3:
            break
        time.sleep(0.5)
    left = processes_of(run_id)
    names = {p.name() for p in left}
    assert left, "the lane was running when winci was killed"
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    time.sleep(1)
    assert processes_of(run_id), f"SIGKILL leaves the children ({names}) running"

    second = subprocess.run(
        [sys.executable, "-m", "winci", "run", "unit", "--out", str(tmp_path / "next"),
         "--filter", r"glance\.tests\.unit\.test_versions"],
        capture_output=True, text=True, timeout=900)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-2000:]
    assert f"cleaned up after killed run {run_id}" in second.stdout
    remaining = [p for p in processes_of(run_id) if p.is_running()
                 and p.status() != psutil.STATUS_ZOMBIE]
    assert remaining == []
