"""A record of what a run started, so the next run can clean up after a killed one.

Each run writes ``<state_dir>/<run_id>.json`` with its own pid and start time, the
children it started, and the private folders it created. When a run starts, it reads
the other records: a record whose owner is gone (killed with SIGKILL, a power cut,
a closed console) has its processes ended (matched by pid *and* start time, so a
reused pid is never touched, and by the ``WINCI_RUN_ID`` every child carries) and its
folders removed.

A record goes away only when nothing of its run runs any more: :meth:`Registry.close`
keeps it while a process carrying the run id is alive (a tree that could not be
ended), so the next run still finds and ends it. The state folder is private (0700)
and the records 0600 on POSIX.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from winci.host.private import private_dir, write_private
from winci.procs.tree import end_processes, is_gone, processes_with_env, tree_of

RUN_ID_ENV = "WINCI_RUN_ID"


def _create_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def _recorded_process(pid_s: str, info: object) -> psutil.Process | None:
    """The recorded process if it still runs with the recorded start time."""
    recorded = info.get("create_time") if isinstance(info, dict) else None
    try:
        proc = psutil.Process(int(pid_s))
        ctime = proc.create_time()
    except (psutil.Error, ValueError):
        return None
    if not isinstance(recorded, float) or abs(ctime - recorded) >= 1.0 or is_gone(proc):
        return None
    return proc


@dataclass
class Reaped:
    run_id: str
    processes: list[int] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    survivors: list[int] = field(default_factory=list)  # could not be ended: record kept


class Registry:
    """The state file of one run."""

    def __init__(self, state_dir: Path, run_id: str) -> None:
        self.state_dir = state_dir
        self.run_id = run_id
        self.path = state_dir / f"{run_id}.json"
        self._lock = threading.Lock()
        self._data: dict[str, object] = {
            "run_id": run_id,
            "owner_pid": os.getpid(),
            "owner_create_time": _create_time(os.getpid()),
            "processes": {},
            "paths": [],
        }
        private_dir(state_dir)
        self._save()

    def _save(self) -> None:
        write_private(self.path, json.dumps(self._data, indent=1))

    def add_process(self, pid: int, name: str) -> None:
        with self._lock:
            procs = self._data["processes"]
            assert isinstance(procs, dict)
            procs[str(pid)] = {"name": name, "create_time": _create_time(pid)}
            self._save()

    def remove_process(self, pid: int) -> None:
        with self._lock:
            procs = self._data["processes"]
            assert isinstance(procs, dict)
            procs.pop(str(pid), None)
            self._save()

    def add_path(self, path: Path) -> None:
        """A private folder to delete if this run is killed (data dirs, sockets)."""
        with self._lock:
            paths = self._data["paths"]
            assert isinstance(paths, list)
            paths.append(str(path))
            self._save()

    def mark_keep(self) -> None:
        """``--keep``: the stack stays up; only ``winci down`` ends it, not the next run."""
        with self._lock:
            self._data["keep"] = True
            self._save()

    def running(self) -> list[psutil.Process]:
        """Processes of this run still running: recorded ones, and any carrying its id."""
        with self._lock:
            procs = self._data["processes"]
            assert isinstance(procs, dict)
            recorded = dict(procs)
        found = {p.pid: p for p in processes_with_env(RUN_ID_ENV, self.run_id)}
        for pid_s, info in recorded.items():
            proc = _recorded_process(pid_s, info)
            if proc is not None:
                found.setdefault(proc.pid, proc)
        return [p for p in found.values() if not is_gone(p)]

    def close(self) -> bool:
        """The run is over: remove its record once none of its processes runs.

        Returns False, keeping the record, while some still run (their tree could
        not be ended): the next run's :func:`reap_stale` ends them.
        """
        if self.running():
            return False
        with self._lock:
            self.path.unlink(missing_ok=True)
        return True


def _owner_alive(data: dict[str, object]) -> bool:
    pid = data.get("owner_pid")
    if not isinstance(pid, int):
        return False
    ctime = _create_time(pid)
    if ctime is None:
        return False
    recorded = data.get("owner_create_time")
    return not isinstance(recorded, float) or abs(ctime - recorded) < 1.0


def _reap_record(record: Path, data: dict[str, object], keep_paths: bool) -> Reaped:
    result = Reaped(run_id=str(data.get("run_id", record.stem)))
    procs = data.get("processes", {})
    targets: list[psutil.Process] = []
    for pid_s, info in dict(procs if isinstance(procs, dict) else {}).items():
        proc = _recorded_process(pid_s, info)
        if proc is not None:
            targets += tree_of(proc)
    # orphaned grandchildren are no one's descendants any more: found by the run id
    targets += processes_with_env(RUN_ID_ENV, result.run_id)
    ended = end_processes(targets, grace=3)
    result.processes, result.survivors = ended.pids, ended.survivors
    if result.survivors:
        return result  # keep the record and the folders (still in use): try again later
    paths = data.get("paths", [])
    if not keep_paths and isinstance(paths, list):
        for p in paths:
            path = Path(str(p))
            if path.exists():
                shutil.rmtree(path, ignore_errors=True)
                result.paths.append(str(p))
    record.unlink(missing_ok=True)
    return result


def _records(state_dir: Path) -> list[tuple[Path, dict[str, object]]]:
    found: list[tuple[Path, dict[str, object]]] = []
    if not state_dir.is_dir():
        return found
    for record in sorted(state_dir.glob("*.json")):
        try:
            found.append((record, json.loads(record.read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            record.unlink(missing_ok=True)
    return found


def reap_stale(state_dir: Path, *, keep_paths: bool = False) -> list[Reaped]:
    """End the processes and remove the folders of runs whose owner is gone.

    Runs left up on purpose (``--keep``) are not touched: ``winci down`` ends them.
    """
    return [_reap_record(record, data, keep_paths) for record, data in _records(state_dir)
            if not data.get("keep") and not _owner_alive(data)]


def end_runs(state_dir: Path, run_id: str | None = None) -> list[Reaped]:
    """``winci down``: end a kept (or dead) run, or all of them when ``run_id`` is None.

    Runs whose owner is still working are left alone.
    """
    return [_reap_record(record, data, keep_paths=False) for record, data in _records(state_dir)
            if (run_id is None or data.get("run_id") == run_id)
            and (data.get("keep") or not _owner_alive(data))]
