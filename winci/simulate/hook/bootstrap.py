# The hook starts before anything else: os.path on purpose, not pathlib.
# ruff: noqa: PTH120
"""Switching the simulation on: read the environment, then install each enabled
behaviour.

Nothing happens unless ``WINCI_SIMULATE=1``, nor when the command line asks for a test
listing (``--list``), so discovery sees every test.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Iterable, Mapping
from types import ModuleType

from .connect_any import wrap_connect
from .file_ops import wrap_file_ops
from .missing_modules import block_modules
from .missing_names import remove_names
from .missing_programs import hide_programs
from .open_files import OpenFiles
from .popen_args import wrap_popen
from .recorder import TripRecorder
from .scope import Scope
from .settings import BEHAVIOURS, DISABLE_VAR, ENABLE_VAR, RECORD_VAR, SCOPE_VAR

PACKAGE_DIR = os.path.dirname(os.path.realpath(__file__))


def load_api() -> ModuleType:
    """The POSIX-only names (``winci/portability/posix_api.py``): the copy beside the
    start-up file, or winci's own when the hook runs from the winci tree."""
    try:
        return importlib.import_module("_winci_posix_api")
    except ImportError:
        return importlib.import_module("winci.portability.posix_api")


class Simulation:
    """The installed simulation: what is enabled, the scope, the recorder and the
    open-file table (None when ``open-files`` is off)."""

    def __init__(self, api: ModuleType, disabled: Iterable[str], scope: Scope,
                 record_dir: str | None) -> None:
        self.api = api
        self.enabled = frozenset(BEHAVIOURS) - {d.strip() for d in disabled}
        self.scope = scope
        lock = threading.RLock()  # one lock: a __del__ may remove a file, and trip, mid-sweep
        self.recorder = TripRecorder(record_dir, os.open, lock)
        self.open_files = OpenFiles(scope, self.recorder, lock) if (
            "open-files" in self.enabled) else None

    def install(self) -> None:
        import signal

        api, on, scope, recorder = self.api, self.enabled, self.scope, self.recorder
        if "os-functions" in on:
            remove_names(os, api.POSIX_ONLY_OS, "os-functions", scope, recorder)
        if "signals" in on:
            remove_names(signal, api.MISSING_SIGNALS | api.SIGNAL_FUNCS, "signals", scope,
                         recorder)
        if "modules" in on:
            block_modules(frozenset(api.POSIX_MODULES), scope, recorder)
        if self.open_files is not None:
            self.open_files.install()
        if on & {"rename", "open-files"}:
            wrap_file_ops("rename" in on, self.open_files, scope, recorder)
        if "programs" in on:  # before subprocess: Windows checks the arguments first
            hide_programs(scope, recorder)
        if "subprocess" in on:
            wrap_popen(scope, recorder)
        if "connect-any" in on:
            wrap_connect(api.ANY_ADDRESSES, scope, recorder)


def start(environ: Mapping[str, str] | None = None,
          startup_file: str | None = None) -> Simulation | None:
    """Install the simulation when ``WINCI_SIMULATE=1``; return it (None when off).

    ``startup_file`` is the ``sitecustomize.py`` that called this: like this package, it
    is the hook's own code, never in scope.
    """
    env = os.environ if environ is None else environ
    if env.get(ENABLE_VAR) != "1":
        return None
    if "--list" in getattr(sys, "orig_argv", sys.argv):
        return None
    scope = Scope(env.get(SCOPE_VAR, "").split(os.pathsep), own_dirs=[PACKAGE_DIR],
                  own_files=[startup_file] if startup_file else [])
    disabled = [d for d in env.get(DISABLE_VAR, "").split(",") if d.strip()]
    sim = Simulation(load_api(), disabled, scope, env.get(RECORD_VAR) or None)
    sim.install()
    return sim
