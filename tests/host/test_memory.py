"""PeakRss (winci/host/memory.py) on a real child that grows its memory."""

from __future__ import annotations

import subprocess
import sys

import psutil

from winci.host.memory import PeakRss

GROW = ("import sys, time\n"
        "print('ready', flush=True); sys.stdin.readline()\n"
        "block = bytearray(64 << 20)\n"
        "for i in range(0, len(block), 4096): block[i] = 1\n"
        "time.sleep(1.0)\n")


def test_it_sees_a_process_grow() -> None:
    child = subprocess.Popen([sys.executable, "-c", GROW], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == b"ready"
        proc = psutil.Process(child.pid)
        with PeakRss(lambda: [proc], interval=0.05) as peak:
            child.stdin.write(b"go\n")
            child.stdin.flush()
            child.wait(30)
        assert peak.samples >= 5
        assert peak.max_growth > 48 << 20
        assert peak.max == peak.by_pid[child.pid] >= peak.first_by_pid[child.pid]
    finally:
        child.kill()
        child.wait()


def test_nothing_to_sample() -> None:
    with PeakRss(list) as peak:
        pass
    assert (peak.max, peak.max_growth, peak.by_pid) == (0, 0, {})
