"""Where a lane's test runner runs: on this host (local backend) or in a container (docker).

The lanes build the same commands either way; an executor says which program to call
(a venv's on the host, the one on the image's PATH in a container) and runs it, logged
into the lane's ``logs/`` folder and bounded by the lane's timeout.
"""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from winci.errors import InfraError
from winci.host.paths import venv_bin
from winci.procs import Runner
from winci.procs.runner import Completed

if TYPE_CHECKING:
    from winci.docker.backend import DockerStack

Args = list[str | os.PathLike[str]]


class TestExecutor(Protocol):
    name: str

    def program(self, venv: Path | None, name: str) -> str | os.PathLike[str]:
        """The executable ``name`` of ``venv`` (host) or of the image (container)."""

    def run(self, runner: Runner, args: Args, *, name: str, cwd: Path, timeout: float,
            extra_env: dict[str, str], stdout_path: Path | None = None) -> Completed:
        """Run to completion; output logged as ``<runner.log_dir>/<name>.log``."""


class LocalExecutor:
    """On this host, through the lane's runner."""

    name = "local"

    def program(self, venv: Path | None, name: str) -> str | os.PathLike[str]:
        if venv is None:
            raise InfraError(f"{name}: no environment for it on this host")
        return venv_bin(venv, name)

    def run(self, runner: Runner, args: Args, *, name: str, cwd: Path, timeout: float,
            extra_env: dict[str, str], stdout_path: Path | None = None) -> Completed:
        return runner.run(args, name=name, timeout=timeout, cwd=cwd, extra_env=extra_env,
                          check=False, stdout_path=stdout_path)


class DockerExecutor:
    """In a one-shot container of ``image`` (``DockerStack.run_task``): same network and
    labels as the stack's services, ``binds`` mounted at the same paths as on the host
    (so ``cwd``, ``stdout_path`` and the paths in ``args`` mean the same inside)."""

    name = "docker"

    def __init__(self, stack: DockerStack, image: str, binds: dict[str, str]) -> None:
        self.stack = stack
        self.image = image
        self.binds = binds

    def program(self, venv: Path | None, name: str) -> str | os.PathLike[str]:
        return name  # the image's venv is on its PATH

    def run(self, runner: Runner, args: Args, *, name: str, cwd: Path, timeout: float,
            extra_env: dict[str, str], stdout_path: Path | None = None) -> Completed:
        cmd = [os.fspath(a) for a in args]
        if stdout_path is not None:
            # The stream goes to a file in a bind mount, not through the engine's log
            # (binary subunit does not survive line-based container logs).
            stdout_path.parent.mkdir(parents=True, exist_ok=True)
            if self.stack.platform == "windows":
                line = " ".join(f'"{c}"' if " " in c else c for c in cmd)
                line += f' > "{stdout_path}"'
                cmd = ["cmd", "/S", "/C", line]
            else:
                cmd = ["/bin/sh", "-c", f"{shlex.join(cmd)} > {shlex.quote(str(stdout_path))}"]
        log = runner.log_dir / f"{name}.log"
        # The host's uid may have no home in the image.
        home = {"HOME": "/tmp"} if self.stack.platform == "linux" else {}
        started = time.monotonic()
        code, log = self.stack.run_task(
            name, self.image, cmd[1:], entrypoint=[cmd[0]], binds=self.binds,
            environment={**home, **extra_env}, workdir=os.fspath(cwd),
            timeout=timeout, log=log)
        try:
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-200:]
        except OSError:
            tail = []
        return Completed(cmd, code, log, time.monotonic() - started, tail)
