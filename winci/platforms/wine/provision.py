"""Set up Windows CPython under Wine for one run, in order, and end it with the run.

:func:`start_wine` installs Wine when root and missing, makes (once) the prefix
template, builds (once) the shims, the host-tool relays (``qemu-img.exe``) and the
interpreter, and starts this run's Wine session; :meth:`WinePlatform.ensure_env`
builds or reuses an environment, :meth:`WinePlatform.executor` runs its programs for
the lanes,
:meth:`WinePlatform.python` its Python for the services, and
:meth:`WinePlatform.close` ends every Wine process of the run (call it before the
runner is closed; :func:`open_wine` is the same as a ``with`` block).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from winci.envs.builder import EnvSpec
from winci.platforms.wine import env as wine_env
from winci.platforms.wine.executor import WineExecutor, WinePython
from winci.platforms.wine.hosttools import HostTools, ensure_host_tools
from winci.platforms.wine.info import manifest_entry, wine_version
from winci.platforms.wine.install import WineTools, ensure_tools
from winci.platforms.wine.interpreter import Interpreter, embed_release, ensure_interpreter
from winci.platforms.wine.session import WineSession
from winci.platforms.wine.shim import Shims, ensure_shims
from winci.platforms.wine.template import ensure_template
from winci.procs import Runner


def validate_python(python: str | None) -> str:
    """``--python`` for the wine platform: its minor version, or a one-line UsageError
    (to call before anything starts)."""
    return embed_release(python)[0]


@dataclass
class WinePlatform:
    tools: WineTools
    wine_version: str
    shims: Shims
    session: WineSession
    interpreter: Interpreter
    runner: Runner
    host_tools: HostTools
    timings: dict[str, float] = field(default_factory=dict)

    def executor(self, env: Path | None,
                 variables: Mapping[str, str] | None = None) -> WineExecutor:
        """A lane's executor: the programs of ``env`` with its ``variables``."""
        return WineExecutor(self.session, env, variables)

    def python(self, env: Path) -> WinePython:
        """The Python of ``env`` for the run's services (``glance-manage``, the API)."""
        return WinePython(self.session, env, self.runner)

    def ensure_env(self, spec: EnvSpec) -> Path:
        started = time.monotonic()
        built = not wine_env.is_complete(wine_env.env_dir(spec, self.interpreter))
        path = wine_env.ensure_env(spec, self.interpreter, self.session, self.runner)
        if built:
            self.timings[f"env {spec.name}"] = time.monotonic() - started
        return path

    def manifest(self) -> dict[str, object]:
        entry = manifest_entry(self.interpreter.facts, self.wine_version,
                               self.interpreter.home, self.interpreter.embed_release)
        # qemu-img.exe & co. run this host's Linux programs (hosttools): say so.
        entry["host_programs_relayed"] = list(self.host_tools.programs)
        return entry

    def close(self) -> None:
        self.session.close()
        self.timings["wine end"] = self.session.timings.get("end", 0.0)


def start_wine(runner: Runner, private_dir: Path, *, python: str | None = None,
               install: bool = True) -> WinePlatform:
    """The run's Wine platform; its session's prefix is ``private_dir/wine-prefix``."""
    minor = validate_python(python)
    timings: dict[str, float] = {}
    tools = ensure_tools(runner, install=install)
    version = wine_version(tools, runner)
    template = ensure_template(tools, runner, version, timings)
    shims = ensure_shims(tools, runner)
    host_tools = ensure_host_tools(tools, runner)
    session = WineSession(tools, runner, private_dir / "wine-prefix", template=template,
                          path_first=(host_tools.folder,))
    session.__enter__()
    try:
        timings["wine session"] = session.timings.get("start", 0.0)
        started = time.monotonic()
        interpreter = ensure_interpreter(session, runner, shims, minor)
        timings["interpreter"] = time.monotonic() - started
    except BaseException:
        session.close()
        raise
    return WinePlatform(tools, version, shims, session, interpreter, runner, host_tools,
                        timings)


@contextlib.contextmanager
def open_wine(runner: Runner, private_dir: Path, *, python: str | None = None,
              install: bool = True) -> Iterator[WinePlatform]:
    platform = start_wine(runner, private_dir, python=python, install=install)
    try:
        yield platform
    finally:
        platform.close()
