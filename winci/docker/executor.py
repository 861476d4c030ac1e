"""A lane's programs in one-shot containers: the docker backend's test executor."""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path

from winci.docker.containers import RunContainers
from winci.lanes.executor import Args
from winci.procs import Runner
from winci.procs.runner import Completed


class DockerExecutor:
    """In a one-shot container of ``image`` (:meth:`RunContainers.run_task`): same network
    and labels as the run's services, ``binds`` mounted at the same paths as on the host
    (so ``cwd``, ``stdout_path`` and the paths in ``args`` mean the same inside)."""

    name = "docker"

    def __init__(self, containers: RunContainers, image: str, binds: dict[str, str]) -> None:
        self.containers = containers
        self.image = image
        self.binds = binds

    def program(self, name: str) -> str | os.PathLike[str]:
        return name  # the image's venv is on its PATH

    def run(self, runner: Runner, args: Args, *, name: str, cwd: Path, timeout: float,
            extra_env: dict[str, str], stdout_path: Path | None = None) -> Completed:
        cmd = [os.fspath(a) for a in args]
        windows = self.containers.platform == "windows"
        if stdout_path is not None:
            # The stream goes to a file in a bind mount, not through the engine's log
            # (binary subunit does not survive line-based container logs).
            stdout_path.parent.mkdir(parents=True, exist_ok=True)
            if windows:
                line = " ".join(f'"{c}"' if " " in c else c for c in cmd)
                line += f' > "{stdout_path}"'
                cmd = ["cmd", "/S", "/C", line]
            else:
                cmd = ["/bin/sh", "-c", f"{shlex.join(cmd)} > {shlex.quote(str(stdout_path))}"]
        log = runner.log_dir / f"{name}.log"
        # The host's uid may have no home in the image.
        home = {} if windows else {"HOME": "/tmp"}
        started = time.monotonic()
        code, log = self.containers.run_task(
            name, self.image, cmd[1:], entrypoint=[cmd[0]], binds=self.binds,
            environment={**home, **extra_env}, workdir=os.fspath(cwd),
            timeout=timeout, log=log)
        try:
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-200:]
        except OSError:
            tail = []
        return Completed(cmd, code, log, time.monotonic() - started, tail)
