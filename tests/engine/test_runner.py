"""The process runner: timeouts end whole trees, output is logged and masked."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import psutil
import pytest

from winci.errors import InfraError, ProcessTimeout
from winci.masking import Masker
from winci.procs import Runner, kill_tree
from winci.procs.registry import Registry, reap_stale

# A child that starts a grandchild and prints the grandchild's pid, then sleeps.
TREE = (
    "import subprocess, sys, time\n"
    "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
    "print('grandchild', p.pid, flush=True)\n"
    "time.sleep(120)\n"
)


def _grandchild_pid(log: Path) -> int:
    for _ in range(100):
        for line in log.read_text().splitlines():
            if line.startswith("grandchild"):
                return int(line.split()[1])
        time.sleep(0.1)
    raise AssertionError("grandchild never started")


def test_run_logs_output_and_returns_code(tmp_path: Path) -> None:
    with Runner(tmp_path) as runner:
        done = runner.run([sys.executable, "-c", "print('hello'); raise SystemExit(3)"],
                          name="hello", timeout=30, check=False)
    assert done.returncode == 3
    assert "hello" in done.log.read_text()
    assert done.tail[-1] == "hello"


def test_failed_command_raises_infra_error_naming_log(tmp_path: Path) -> None:
    with Runner(tmp_path) as runner, pytest.raises(InfraError) as err:
        runner.run([sys.executable, "-c", "raise SystemExit(4)"], name="boom", timeout=30)
    assert "exit code 4" in str(err.value)
    assert "boom.log" in str(err.value)


def test_timeout_ends_the_whole_tree(tmp_path: Path) -> None:
    with Runner(tmp_path) as runner:
        svc = runner.start([sys.executable, "-c", TREE], name="tree", lifetime=None)
        grandchild = _grandchild_pid(svc.log)
        with pytest.raises(ProcessTimeout):
            svc.wait(timeout=1)
    assert not psutil.pid_exists(svc.pid) or psutil.Process(svc.pid).status() == "zombie"
    assert not psutil.pid_exists(grandchild) or \
        psutil.Process(grandchild).status() == "zombie"


def test_close_ends_services(tmp_path: Path) -> None:
    runner = Runner(tmp_path)
    svc = runner.start([sys.executable, "-c", TREE], name="svc", lifetime=None)
    grandchild = _grandchild_pid(svc.log)
    runner.close()
    assert not svc.alive()
    assert not psutil.pid_exists(grandchild) or \
        psutil.Process(grandchild).status() == "zombie"


def test_secrets_are_masked_in_logs(tmp_path: Path) -> None:
    masker = Masker(["hunter2-secret"])
    with Runner(tmp_path, masker=masker) as runner:
        done = runner.run([sys.executable, "-c",
                           "print('pw is hunter2-secret'); print('password = abc123xyz')"],
                          name="leak", timeout=30)
    text = done.log.read_text()
    assert "hunter2-secret" not in text
    assert "abc123xyz" not in text
    assert "********" in text


def test_stdout_to_file_keeps_binary_output_out_of_the_log(tmp_path: Path) -> None:
    out = tmp_path / "stream.bin"
    with Runner(tmp_path) as runner:
        done = runner.run([sys.executable, "-c",
                           "import sys; sys.stdout.buffer.write(bytes(range(256)));"
                           "print('note', file=sys.stderr)"],
                          name="bin", timeout=30, stdout_path=out)
    assert out.read_bytes() == bytes(range(256))
    assert "note" in done.log.read_text()


def test_reap_stale_ends_processes_of_a_dead_run(tmp_path: Path) -> None:
    state = tmp_path / "state"
    leftover = tmp_path / "private"
    leftover.mkdir()
    registry = Registry(state, "dead-run")
    runner = Runner(tmp_path / "logs", run_id="dead-run", registry=registry)
    svc = runner.start([sys.executable, "-c", TREE], name="orphan", lifetime=None)
    grandchild = _grandchild_pid(svc.log)
    registry.add_path(leftover)
    # pretend the owner died: a pid that does not exist
    data = json.loads(registry.path.read_text())
    data["owner_pid"] = 2**22 + 12345
    registry.path.write_text(json.dumps(data))
    try:
        reaped = reap_stale(state)
        assert [r.run_id for r in reaped] == ["dead-run"]
        assert svc.pid in reaped[0].processes
        assert not leftover.exists()
        assert not registry.path.exists()
        assert not psutil.pid_exists(grandchild) or \
            psutil.Process(grandchild).status() == "zombie"
    finally:
        kill_tree(svc.pid)
        runner.close()


def test_reap_stale_leaves_live_runs_alone(tmp_path: Path) -> None:
    state = tmp_path / "state"
    registry = Registry(state, "live-run")
    assert reap_stale(state) == []
    assert registry.path.exists()
