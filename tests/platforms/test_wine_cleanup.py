"""Nothing of a Wine session is left behind: not wineserver, not Wine's helper
programs (which Wine starts as orphans), not the Windows processes of a program."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from winci.platforms.wine.provision import WinePlatform
from winci.platforms.wine.session import WineSession
from winci.procs import Runner
from winci.procs.registry import end_runs, reap_stale

from .conftest import live_processes, processes_of_run

# A Windows program that starts a child and both sleep: the child is an orphan of Wine.
SLEEPERS = ("import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', "
            "'import time; time.sleep(300)']); time.sleep(300)")


def _session(wine: WinePlatform, tmp_path: Path, run_id: str) -> tuple[Runner, WineSession]:
    runner = Runner(tmp_path / "logs", run_id=run_id)
    session = WineSession(wine.tools, runner, tmp_path / "prefix",
                          template=wine.session.template)
    session.start()
    return runner, session


def _wait_until_running(run_id: str, timeout: float = 30) -> list[str]:
    """The names of the run's processes once the server, the helpers and both
    sleepers run."""
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        seen = sorted(name for _, name in processes_of_run(run_id))
        if {"wineserver64", "services.exe"} <= set(seen) and seen.count("python.exe") == 2:
            break
        time.sleep(0.2)
    return seen


def test_closing_the_session_ends_every_wine_process(wine: WinePlatform,
                                                     tmp_path: Path) -> None:
    run_id = f"test-wine-end-{secrets.token_hex(4)}"
    runner, session = _session(wine, tmp_path, run_id)
    try:
        socket_dir = session.socket_dir()
        assert session.socket_path() is not None
        session.start_service([wine.interpreter.exe, "-c", SLEEPERS], name="sleepers",
                              lifetime=None)
        seen = _wait_until_running(run_id)
        assert seen.count("python.exe") == 2 and "wineserver64" in seen, seen
        session.close()
        assert processes_of_run(run_id) == []
        assert live_processes("WINEPREFIX", os.fspath(session.prefix)) == []
        assert not session.prefix.exists()
        assert socket_dir is not None and not socket_dir.exists()
    finally:
        session.close()
        runner.close()


def test_closing_the_runner_alone_ends_every_wine_process(wine: WinePlatform,
                                                          tmp_path: Path) -> None:
    """Wine's orphans carry the tag of the runner child that started them."""
    run_id = f"test-wine-runner-{secrets.token_hex(4)}"
    runner, session = _session(wine, tmp_path, run_id)
    try:
        session.start_service([wine.interpreter.exe, "-c", SLEEPERS], name="sleepers",
                              lifetime=None)
        seen = _wait_until_running(run_id)
        assert seen.count("python.exe") == 2 and "services.exe" in seen, seen
        assert runner.close()
        assert processes_of_run(run_id) == []
    finally:
        session.close()
        runner.close()
    assert not session.prefix.exists()


def test_commands_start_fast_in_a_booted_session(wine: WinePlatform, tmp_path: Path) -> None:
    """The session's server stays up and Wine's helpers do not hold a command's output
    pipe: a command returns as soon as it exits."""
    with Runner(tmp_path / "logs", run_id=wine.runner.run_id) as runner:
        started = time.monotonic()
        done = wine.session.run(runner, ["cmd", "/c", "echo", "hello"], name="echo",
                                timeout=60)
        elapsed = time.monotonic() - started
    assert done.tail[-1].strip() == "hello"
    assert elapsed < 5, f"{elapsed:.1f}s"


KILLED_RUN = """
import sys, time
from pathlib import Path
from winci.platforms.wine.install import find_tools
from winci.platforms.wine.session import WineSession
from winci.procs import Runner
from winci.procs.registry import Registry
state, run_id, prefix, template, exe, code = sys.argv[1:]
runner = Runner(Path(prefix).parent / "logs", run_id=run_id,
                registry=Registry(Path(state), run_id))
session = WineSession(find_tools(), runner, Path(prefix), template=Path(template))
session.start()
session.start_service([exe, "-c", code], name="sleepers", lifetime=None)
print("up", flush=True)
time.sleep(300)
"""


def _socket_of(prefix: Path) -> Path:
    st = prefix.stat()
    pointer = prefix / "wineserver"  # Debian's Wine: the server's temporary folder
    base = (Path(tempfile.gettempdir()) / pointer.read_text().strip() if pointer.is_file()
            else Path(tempfile.gettempdir()) / f".wine-{os.getuid()}")
    return base / f"server-{st.st_dev:x}-{st.st_ino:x}" / "socket"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_run_is_reaped_by_the_next(wine: WinePlatform, tmp_path: Path) -> None:
    """winci killed outright: every Wine process carries the run id, and the session's
    prefix is in the run's record, so the next run's reaping removes both."""
    run_id = f"test-wine-killed-{secrets.token_hex(4)}"
    state, prefix = tmp_path / "state", tmp_path / "run" / "wine-prefix"
    owner = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(state), run_id, str(prefix),
         str(wine.session.template), str(wine.interpreter.exe), SLEEPERS],
        stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None and owner.stdout.readline().strip() == "up"
        socket = _socket_of(prefix)
        assert socket.exists()
        seen = _wait_until_running(run_id)
        assert seen.count("python.exe") == 2, seen
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=30)
        assert processes_of_run(run_id), "SIGKILL leaves Wine's processes running"
        assert prefix.is_dir()
        reaped = reap_stale(state)
        assert [r.run_id for r in reaped] == [run_id]
        assert processes_of_run(run_id) == []
        assert not prefix.exists()
        assert not socket.exists()
    finally:
        owner.kill()
        end_runs(state)


def test_a_kept_service_writes_its_own_log_and_ends_with_the_session(
        wine: WinePlatform, tmp_path: Path) -> None:
    """``--keep`` detaches services (their log file is their output, so they can outlive
    winci): python.exe cannot start with a file as a standard stream, so the session
    puts a relay in between; the session's end still ends both."""
    run_id = f"test-wine-kept-{secrets.token_hex(4)}"
    runner = Runner(tmp_path / "logs", run_id=run_id, detach_services=True)
    session = WineSession(wine.tools, runner, tmp_path / "prefix",
                          template=wine.session.template)
    session.start()
    try:
        service = session.start_service(
            [wine.interpreter.exe, "-c", "import sys, time; print('kept', sys.platform, "
             "flush=True); time.sleep(300)"], name="kept", lifetime=None)
        deadline = time.monotonic() + 60
        while "kept win32" not in service.log.read_text(encoding="utf-8") and (
                time.monotonic() < deadline):
            assert service.alive(), service.log.read_text(encoding="utf-8")
            time.sleep(0.2)
        assert "kept win32" in service.log.read_text(encoding="utf-8")
        assert service.alive()
        session.close()  # the relay carries the prefix too
        assert processes_of_run(run_id) == []
    finally:
        session.close()
        runner.close()
