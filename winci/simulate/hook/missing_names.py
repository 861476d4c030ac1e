"""Behaviours ``os-functions`` and ``signals``: names Windows lacks raise AttributeError.

The names are taken out of the module (and its ``__all__``, so ``from os import *`` does
not ask for them); a module ``__getattr__`` gives them back to code outside the scope (a
library's own POSIX branch is its business: ``os.name`` still says POSIX) and raises
AttributeError, recording a trip, for code in scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import FunctionType, ModuleType

from .recorder import TripRecorder
from .scope import Scope, frame_above


def _keep_own_functions_working(module: ModuleType, snapshot: dict[str, object],
                                removed: dict[str, object]) -> None:
    """The module's own functions that use a removed name (os._spawnvef uses fork) keep
    seeing it: they get a copy of the module's namespace from before the removal."""
    for key, value in list(module.__dict__.items()):
        if isinstance(value, FunctionType) and value.__globals__ is module.__dict__ and (
            set(value.__code__.co_names) & removed.keys()
        ):
            clone = FunctionType(value.__code__, snapshot, value.__name__,
                                 value.__defaults__, value.__closure__)
            clone.__kwdefaults__ = value.__kwdefaults__
            clone.__qualname__ = value.__qualname__
            module.__dict__[key] = clone


def remove_names(module: ModuleType, names: Iterable[str], behaviour: str, scope: Scope,
                 recorder: TripRecorder) -> None:
    """Take ``names`` out of ``module`` for code in ``scope``, tripping ``behaviour``."""
    snapshot = dict(module.__dict__)
    removed: dict[str, object] = {}
    exported = module.__dict__.get("__all__")
    for name in names:
        if name in module.__dict__:
            removed[name] = module.__dict__.pop(name)
            if isinstance(exported, list) and name in exported:
                exported.remove(name)  # `from os import *` must not ask for it
    _keep_own_functions_working(module, snapshot, removed)
    previous = module.__dict__.get("__getattr__")

    def __getattr__(name: str) -> object:
        if name not in removed:
            if previous is not None:
                return previous(name)
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")
        site = scope.caller_in_scope(frame_above(1))
        if site is None:
            return removed[name]
        recorder.trip(behaviour, f"{module.__name__}.{name}", site)
        raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")

    module.__dict__["__getattr__"] = __getattr__
