"""A Wine session: one prefix, its own wineserver, and an end that leaves nothing.

What was measured here (Wine 8.0, Debian 12) and what follows from it:

- Wine starts its server and its helper programs (services.exe, winedevice.exe,
  plugplay.exe, svchost.exe, rpcss.exe, explorer.exe) as *orphans*: their parent is
  pid 1, so ending a runner child's process tree never reaches them. Windows processes
  a wine program starts (stestr's workers) are orphans too.
- The helpers keep the standard error of the wine program that first started them:
  the runner would wait for that pipe to close after every such command.
- When wineserver is simply ended (SIGTERM), the helpers stay alive;
  ``wineserver -k`` ends every client of the prefix and then the server (0.8 s).
- Every one of them inherits the environment, so each carries ``WINCI_RUN_ID`` (the
  next run's reaping finds them if winci itself is killed), the ``WINCI_CHILD`` tag of
  the runner child that started it (so :meth:`Runner.close` alone ends them too) and
  ``WINEPREFIX``.

So a session starts the server itself as a runner service in the foreground
(``wineserver -f -p``: part of the run's tree, alive until the end, so each wine
command starts in ~0.1 s instead of ~3 s), then boots the helpers under a service of
their own whose log they keep; its end runs ``wineserver -k``, then ends whatever
process still carries this prefix in its environment, then removes the prefix and
the server's socket folder (both are in the run's record too, for the reaping). Each
command it runs carries a job tag, so the Windows processes it left behind are ended
as soon as it returns or times out (:meth:`WineSession.end_job`).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from winci.errors import InfraError
from winci.platforms.wine.install import WineTools
from winci.platforms.wine.prefix import copy_template, to_windows_path, wine_env
from winci.platforms.wine.streams import fifo_to_file, relayed
from winci.procs import Completed, Runner, Service
from winci.procs.tree import end_processes, processes_with_env

JOB_ENV = "WINCI_WINE_JOB"
SERVER_START_TIMEOUT = 30.0
_job_ids = itertools.count(1)


class WineSession:
    """``with WineSession(tools, runner, prefix, template=...) as wine:`` ...

    ``prefix`` is this session's own folder: made from ``template`` when given (and then
    removed at the end), else used as it is (the template build). ``path_first``: host
    folders its Windows programs find programs in before any other (``WINEPATH``). Close the session
    before its runner: the runner alone ends the server but not Wine's orphans.
    """

    def __init__(self, tools: WineTools, runner: Runner, prefix: Path, *,
                 template: Path | None = None, path_first: Sequence[Path] = ()) -> None:
        self.tools = tools
        self.runner = runner
        self.prefix = prefix
        self.template = template
        self.env: dict[str, str] = wine_env(tools, prefix)
        if path_first:  # Wine puts these first on the Windows PATH of its programs
            self.env["WINEPATH"] = ";".join(to_windows_path(p) for p in path_first)
        self.server: Service | None = None
        self._boot: Service | None = None
        self.timings: dict[str, float] = {}

    # -- start -------------------------------------------------------------------------
    def __enter__(self) -> WineSession:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        started = time.monotonic()
        if self.template is not None:
            copy_template(self.template, self.prefix)
            if self.runner.registry:  # removed by the next run's reaping if we are killed
                self.runner.registry.add_path(self.prefix)
        else:
            self.prefix.mkdir(parents=True, exist_ok=True)
        self.timings["prefix copy"] = time.monotonic() - started
        self.server = self.runner.start([self.tools.wineserver, "-f", "-p"],
                                        name="wineserver", lifetime=None,
                                        extra_env=self.env)
        self._wait_for_server()
        owned = self._owned_socket_folder()
        if owned is not None and self.runner.registry:
            self.runner.registry.add_path(owned)
        if self.template is not None:
            self.boot()
        self.timings["start"] = time.monotonic() - started

    def _wait_for_server(self) -> None:
        assert self.server is not None
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if not self.server.alive():
                time.sleep(0.2)  # let the log pump catch the last line
                raise InfraError("Wine cannot start on this machine: wineserver exited "
                                 f"with code {self.server.popen.returncode}",
                                 f"see {self.server.log}: {self.server.tail_text(1)}")
            if self.socket_path() is not None:
                return
            time.sleep(0.05)
        raise InfraError(f"Wine cannot start on this machine: wineserver made no socket "
                         f"within {SERVER_START_TIMEOUT:.0f}s", f"see {self.server.log}")

    def socket_dir(self) -> Path | None:
        """The server's socket folder: Debian's Wine names a temporary folder in
        ``<prefix>/wineserver``; upstream uses ``/tmp/.wine-<uid>``."""
        try:
            st = self.prefix.stat()
        except OSError:
            return None
        pointer = self.prefix / "wineserver"
        tmp = Path(tempfile.gettempdir())
        if pointer.is_file():
            name = pointer.read_text(encoding="utf-8", errors="replace").strip()
            if not re.fullmatch(r"[\w.-]+", name):
                return None
            base = tmp / name
        elif hasattr(os, "getuid"):
            base = tmp / f".wine-{os.getuid()}"
        else:
            return None
        return base / f"server-{st.st_dev:x}-{st.st_ino:x}"

    def _owned_socket_folder(self) -> Path | None:
        """What to remove at the end: Debian's per-server temporary folder, else the
        server's own folder under ``/tmp/.wine-<uid>``."""
        folder = self.socket_dir()
        if folder is not None and folder.parent.name.startswith("wine-"):
            return folder.parent
        return folder

    def socket_path(self) -> Path | None:
        folder = self.socket_dir()
        sock = folder / "socket" if folder else None
        return sock if sock is not None and sock.exists() else None

    def boot(self, *args: str) -> None:
        """Start Wine's helper programs now (``wineboot``, with ``args``), under a
        service of their own, so they do not hold the output pipe of a later command."""
        started = time.monotonic()
        self._boot = self.runner.start([self.tools.wine, "wineboot", *args],
                                       name="wine-boot", lifetime=None, extra_env=self.env)
        self._wait_exit(self._boot, 600, "wineboot")
        self.timings["boot"] = time.monotonic() - started

    @staticmethod
    def _wait_exit(service: Service, timeout: float, what: str) -> int:
        deadline = time.monotonic() + timeout
        while (code := service.popen.poll()) is None:
            if time.monotonic() > deadline:
                service.stop()
                raise InfraError(f"{what} under Wine did not finish within {timeout:.0f}s",
                                 f"see {service.log}")
            time.sleep(0.05)
        if code != 0:
            raise InfraError(f"{what} under Wine failed with exit code {code}",
                             f"see {service.log}")
        return code

    # -- commands ----------------------------------------------------------------------
    def command(self, args: Sequence[str | os.PathLike[str]]) -> list[str | os.PathLike[str]]:
        """The host command line that runs the Windows program ``args[0]``."""
        return [self.tools.wine, *args]

    def run(self, runner: Runner, args: Sequence[str | os.PathLike[str]], *, name: str,
            timeout: float, cwd: Path | None = None,
            extra_env: Mapping[str, str] | None = None, check: bool = True,
            stdout_path: Path | None = None) -> Completed:
        """Run a Windows program to completion through ``runner`` (which may be another
        runner of the same run than the session's, e.g. a lane's), then end every
        Windows process it left behind."""
        job = f"{self.runner.run_id}-{os.getpid()}-{next(_job_ids)}"
        env = {**self.env, **(extra_env or {}), JOB_ENV: job}
        try:
            if stdout_path is None:
                return runner.run(self.command(args), name=name, timeout=timeout, cwd=cwd,
                                  extra_env=env, check=check)
            with fifo_to_file(stdout_path) as fifo:
                return runner.run(self.command(args), name=name, timeout=timeout, cwd=cwd,
                                  extra_env=env, check=check, stdout_path=fifo)
        finally:
            self.end_job(job)

    def start_service(self, args: Sequence[str | os.PathLike[str]], *, name: str,
                      lifetime: float | None, cwd: Path | None = None,
                      extra_env: Mapping[str, str] | None = None) -> Service:
        """A long-lived Windows program (e.g. the Glance API) as a runner service; the
        session's end ends it and whatever it started. Detached (``--keep``), it gets
        its output through a relay (a pipe: python.exe cannot start with a file)."""
        cmd = self.command(args)
        if self.runner.detach_services:
            cmd = relayed(cmd)
        return self.runner.start(cmd, name=name, lifetime=lifetime, cwd=cwd,
                                 extra_env={**self.env, **(extra_env or {})})

    @staticmethod
    def end_job(job: str) -> list[int]:
        """End the Windows processes a command left behind (Wine makes them orphans)."""
        return end_processes(processes_with_env(JOB_ENV, job), grace=3).pids

    # -- end ---------------------------------------------------------------------------
    def close(self) -> None:
        """End every process of this prefix, then remove what the session made."""
        started = time.monotonic()
        socket_folder = self._owned_socket_folder()
        try:
            if self.server is not None:
                with contextlib.suppress(InfraError):
                    self.runner.run([self.tools.wineserver, "-k"], name="wineserver-kill",
                                    timeout=30, extra_env=self.env, check=False)
                deadline = time.monotonic() + 10
                while self.server.alive() and time.monotonic() < deadline:
                    time.sleep(0.05)
        finally:
            end_processes(processes_with_env("WINEPREFIX", os.fspath(self.prefix)), grace=3)
            for service in (self._boot, self.server):
                if service is not None:
                    service.stop(grace=3)
            self._boot = self.server = None
            if socket_folder is not None:
                shutil.rmtree(socket_folder, ignore_errors=True)
            if self.template is not None:
                shutil.rmtree(self.prefix, ignore_errors=True)
            self.timings["end"] = time.monotonic() - started
