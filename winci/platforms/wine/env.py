"""Environments of Windows CPython under Wine: a copy of the interpreter plus packages
that pip, run *by that interpreter* under Wine, installed (so markers evaluate for
win32 and Windows wheels are chosen).

Keyed, locked and marked complete like the venvs (:mod:`winci.envs.builder`): the same
:class:`~winci.envs.builder.EnvSpec` and key, the interpreter's key added to it; built
in place in ``<cache>/venvs/wine-<name>-<key>`` under ``<that>.lock``; ``winci-env.json``
written last, so a half-built environment is never used and is built again.

An environment never holds Glance: a run puts its work tree first on the Windows
``PYTHONPATH`` of every Glance process (:func:`winci.worktree.tree.tree_path_env` with
``windows_path``), as the local backend does for its venvs.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from winci.envs.builder import EnvSpec
from winci.envs.constraints import validate_constraints
from winci.errors import InfraError
from winci.host.filelock import FileLock
from winci.host.paths import cache_dir
from winci.platforms.wine.interpreter import STAMP as INTERPRETER_STAMP
from winci.platforms.wine.interpreter import Interpreter
from winci.platforms.wine.prefix import to_windows_path
from winci.platforms.wine.session import WineSession
from winci.procs import Runner

STAMP = "winci-env.json"  # the venvs' complete marker


def keyed_spec(spec: EnvSpec, interpreter: Interpreter) -> EnvSpec:
    """``spec`` with the Windows interpreter in its key."""
    return dataclasses.replace(spec, local_key=f"{spec.local_key}|wine:{interpreter.key}")


def env_dir(spec: EnvSpec, interpreter: Interpreter) -> Path:
    return cache_dir() / "venvs" / f"wine-{spec.name}-{keyed_spec(spec, interpreter).key()}"


def is_complete(env: Path) -> bool:
    return (env / STAMP).is_file()


def python_exe(env: Path) -> Path:
    return env / "python.exe"


def _windows_arg(arg: str | os.PathLike[str]) -> str:
    """A requirement, or a path to a wheel or tree, as pip under Wine must see it."""
    path = Path(arg)
    return to_windows_path(path) if path.is_absolute() and path.exists() else os.fspath(arg)


def pip(env: Path, wine: WineSession, runner: Runner, args: Sequence[str | os.PathLike[str]],
        *, name: str, timeout: float, extra_env: dict[str, str] | None = None) -> None:
    """``python.exe -m pip install ARGS`` in ``env``, under Wine."""
    # pip's cache outside the session's prefix (which goes at the session's end)
    env_vars = {"PBR_VERSION": "0.0.0", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "PIP_CACHE_DIR": to_windows_path(cache_dir() / "wine" / "pip-cache"),
                **(extra_env or {})}
    wine.run(runner, [python_exe(env), "-m", "pip", "install", "--no-warn-script-location",
                      *(_windows_arg(a) for a in args)],
             name=name, timeout=timeout, extra_env=env_vars)


def ensure_env(spec: EnvSpec, interpreter: Interpreter, wine: WineSession,
               runner: Runner) -> Path:
    """The environment for ``spec`` on ``interpreter``, built now if this key has none."""
    validate_constraints(spec.constraints)
    target = env_dir(spec, interpreter)
    if is_complete(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    what = f"the {spec.name} environment (Windows CPython under Wine)"
    with FileLock(target.parent / f"{target.name}.lock", what=what):
        if is_complete(target):  # another run built it while we waited
            return target
        shutil.rmtree(target, ignore_errors=True)  # a half-built one from a killed run
        try:
            _build(spec, interpreter, wine, runner, target)
        except BaseException as exc:
            shutil.rmtree(target, ignore_errors=True)
            if isinstance(exc, InfraError):
                raise InfraError(f"could not install {what}", str(exc)) from exc
            raise
    return target


def _build(spec: EnvSpec, interpreter: Interpreter, wine: WineSession, runner: Runner,
           target: Path) -> None:
    shutil.copytree(interpreter.home, target, symlinks=True,
                    ignore=shutil.ignore_patterns(INTERPRETER_STAMP, "__pycache__"))
    extra = dict(spec.extra_env)
    reqs = [r for r in spec.requirements if r.strip()]
    if reqs:
        pip(target, wine, runner, ["-c", spec.constraints, *reqs],
            name=f"wine-env-{spec.name}-install", timeout=spec.pip_timeout, extra_env=extra)
    for pkg in spec.local_packages:
        pip(target, wine, runner, ["--no-deps", pkg], name=f"wine-env-{spec.name}-local",
            timeout=900, extra_env=extra)
    keyed = keyed_spec(spec, interpreter)
    (target / STAMP).write_text(json.dumps(
        {"name": spec.name, "requirements": list(spec.requirements),
         "constraints": str(spec.constraints), "key": keyed.key(),
         "platform": "wine", "interpreter": interpreter.key,
         "sys_version": interpreter.facts.get("sys_version")}, indent=1), encoding="utf-8")
