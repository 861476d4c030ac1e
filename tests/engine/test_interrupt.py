"""A run stopped politely mid-lane (Ctrl-C, SIGTERM) ends everything it started and
keeps what ran.

winci is sent the signal while stestr and its workers run: within 10 s no process
carrying the run's ``WINCI_RUN_ID`` is left, nothing of the run listens on 127.0.0.1,
the run's state record is gone, the next run finds nothing to reap, and winci exits
with 3 (for SIGINT too: the exit code of the INTERRUPTED verdict). The interrupted lane
keeps its partial stream and reports what ran as INTERRUPTED; the lanes before it keep
their results, those after it are NOT_RUN.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.engine.test_lane_inputs import options, stand_in_run, verdict_of
from tests.engine.test_lanes_integration import processes_of
from tests.engine.test_stestr_pass import PASSING, SLOW, interrupt_when, needs_stestr, project
from winci.cli import main
from winci.host.paths import state_dir
from winci.procs.registry import reap_stale
from winci.results import parse_stream
from winci.runs import Run

pytestmark = [pytest.mark.skipif(sys.platform == "win32", reason="sends POSIX signals")]

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


@pytest.mark.integration
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
        # and some of them have finished (a worker imports Glance for seconds first)
        log = tmp_path / "run" / lane / "logs" / f"stestr-{lane}.log"
        for _ in range(1200):
            if log.is_file() and log.read_text(errors="replace").count("... ok") >= 5:
                break
            time.sleep(0.25)
        time.sleep(1)
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
    # the lane kept its partial stream and reported what ran
    out_dir = tmp_path / "run"
    cases = parse_stream(out_dir / lane / "results.subunit")
    assert cases and all(c.finished for c in cases), text[-3000:]
    summary = json.loads((out_dir / lane / "summary.json").read_text())
    assert summary["verdict"] == "INTERRUPTED" and summary["passed"] > 0
    assert summary["total"] == len(cases)
    assert (out_dir / lane / "testr_results.html").is_file()
    assert (out_dir / lane / "junit.xml").is_file()
    verdict = json.loads((out_dir / "verdict.json").read_text())
    assert verdict["verdict"] == "INTERRUPTED", verdict
    assert signame in verdict["error"] and f"during lane {lane}" in verdict["error"]
    assert verdict["lanes"][lane]["verdict"] == "INTERRUPTED"
    assert verdict["lanes"][lane]["passed"] == summary["passed"]
    assert re.search(rf"{lane}\s+Linux\s+INTERRUPTED\s+{summary['passed']}\s", text), text[-3000:]
    # the next run has nothing to clean up
    again = subprocess.run([sys.executable, "-m", "winci", "run", "unit", "--out",
                            str(tmp_path / "next"), "--no-history", "--filter",
                            r"glance\.tests\.unit\.test_versions"],
                           capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-2000:]
    assert "cleaned up after killed run" not in again.stdout


@needs_stestr
@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_an_interrupted_run_keeps_the_lanes_that_ran_and_what_the_lane_ran(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        how: str) -> None:
    """The real run script and stestr on tiny projects (no Glance, no stack): unit
    finishes, functional is interrupted, tempest never starts."""
    quick = project(tmp_path / "quick", PASSING)
    slow = project(tmp_path / "slow", SLOW)
    stand_in_run(monkeypatch, tmp_path, {"unit": quick, "functional": slow,
                                         "tempest": quick})
    out = tmp_path / "run"
    log = out / "functional" / "logs" / "stestr-functional.log"
    with interrupt_when(log, 20, how):
        if how == "SIGINT":  # through the run script: the interrupt goes on to its caller
            with pytest.raises(KeyboardInterrupt):
                Run(options(out, "unit", "functional", "tempest")).execute()
        else:  # through the CLI: exit code 3
            assert main(["run", "unit", "functional", "tempest", "--out", str(out),
                         "--no-history", "--db", "sqlite", "--concurrency", "2"]) == 3
    text = capsys.readouterr().out
    verdict = verdict_of(out)
    assert verdict["verdict"] == "INTERRUPTED"
    assert verdict["error"] == f"interrupted by {'Ctrl-C (SIGINT)' if how == 'SIGINT' else how}" \
        " during lane functional"
    lanes = verdict["lanes"]
    assert lanes["unit"]["verdict"] == "SUCCESS" and lanes["unit"]["passed"] == 2
    functional = lanes["functional"]
    assert functional["verdict"] == "INTERRUPTED" and functional["passed"] >= 20
    assert functional["failed"] == 1  # the planted failure, not retried
    assert lanes["tempest"]["verdict"] == "NOT_RUN"
    cases = parse_stream(out / "functional" / "results.subunit")
    assert len(cases) == functional["total"] and all(c.finished for c in cases)
    summary = json.loads((out / "functional" / "summary.json").read_text())
    assert summary["verdict"] == "INTERRUPTED" and summary["passed"] == functional["passed"]
    assert not (out / "functional" / "retry.subunit").exists()
    # the closing table: the interrupted lane with its counts, the next NOT_RUN
    assert re.search(rf"functional\s+Linux\s+INTERRUPTED\s+{functional['passed']}\s+1\s",
                     text), text
    assert re.search(r"tempest\s+Linux\s+NOT_RUN\s", text), text
    assert "verdict: INTERRUPTED" in text
    # the next run has nothing to reap
    capsys.readouterr()
    assert Run(options(tmp_path / "next", "unit")).execute().exit_code == 0
    assert "cleaned up after killed run" not in capsys.readouterr().out
