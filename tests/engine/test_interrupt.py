"""A run stopped politely mid-lane (Ctrl-C, SIGTERM) ends everything it started.

winci is sent the signal while stestr and its workers run: within 10 s no process
carrying the run's ``WINCI_RUN_ID`` is left, nothing of the run listens on 127.0.0.1,
the run's state record is gone, the next run finds nothing to reap, and winci exits
with 3 (interrupted is an ERROR verdict; cli.py maps KeyboardInterrupt to 3 too).
"""

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
from winci.host.paths import state_dir
from winci.procs.registry import reap_stale

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(sys.platform == "win32", reason="sends POSIX signals")]

# `python -m winci`, with SIGINT raising KeyboardInterrupt even when pytest itself runs
# as a background job of a non-interactive shell (which starts it with SIGINT ignored).
WINCI = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
         "sys.argv[0] = 'winci'; runpy.run_module('winci', run_name='__main__')")

LANES = {
    "unit": None,
    "functional": r"glance\.tests\.functional\.(v2|db)",
}


def _running(procs: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
        except psutil.NoSuchProcess:
            pass
    return alive


def _workers(procs: list[psutil.Process]) -> list[psutil.Process]:
    """stestr's workers running their share of the tests (``--load-list``)."""
    found = []
    for p in procs:
        try:
            cmd = p.cmdline()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if "--load-list" in cmd and p.name().startswith("python"):
            found.append(p)
    return found


def _listening(procs: list[psutil.Process]) -> set[int]:
    ports = set()
    for p in procs:
        try:
            conns = p.net_connections(kind="inet")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        ports |= {getattr(c.laddr, "port", 0) for c in conns if c.status == psutil.CONN_LISTEN}
    return ports


def _still_listening(ports: set[int]) -> set[int]:
    return {port for c in psutil.net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN and (port := getattr(c.laddr, "port", 0)) in ports}


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("lane", list(LANES))
def test_a_signal_mid_lane_ends_every_process_of_the_run(
        tmp_path: Path, lane: str, signame: str) -> None:
    args = [sys.executable, "-u", "-c", WINCI, "run", lane, "--out", str(tmp_path / "run")]
    test_filter = LANES[lane]
    if test_filter:
        args += ["--filter", test_filter]
    winci = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert winci.stdout is not None
    run_id, seen = None, []
    deadline = time.monotonic() + 1200  # the first run builds the venvs
    try:
        for line in winci.stdout:
            seen.append(line)
            m = re.search(r"run (\d{8}-\d{6}-[0-9a-f]{4})", line)
            if m and run_id is None:
                run_id = m.group(1)
            if f"lane {lane} ..." in line or time.monotonic() > deadline:
                break
        assert run_id, "".join(seen)
        # stestr's workers are running tests (past discovery, when stestr itself still
        # writes and a closed pipe would end it anyway)
        for _ in range(480):
            if len(_workers(processes_of(run_id))) >= 2:
                break
            time.sleep(0.25)
        time.sleep(3)
        before = processes_of(run_id)
        assert len(_workers(before)) >= 2, "".join(seen)
        ports = _listening(before)

        winci.send_signal(getattr(signal, signame))
        deadline = time.monotonic() + 10
        # an exiting process's environment can no longer be read: watch `before` too
        while ((_running(before) or _running(processes_of(run_id)))
               and time.monotonic() < deadline):
            time.sleep(0.1)
        left = [(p.pid, p.name()) for p in _running(processes_of(run_id))]
        assert left == [], f"10 s after {signame}: {left}"
        assert _running(before) == []
        assert _still_listening(ports) == set()
        out, _ = winci.communicate(timeout=120)
    finally:
        if winci.poll() is None:
            winci.kill()
            winci.wait(timeout=30)
    text = "".join(seen) + out
    assert winci.returncode == 3, text[-3000:]
    assert "interrupted" in text
    assert not (state_dir() / f"{run_id}.json").exists(), "the record outlived the run"
    assert [r.run_id for r in reap_stale(state_dir()) if r.run_id == run_id] == []
    # TODO(lead): once the lane keeps its partial stream on interrupt, assert here that
    # <out>/<lane>/results.subunit holds the tests that ran before the signal and that
    # verdict.json says INTERRUPTED for the lane. Not asserted yet.
