"""The process runner: timeouts end whole trees, output is logged and masked."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
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


# -- interrupts (Ctrl-C, SIGTERM) -------------------------------------------------------

# A child like stestr: a worker, a worker that ignores SIGTERM (ended by the kill that
# follows the grace period), and a worker orphaned at once (its parent exits: it is
# no one's descendant any more, found only by the environment winci gives children).
BUSHY_TREE = (
    "import signal, subprocess, sys, time\n"
    "sleep = 'import time; time.sleep(120)'\n"
    "stubborn = 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print(\"ready\", flush=True); time.sleep(120)'\n"
    "orphaner = ('import subprocess, sys; p = subprocess.Popen([sys.executable, \"-c\", '"
    " + repr(sleep) + '], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); '"
    "'print(p.pid, flush=True)')\n"
    "w = subprocess.Popen([sys.executable, '-c', sleep])\n"
    "s = subprocess.Popen([sys.executable, '-c', stubborn], stdout=subprocess.PIPE, text=True)\n"
    "s.stdout.readline()\n"
    "o = subprocess.run([sys.executable, '-c', orphaner], capture_output=True, text=True)\n"
    "print('tree', w.pid, s.pid, o.stdout.strip(), flush=True)\n"
    "time.sleep(120)\n"
)

# The winci side: a run's registry and runner, stop requests as KeyboardInterrupt.
# Mode "run": only a foreground child, and no runner.close(): Runner.run alone must end
# its tree. Mode "service": a background service too, ended by runner.close().
HARNESS = (
    "import signal, sys\n"
    "from pathlib import Path\n"
    "from winci.procs import Runner\n"
    "from winci.procs.registry import Registry\n"
    "from winci.procs.signals import stop_requests_interrupt\n"
    "# a background job of a non-interactive shell ignores SIGINT: take it back\n"
    "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    "state, logs, run_id, mode, tree, service = sys.argv[1:7]\n"
    "registry = Registry(Path(state), run_id)\n"
    "runner = Runner(Path(logs), run_id=run_id, registry=registry)\n"
    "code = 0\n"
    "try:\n"
    "    with stop_requests_interrupt():\n"
    "        if mode == 'service':\n"
    "            runner.start([sys.executable, '-c', service], name='svc', lifetime=None)\n"
    "        runner.run([sys.executable, '-c', tree], name='tree', timeout=300)\n"
    "except KeyboardInterrupt:\n"
    "    print('interrupted', flush=True)\n"
    "    code = 3\n"
    "if mode == 'service':\n"
    "    runner.close()\n"
    "print('record removed' if registry.close() else 'record kept', flush=True)\n"
    "sys.exit(code)\n"
)


def _tree_pids(log: Path, timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists():
            for line in log.read_text().splitlines():
                if line.startswith("tree "):
                    return [int(x) for x in line.split()[1:]]
        time.sleep(0.1)
    raise AssertionError(f"the tree never started: {log.read_text() if log.exists() else ''}")


def _running(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


@pytest.mark.skipif(sys.platform == "win32", reason="sends POSIX signals to the harness")
@pytest.mark.parametrize("mode", ["run", "service"])
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
def test_interrupt_ends_every_tree_and_keeps_the_record_until_then(
        tmp_path: Path, signame: str, mode: str) -> None:
    state, logs = tmp_path / "state", tmp_path / "logs"
    record = state / "interrupted-run.json"
    harness = subprocess.Popen(
        [sys.executable, "-c", HARNESS, str(state), str(logs), "interrupted-run", mode,
         BUSHY_TREE, TREE], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        tree = _tree_pids(logs / "tree.log")
        if mode == "service":
            _grandchild_pid(logs / "svc.log")
        # the harness's children and their descendants, and the orphan
        pids = sorted({*(p.pid for p in psutil.Process(harness.pid).children(recursive=True)),
                       *tree})
        assert len(pids) == (6 if mode == "service" else 4), pids
        assert _running(pids) == pids, "the whole tree is up"
        assert record.exists()
        harness.send_signal(getattr(signal, signame))
        deadline = time.monotonic() + 10
        while _running(pids) and time.monotonic() < deadline:
            exists = record.exists()
            alive = _running(pids)
            assert exists or not alive, f"record removed while {alive} still run"
            time.sleep(0.05)
        assert _running(pids) == [], "10 s after the signal, processes of the tree remain"
        out, _ = harness.communicate(timeout=30)
    finally:
        kill_tree(harness.pid, grace=1)
        for pid in _running(locals().get("pids", [])):
            kill_tree(pid, grace=1)
    assert harness.returncode == 3, out
    assert "interrupted" in out and "record removed" in out, out
    assert not record.exists()


def test_close_ends_descendants_a_finished_child_left_behind(tmp_path: Path) -> None:
    """A child that exits leaving a grandchild behind (reparented, no one's descendant):
    the runner still finds it by the environment and ends it on close()."""
    leaver = ("import subprocess, sys\n"
              "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'],"
              " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
              "print('grandchild', p.pid, flush=True)\n")
    runner = Runner(tmp_path)
    done = runner.run([sys.executable, "-c", leaver], name="leaver", timeout=30)
    orphan = _grandchild_pid(done.log)
    try:
        assert _running([orphan]) == [orphan]
        assert runner.close() is True
        assert _running([orphan]) == []
    finally:
        kill_tree(orphan, grace=1)


def test_registry_keeps_its_record_while_a_process_of_the_run_runs(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "state", "busy-run")
    stray = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                             env={**os.environ, "WINCI_RUN_ID": "busy-run"})
    try:
        deadline = time.monotonic() + 10  # its environment is readable once it runs
        while not registry.running() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [p.pid for p in registry.running()] == [stray.pid]
        assert registry.close() is False
        assert registry.path.exists(), "kept for the next run to reap"
    finally:
        kill_tree(stray.pid, grace=1)
        stray.wait(timeout=10)
    assert registry.close() is True
    assert not registry.path.exists()


def test_reaping_keeps_the_record_of_processes_it_could_not_end(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from winci.procs import registry as registry_mod
    from winci.procs.tree import Ended

    state = tmp_path / "state"
    leftover = tmp_path / "private"
    leftover.mkdir()
    registry = Registry(state, "stuck-run")
    registry.add_path(leftover)
    data = json.loads(registry.path.read_text())
    data["owner_pid"] = 2**22 + 12345
    registry.path.write_text(json.dumps(data))
    monkeypatch.setattr(registry_mod, "end_processes",
                        lambda procs, grace: Ended(pids=[4242], survivors=[4242]))
    reaped = reap_stale(state)
    assert [(r.run_id, r.survivors) for r in reaped] == [("stuck-run", [4242])]
    assert registry.path.exists() and leftover.exists(), "tried again by the next run"
    monkeypatch.undo()
    assert [r.run_id for r in reap_stale(state)] == ["stuck-run"]
    assert not registry.path.exists() and not leftover.exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes; Windows uses ACLs")
def test_the_state_folder_and_records_are_private(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "state", "private-run")
    registry.add_process(os.getpid(), "me")
    assert stat.S_IMODE(registry.state_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(registry.path.stat().st_mode) == 0o600
