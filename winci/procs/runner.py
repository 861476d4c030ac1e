"""The one runner every winci child process goes through.

Each child:

- runs with a timeout (a one-shot command) or a lifetime limit (a service);
- has its output masked and logged to ``<log_dir>/<name>.log``;
- is recorded in the run's :class:`~winci.procs.registry.Registry`, so that a later run
  can end it if this one is killed outright;
- has its whole process tree ended (psutil) when it times out, when the runner is
  closed, on error and on Ctrl-C.

No ``shell=True``, no ``preexec_fn``, no process groups: tree termination goes through
psutil, which works the same on Windows and Linux.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import psutil

from winci.errors import InfraError, ProcessTimeout
from winci.masking import GLOBAL_MASKER, Masker
from winci.procs.registry import RUN_ID_ENV, Registry


def kill_tree(proc: int | psutil.Process, grace: float = 5.0) -> list[int]:
    """End a process and all its descendants: terminate, wait ``grace``, then kill.

    Returns the pids that were ended. Processes already gone are ignored.
    """
    try:
        root = proc if isinstance(proc, psutil.Process) else psutil.Process(proc)
        procs = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        return []
    for p in procs:
        try:
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=grace)
    return [p.pid for p in procs]


def _fmt_cmd(cmd: Sequence[str]) -> str:
    return subprocess.list2cmdline(list(cmd))


@dataclass
class Completed:
    """The result of a one-shot command."""

    cmd: list[str]
    returncode: int
    log: Path
    duration_s: float
    tail: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail_text(self, lines: int = 20) -> str:
        return "\n".join(self.tail[-lines:])


class _LogPump(threading.Thread):
    """Copies a child's output to its log file, masking secrets, keeping a tail."""

    def __init__(self, stream: IO[bytes] | None, log: Path, masker: Masker,
                 tail: int = 200) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.log = log
        self.masker = masker
        self._tail: deque[str] = deque(maxlen=tail)

    @property
    def tail(self) -> deque[str]:
        if self.stream is None:  # the child writes to the log itself
            lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
            return deque((self.masker.mask(x) for x in lines[-200:]), maxlen=200)
        return self._tail

    def run(self) -> None:
        if self.stream is None:
            return
        with open(self.log, "a", encoding="utf-8", errors="replace") as out:
            for raw in iter(self.stream.readline, b""):
                line = self.masker.mask(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
                self._tail.append(line)
                out.write(line + "\n")
                out.flush()
        self.stream.close()


class Service:
    """A background child (a database server, a WSGI server, a test runner)."""

    def __init__(
        self,
        runner: Runner,
        name: str,
        popen: subprocess.Popen[bytes],
        pump: _LogPump,
        lifetime: float | None,
    ) -> None:
        self.runner = runner
        self.name = name
        self.popen = popen
        self.pump = pump
        self.log = pump.log
        self.started = time.monotonic()
        self._timer: threading.Timer | None = None
        self.timed_out = False
        if lifetime:
            self._timer = threading.Timer(lifetime, self._expire)
            self._timer.daemon = True
            self._timer.start()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def _expire(self) -> None:
        self.timed_out = True
        kill_tree(self.popen.pid)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the child to exit; on timeout end its tree and raise."""
        try:
            code = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            self.stop()
            raise ProcessTimeout(
                f"{self.name} did not finish within {timeout:.0f}s and was ended",
                f"see {self.log}",
            ) from exc
        self.pump.join(timeout=10)
        if self._timer:
            self._timer.cancel()
        if self.timed_out:
            raise ProcessTimeout(f"{self.name} ran past its time limit and was ended",
                                 f"see {self.log}")
        return code

    def stop(self, grace: float = 5.0) -> None:
        if self._timer:
            self._timer.cancel()
        kill_tree(self.popen.pid, grace=grace)
        try:
            self.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        self.pump.join(timeout=5)
        self.runner._forget(self)

    def tail_text(self, lines: int = 20) -> str:
        return "\n".join(list(self.pump.tail)[-lines:])


class Runner:
    """Starts and tracks child processes for one run."""

    def __init__(
        self,
        log_dir: Path,
        *,
        run_id: str = "adhoc",
        masker: Masker | None = None,
        registry: Registry | None = None,
        base_env: Mapping[str, str] | None = None,
        detach_services: bool = False,
    ) -> None:
        self.log_dir = log_dir
        self.detach_services = detach_services
        self.run_id = run_id
        self.masker = masker or GLOBAL_MASKER
        self.registry = registry
        self.base_env = dict(base_env if base_env is not None else os.environ)
        self._services: list[Service] = []
        self._lock = threading.Lock()
        self._counter = 0

    # -- helpers -------------------------------------------------------------------
    def _log_path(self, name: str) -> Path:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        return self.log_dir / f"{safe}.log"

    def _env(
        self, env: Mapping[str, str] | None, extra: Mapping[str, str] | None
    ) -> dict[str, str]:
        merged = dict(env if env is not None else self.base_env)
        if extra:
            merged.update(extra)
        merged[RUN_ID_ENV] = self.run_id
        return merged

    def _spawn(
        self,
        cmd: Sequence[str | os.PathLike[str]],
        name: str,
        cwd: Path | None,
        env: Mapping[str, str] | None,
        extra_env: Mapping[str, str] | None,
        stdin_data: bytes | None = None,
        stdout_path: Path | None = None,
        detached: bool = False,
    ) -> tuple[subprocess.Popen[bytes], _LogPump, list[str]]:
        argv = [os.fspath(c) for c in cmd]
        log = self._log_path(name)
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"$ {self.masker.mask(_fmt_cmd(argv))}\n")
            if cwd:
                out.write(f"# cwd: {cwd}\n")
        stdout_file: IO[bytes] | None
        if detached:
            # The child writes its log itself, so it can outlive winci (--keep).
            stdout_file = open(log, "ab")
            stderr_target: int | IO[bytes] = subprocess.STDOUT
        else:
            stdout_file = open(stdout_path, "wb") if stdout_path else None
            stderr_target = subprocess.PIPE if stdout_file else subprocess.STDOUT
        try:
            popen = subprocess.Popen(
                argv,
                cwd=os.fspath(cwd) if cwd else None,
                env=self._env(env, extra_env),
                stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
                stdout=stdout_file if stdout_file else subprocess.PIPE,
                stderr=stderr_target,
            )
        except OSError as exc:
            raise InfraError(f"cannot start {name}: {exc.strerror or exc}",
                             f"command: {argv[0]}") from exc
        finally:
            if stdout_file:
                stdout_file.close()  # the child has its own handle now
        if self.registry:
            self.registry.add_process(popen.pid, name)
        if stdin_data is not None and popen.stdin:
            try:
                popen.stdin.write(stdin_data)
                popen.stdin.close()
            except OSError:
                pass
        if detached:
            pump = _LogPump(None, log, self.masker)
            pump.start()
            return popen, pump, argv
        stream = popen.stderr if stdout_file else popen.stdout
        assert stream is not None
        pump = _LogPump(stream, log, self.masker)
        pump.start()
        return popen, pump, argv

    def _forget(self, service: Service) -> None:
        with self._lock:
            if service in self._services:
                self._services.remove(service)
        if self.registry:
            self.registry.remove_process(service.pid)

    # -- public API ------------------------------------------------------------------
    def run(
        self,
        cmd: Sequence[str | os.PathLike[str]],
        *,
        name: str,
        timeout: float,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        extra_env: Mapping[str, str] | None = None,
        check: bool = True,
        stdin_data: bytes | None = None,
        stdout_path: Path | None = None,
    ) -> Completed:
        """Run a command to completion; raise :class:`InfraError` if it fails and ``check``.

        ``stdout_path`` sends the child's standard output (e.g. a subunit stream) to that
        file instead of the log; its standard error still goes to the log.
        """
        start = time.monotonic()
        popen, pump, argv = self._spawn(cmd, name, cwd, env, extra_env, stdin_data,
                                        stdout_path)
        service = Service(self, name, popen, pump, None)
        with self._lock:
            self._services.append(service)
        try:
            code = service.wait(timeout=timeout)
        finally:
            self._forget(service)
        done = Completed(argv, code, pump.log, time.monotonic() - start, list(pump.tail))
        if check and code != 0:
            raise InfraError(
                f"{name} failed with exit code {code}",
                f"log: {pump.log}; last line: {done.tail[-1] if done.tail else '(no output)'}",
            )
        return done

    def start(
        self,
        cmd: Sequence[str | os.PathLike[str]],
        *,
        name: str,
        lifetime: float | None,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> Service:
        """Start a background child; it is ended by :meth:`close` or after ``lifetime``.

        With ``detach_services`` the child writes its output to its log file itself
        (masked afterwards with :meth:`mask_logs`), so it can outlive winci (``--keep``).
        """
        popen, pump, _ = self._spawn(cmd, name, cwd, env, extra_env,
                                     detached=self.detach_services)
        service = Service(self, name, popen, pump, lifetime)
        with self._lock:
            self._services.append(service)
        return service

    def mask_logs(self) -> None:
        """Mask secrets in every log of the log folder (files written by children too)."""
        if self.log_dir.is_dir():
            for log in self.log_dir.rglob("*.log"):
                self.masker.mask_file(log)

    def close(self) -> None:
        """End every child still running, newest first."""
        with self._lock:
            services = list(reversed(self._services))
        for service in services:
            service.stop()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
