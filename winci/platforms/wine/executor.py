"""Running an environment's programs under Wine: for the lanes
(:class:`WineExecutor`, the shape of :class:`winci.lanes.executor.TestExecutor`) and for
the services (:class:`WinePython`, the shape of
:class:`winci.stack.services.ServicePython`: ``glance-manage`` and the Glance API).

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
from collections.abc import Mapping, Sequence
from pathlib import Path

from winci.errors import InfraError
from winci.platforms.wine.prefix import to_windows_path
from winci.platforms.wine.session import WineSession
from winci.procs import Completed, Runner, Service
from winci.worktree.tree import tree_path_env

Args = list[str | os.PathLike[str]]


class WineExecutor:
    """Runs the programs of ``env`` (a Windows environment) under the session's Wine,
    with the environment's own variables ``variables`` (e.g. the work tree on the
    Windows ``PYTHONPATH``; a lane's ``extra_env`` wins)."""

    name = "wine"

    def __init__(self, session: WineSession, env: Path | None,
                 variables: Mapping[str, str] | None = None) -> None:
        self.session = session
        self.env = env
        self.variables = dict(variables or {})

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
                                extra_env={**self.variables, **extra_env}, check=False,
                                stdout_path=stdout_path)


class WinePython:
    """The Python of ``env`` (a Windows environment) for a service of the run: it
    names host paths ``Z:\\...`` and runs through the session (its runner, its
    prefix), so the session's end ends whatever it started."""

    def __init__(self, session: WineSession, env: Path, runner: Runner | None = None) -> None:
        self.session = session
        self.env = env
        self.runner = runner or session.runner

    @property
    def executable(self) -> str:
        return to_windows_path(self.env / "python.exe")

    def path(self, host: Path) -> str:
        return to_windows_path(host)

    def tree_env(self, tree: Path) -> dict[str, str]:
        return tree_path_env(tree, "", windows_path=to_windows_path)

    def run(self, args: Sequence[str], *, name: str, timeout: float, cwd: Path,
            extra_env: Mapping[str, str]) -> Completed:
        return self.session.run(self.runner, [self.env / "python.exe", *args], name=name,
                                timeout=timeout, cwd=cwd, extra_env=extra_env)

    def start(self, args: Sequence[str], *, name: str,
              extra_env: Mapping[str, str]) -> Service:
        return self.session.start_service([self.env / "python.exe", *args], name=name,
                                          lifetime=None, extra_env=extra_env)
