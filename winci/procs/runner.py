"""The one runner every winci child process goes through.

Each child:

- runs with a timeout (a one-shot command) or a lifetime limit (a service);
- has its output masked and logged to ``<log_dir>/<name>.log``;
- is recorded in the run's :class:`~winci.procs.registry.Registry`, so that a later run
  can end it if this one is killed outright;
- has its whole process tree ended (psutil) when it times out, when the runner is
  closed, on error and on Ctrl-C (or SIGTERM/SIGBREAK, which
  :mod:`winci.procs.signals` turns into KeyboardInterrupt): a foreground child's tree
  is ended *before* the runner forgets it, and a child stays in the run's record
  until every process of its tree is gone.

Every child carries ``WINCI_CHILD`` (this runner's tag and the child's number) as
well as ``WINCI_RUN_ID``, and its own children inherit both: a descendant whose
parent already exited is still found (:mod:`winci.procs.tree`).

No ``shell=True``, no ``preexec_fn``, no process groups: tree termination goes through
psutil, which works the same on Windows and Linux.
"""

from __future__ import annotations

import os
import secrets
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
from winci.procs.tree import end_processes, processes_with_env, tree_of

CHILD_ENV = "WINCI_CHILD"  # "<runner tag>-<n>": finds a child's orphaned descendants
_WAIT_SLICE = 0.5  # seconds: how soon a stop request acts while a child runs


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
        tag: str,
    ) -> None:
        self.runner = runner
        self.name = name
        self.popen = popen
        self.pump = pump
        self.log = pump.log
        self.tag = tag
        self.started = time.monotonic()
        self._proc = _process(popen.pid)
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
        self._end_tree(grace=5.0)

    def _end_tree(self, grace: float) -> bool:
        """End the child and every descendant, orphaned ones too; True when all are gone."""
        procs = tree_of(self._proc) if self._proc and self.popen.poll() is None else []
        procs += processes_with_env(CHILD_ENV, self.tag)
        return end_processes(procs, grace).complete

    def alive(self) -> bool:
        return self.popen.poll() is None

    def _wait_interruptibly(self, timeout: float | None) -> int:
        """``popen.wait`` in short slices: on Windows a single long wait cannot be
        interrupted, so Ctrl-C or Ctrl-Break would only act once the child ended."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired(self.popen.args, timeout or 0)
            try:
                return self.popen.wait(timeout=_WAIT_SLICE if left is None
                                       else min(left, _WAIT_SLICE))
            except subprocess.TimeoutExpired:
                continue

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the child to exit; on timeout end its tree and raise."""
        try:
            code = self._wait_interruptibly(timeout)
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

    def stop(self, grace: float = 5.0) -> bool:
        """End the child's whole tree, then forget it (runner and run record).

        Returns False when some process of the tree could not be ended: the child
        then stays recorded, so :meth:`Runner.close` and the next run's reaping try
        again.
        """
        if self._timer:
            self._timer.cancel()
        gone = self._end_tree(grace)
        try:
            self.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            gone = False
        self.pump.join(timeout=5)
        if gone:
            self.runner._forget(self)
        return gone

    def tail_text(self, lines: int = 20) -> str:
        return "\n".join(list(self.pump.tail)[-lines:])


def _process(pid: int) -> psutil.Process | None:
    """The child as psutil sees it, start time included (a reused pid is never hit)."""
    try:
        return psutil.Process(pid)
    except psutil.Error:
        return None


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
        # unique to this runner: its children, and only its, carry "<tag>-<n>"
        self.tag = f"{os.getpid()}-{secrets.token_hex(4)}"

    # -- helpers -------------------------------------------------------------------
    def _log_path(self, name: str) -> Path:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        return self.log_dir / f"{safe}.log"

    def _env(
        self, env: Mapping[str, str] | None, extra: Mapping[str, str] | None, child: str
    ) -> dict[str, str]:
        merged = dict(env if env is not None else self.base_env)
        if extra:
            merged.update(extra)
        merged[RUN_ID_ENV] = self.run_id
        merged[CHILD_ENV] = child
        return merged

    def _next_tag(self) -> str:
        with self._lock:
            self._counter += 1
            return f"{self.tag}-{self._counter}"

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
        lifetime: float | None = None,
    ) -> Service:
        """Start the child and track it (runner and run record) before anything else:
        an interrupt from here on finds it in :attr:`_services` or by its tag."""
        argv = [os.fspath(c) for c in cmd]
        tag = self._next_tag()
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
                env=self._env(env, extra_env, tag),
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
        stream = None if detached else popen.stderr if stdout_file else popen.stdout
        pump = _LogPump(stream, log, self.masker)
        service = Service(self, name, popen, pump, lifetime, tag)
        with self._lock:
            self._services.append(service)
        if self.registry:
            self.registry.add_process(popen.pid, name)
        pump.start()
        if stdin_data is not None and popen.stdin:
            try:
                popen.stdin.write(stdin_data)
                popen.stdin.close()
            except OSError:
                pass
        return service

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
        service = self._spawn(cmd, name, cwd, env, extra_env, stdin_data, stdout_path)
        try:
            code = service.wait(timeout=timeout)
        except BaseException:
            # Ctrl-C, SIGTERM/SIGBREAK (KeyboardInterrupt), a timeout: the whole tree
            # ends here, before the child is forgotten. Whatever survives stays
            # recorded, for close() and the next run's reaping.
            service.stop()
            raise
        self._forget(service)
        done = Completed([os.fspath(c) for c in cmd], code, service.log,
                         time.monotonic() - start, list(service.pump.tail))
        if check and code != 0:
            raise InfraError(
                f"{name} failed with exit code {code}",
                f"log: {service.log}; last line: "
                f"{done.tail[-1] if done.tail else '(no output)'}",
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
        return self._spawn(cmd, name, cwd, env, extra_env, detached=self.detach_services,
                           lifetime=lifetime)

    def mask_logs(self) -> None:
        """Mask secrets in every log of the log folder (files written by children too)."""
        if self.log_dir.is_dir():
            for log in self.log_dir.rglob("*.log"):
                self.masker.mask_file(log)

    def close(self) -> bool:
        """End every child still running, newest first, then anything left carrying
        this runner's tag (descendants of children that already exited).

        A second Ctrl-C meanwhile does not cut this short: it is raised once every
        tree was dealt with. Returns False when some process could not be ended.
        """
        with self._lock:
            services = list(reversed(self._services))
        interrupted: KeyboardInterrupt | None = None
        complete = True
        for service in services:
            try:
                complete = service.stop() and complete
            except KeyboardInterrupt as exc:
                interrupted, complete = exc, False
        try:
            left = processes_with_env(CHILD_ENV, f"{self.tag}-", prefix=True)
            complete = end_processes(left).complete and complete
        except KeyboardInterrupt as exc:
            interrupted, complete = exc, False
        if interrupted is not None:
            raise interrupted
        return complete

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
