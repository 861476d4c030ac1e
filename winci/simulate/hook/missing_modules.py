"""Behaviour ``modules``: POSIX-only modules (fcntl, pwd, grp, resource...) fail to
import with ModuleNotFoundError, for the code in scope and for the libraries it imports.

The code in scope fails on any import of them. A library (outside the scope and the
standard library) fails when Windows would run its import too: at the top of a module,
unguarded, reached from the code in scope through imports that are unguarded as well
(:mod:`.import_chain`); its platform branches are left alone. Both ``import``
(``builtins.__import__``) and ``importlib.import_module`` are wrapped; the standard
library's own imports of these modules are left alone.
"""

from __future__ import annotations

import builtins
import importlib
from types import FrameType, ModuleType
from typing import Any

from .import_chain import ImportChain
from .recorder import TripRecorder
from .scope import Scope, frame_above


def block_modules(names: frozenset[str], scope: Scope, recorder: TripRecorder) -> None:
    """Make the top-level modules ``names`` fail to import for code in ``scope`` and for
    the libraries it imports unconditionally."""
    real_import = builtins.__import__
    real_import_module = importlib.import_module
    chain = ImportChain(scope)

    def check(name: str, frame: FrameType | None) -> None:
        top = name.partition(".")[0]
        if top not in names:
            return
        caller = scope.caller(frame)
        if caller is None:
            return
        filename = caller.f_code.co_filename
        library: FrameType | None = None
        if scope.contains(filename):
            site: FrameType | None = caller
        elif scope.is_plumbing(filename):
            return
        else:
            site, library = chain.windows_would_run(caller), caller
        if site is None:
            return
        recorder.trip("modules", f"import {name}", site, library)
        raise ModuleNotFoundError(f"No module named {top!r}", name=top)

    def __import__(name: str, globals: Any = None, locals: Any = None,
                   fromlist: Any = (), level: int = 0) -> ModuleType:
        if level == 0 and name.partition(".")[0] in names:  # cheap test first
            check(name, frame_above(1))
        return real_import(name, globals, locals, fromlist, level)

    def import_module(name: str, package: str | None = None) -> ModuleType:
        if name.partition(".")[0] in names:
            check(name, frame_above(1))
        return real_import_module(name, package)

    builtins.__import__ = __import__
    importlib.import_module = import_module
