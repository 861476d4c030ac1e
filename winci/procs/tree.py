"""Ending process trees with psutil: a process and every process it started.

Descendants are found two ways, because neither is enough alone:

- by parent links at the moment of ending (``children(recursive=True)``);
- by an environment variable that every child winci starts carries, and its own
  children inherit (:func:`processes_with_env`). This finds descendants whose parent
  already exited: on POSIX they were reparented to init, on Windows their parent link
  names a process that is gone.

No process groups and no POSIX signals by name: ``terminate()`` is SIGTERM on POSIX
and TerminateProcess on Windows, ``kill()`` SIGKILL or TerminateProcess.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import psutil


@dataclass
class Ended:
    """What :func:`end_processes` did: the pids it ended and those still running."""

    pids: list[int] = field(default_factory=list)
    survivors: list[int] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.survivors


def is_gone(proc: psutil.Process) -> bool:
    """Exited (a zombie counts: it runs nothing), or its pid now names another process."""
    try:
        return not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
    except psutil.AccessDenied:
        return False


def tree_of(root: int | psutil.Process) -> list[psutil.Process]:
    """``root`` and its descendants by parent links (empty when ``root`` is gone)."""
    try:
        proc = root if isinstance(root, psutil.Process) else psutil.Process(root)
        if not proc.is_running():
            return []
        return [*proc.children(recursive=True), proc]
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return []
    except psutil.AccessDenied:
        return [root] if isinstance(root, psutil.Process) else []


def processes_with_env(name: str, value: str, *, prefix: bool = False) -> list[psutil.Process]:
    """Running processes (not this one) whose environment has ``name`` = ``value``
    (or a value starting with ``value`` when ``prefix``). Processes of other users,
    whose environment cannot be read, are never matched."""
    found = []
    for proc in psutil.process_iter():
        if proc.pid == os.getpid():
            continue
        try:
            got = proc.environ().get(name)
        except (psutil.Error, OSError):
            continue
        if got is not None and (got.startswith(value) if prefix else got == value):
            found.append(proc)
    return found


def _wait_gone(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait until every process is gone; the ones still running after ``timeout``.

    Polls instead of waiting on the processes, so this never reaps a child of ours:
    its ``subprocess.Popen`` still gets the real exit status.
    """
    deadline = time.monotonic() + timeout
    alive = [p for p in procs if not is_gone(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = [p for p in alive if not is_gone(p)]
    return alive


def _signal(procs: Iterable[psutil.Process], *, kill: bool) -> None:
    for proc in procs:
        try:
            if kill:
                proc.kill()
            else:
                proc.terminate()
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
        except psutil.AccessDenied:
            continue  # stays a survivor, reported by the caller


def end_processes(procs: Iterable[psutil.Process], grace: float = 5.0) -> Ended:
    """Terminate every process, wait ``grace``, kill what is left, wait again.

    psutil checks a process's start time before signalling it, so a pid reused by
    an unrelated process in the meantime is never touched.
    """
    unique: dict[int, psutil.Process] = {}
    for proc in procs:
        if proc.pid != os.getpid():
            unique.setdefault(proc.pid, proc)
    targets = list(unique.values())
    _signal(targets, kill=False)
    alive = _wait_gone(targets, grace)
    if alive:
        _signal(alive, kill=True)
        alive = _wait_gone(alive, grace)
    return Ended(pids=[p.pid for p in targets], survivors=[p.pid for p in alive])


def kill_tree(proc: int | psutil.Process, grace: float = 5.0) -> list[int]:
    """End a process and all its descendants: terminate, wait ``grace``, then kill.

    Returns the pids that were ended. Processes already gone are ignored.
    """
    return end_processes(tree_of(proc), grace).pids
