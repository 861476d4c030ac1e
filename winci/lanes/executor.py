"""Where a lane's programs run: the interface, and its implementation on this host.

The lanes build the same commands whatever runs them; the run's backend hands each lane
a :class:`TestExecutor` bound to that lane's environment, which says where a program of
it is (:meth:`~TestExecutor.program`) and runs commands (:meth:`~TestExecutor.run`),
logged into the lane's ``logs/`` folder and bounded by the lane's timeout.
Implementations: :class:`LocalExecutor` (a venv on this host, the local backend) and
:class:`winci.docker.executor.DockerExecutor` (a one-shot container of an image).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from winci.errors import InfraError
from winci.host.paths import venv_bin
from winci.procs import Runner
from winci.procs.runner import Completed

Args = list[str | os.PathLike[str]]


class TestExecutor(Protocol):
    """Runs one lane's programs, from the environment it is bound to."""

    name: str

    def program(self, name: str) -> str | os.PathLike[str]:
        """The executable ``name`` of the executor's environment."""

    def run(self, runner: Runner, args: Args, *, name: str, cwd: Path, timeout: float,
            extra_env: dict[str, str], stdout_path: Path | None = None) -> Completed:
        """Run to completion; output logged as ``<runner.log_dir>/<name>.log``."""


class LocalExecutor:
    """On this host, through the lane's runner, with the programs of ``venv`` and the
    environment's own variables ``env`` (e.g. the work tree on ``PYTHONPATH``; a
    lane's ``extra_env`` wins)."""

    name = "local"

    def __init__(self, venv: Path | None = None, env: dict[str, str] | None = None) -> None:
        self.venv = venv
        self.env = dict(env or {})

    def program(self, name: str) -> str | os.PathLike[str]:
        if self.venv is None:
            raise InfraError(f"{name}: no environment for it on this host")
        return venv_bin(self.venv, name)

    def run(self, runner: Runner, args: Args, *, name: str, cwd: Path, timeout: float,
            extra_env: dict[str, str], stdout_path: Path | None = None) -> Completed:
        return runner.run(args, name=name, timeout=timeout, cwd=cwd,
                          extra_env={**self.env, **extra_env}, check=False,
                          stdout_path=stdout_path)
