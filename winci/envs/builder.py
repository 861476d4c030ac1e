"""Build virtualenvs once and reuse them, keyed on everything that goes into them.

A venv lives in ``<cache>/venvs/<name>-<key>`` where the key hashes the Python version,
the requirement lines, the constraints file's content and any local packages. It is
built in a temporary folder and renamed into place only when complete, so a killed
build never leaves a half-made venv that a later run would trust.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from winci.envs.constraints import validate_constraints
from winci.errors import ConfigError, InfraError
from winci.host.filelock import FileLock
from winci.host.paths import cache_dir, venv_python
from winci.procs import Runner


@dataclass(frozen=True)
class EnvSpec:
    """What goes into one venv."""

    name: str
    requirements: tuple[str, ...]
    constraints: Path
    # Local sources installed after the requirements (paths of trees or sdists), part of
    # the key through their content hash (given by the caller).
    local_packages: tuple[Path, ...] = ()
    local_key: str = ""
    pip_timeout: float = 1800.0
    extra_env: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def key(self) -> str:
        try:
            constraints_text = self.constraints.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"cannot read constraints file {self.constraints}: {exc.strerror}",
                "run `winci constraints refresh` or restore it from git",
            ) from exc
        digest = hashlib.sha256()
        digest.update(f"{sys.version_info[:3]}|{sys.platform}".encode())
        for line in self.requirements:
            digest.update(line.encode() + b"\n")
        digest.update(constraints_text.encode())
        digest.update(self.local_key.encode())
        return digest.hexdigest()[:12]


def ensure_env(spec: EnvSpec, runner: Runner, *, python: str | None = None) -> Path:
    """Return a venv built from ``spec``, building it if this key has none yet."""
    validate_constraints(spec.constraints)
    root = cache_dir() / "venvs"
    target = root / f"{spec.name}-{spec.key()}"
    stamp = target / "winci-env.json"
    if stamp.is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(root / f"{target.name}.lock", what=f"the {spec.name} environment"):
        if stamp.is_file():  # another run built it while we waited
            return target
        shutil.rmtree(target, ignore_errors=True)  # a half-built one from a killed run
        _build(spec, target, runner, python or sys.executable)
    return target


def _build(spec: EnvSpec, target: Path, runner: Runner, py: str) -> None:
    runner.run([py, "-m", "venv", target], name=f"venv-{spec.name}-create", timeout=300)
    vpy = venv_python(target)
    pip = [os.fspath(vpy), "-m", "pip", "--disable-pip-version-check", "install"]
    runner.run([*pip, "-q", "--upgrade", "pip", "setuptools", "wheel"],
               name=f"venv-{spec.name}-pip", timeout=600)
    reqs = [r for r in spec.requirements if r.strip()]
    env = {"PBR_VERSION": "0.0.0"} | dict(spec.extra_env)
    try:
        if reqs:
            runner.run([*pip, "-c", spec.constraints, *reqs],
                       name=f"venv-{spec.name}-install", timeout=spec.pip_timeout,
                       extra_env=env)
        for pkg in spec.local_packages:
            runner.run([*pip, "--no-deps", pkg], name=f"venv-{spec.name}-local",
                       timeout=600, extra_env=env)
    except InfraError as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise InfraError(f"could not install the {spec.name} environment", str(exc)) from exc
    (target / "winci-env.json").write_text(
        json.dumps({"name": spec.name, "requirements": list(spec.requirements),
                    "constraints": str(spec.constraints), "key": spec.key()}, indent=1),
        encoding="utf-8")


def pip_install(venv: Path, args: Sequence[str | Path], runner: Runner, *, name: str,
                timeout: float = 900, extra_env: dict[str, str] | None = None) -> None:
    """Install more into an existing venv (e.g. the Glance tree under test, no deps)."""
    runner.run([venv_python(venv), "-m", "pip", "--disable-pip-version-check", "install", *args],
               name=name, timeout=timeout, extra_env=extra_env)
