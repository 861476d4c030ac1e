"""A lane's test runner on Windows CPython under Wine: the shape of
:class:`winci.lanes.executor.TestExecutor`, for the lanes to call as they call the
local and docker ones.

Bound to one environment: ``program("stestr")`` is the console script pip made in the environment
(``Scripts\\stestr.exe``, whose launcher names the environment's python.exe);
``run`` runs it under Wine through the lane's runner: standard input is /dev/null and
standard output a pipe (the runner's log) or, with ``stdout_path``, a FIFO copied byte
for byte into that file (:mod:`~.streams`): python.exe under Wine cannot start with a
regular file as a standard stream. Windows processes the command started (stestr's
workers, which Wine makes orphans) are ended when it returns or times out.
"""

from __future__ import annotations

import os
from pathlib import Path

from winci.errors import InfraError
from winci.platforms.wine.session import WineSession
from winci.procs import Completed, Runner

Args = list[str | os.PathLike[str]]


class WineExecutor:
    """Runs the programs of ``env`` (a Windows environment) under the session's Wine."""

    name = "wine"

    def __init__(self, session: WineSession, env: Path | None) -> None:
        self.session = session
        self.env = env

    def program(self, name: str) -> str | os.PathLike[str]:
        if self.env is None:
            raise InfraError(f"{name}: no Windows environment for it")
        if name in ("python", "python.exe"):
            return self.env / "python.exe"
        exe = self.env / "Scripts" / (name if name.endswith(".exe") else f"{name}.exe")
        if not exe.is_file():
            raise InfraError(f"{name}: the Windows environment {self.env} has no {exe.name}",
                             "is the package that provides it in the environment's spec?")
        return exe

    def run(self, runner: Runner, args: Args, *, name: str, cwd: Path, timeout: float,
            extra_env: dict[str, str], stdout_path: Path | None = None) -> Completed:
        return self.session.run(runner, args, name=name, timeout=timeout, cwd=cwd,
                                extra_env=extra_env, check=False, stdout_path=stdout_path)
