# The hook compares path strings by prefix on hot paths and starts before anything else:
# os.path on purpose, not pathlib.
# ruff: noqa: PTH118, PTH120
"""Which code is held to Windows rules, and the stack walks that find it.

Only the code under test is: ``WINCI_SIMULATE_SCOPE`` lists its roots; without it, every
file outside the standard library and site-packages is in scope. The hook's own files
never are. The *availability* behaviours ask :meth:`Scope.caller_in_scope` (is the code
naming the thing in scope?); the *operating-system* behaviours ask
:meth:`Scope.in_scope_on_stack` (is any frame on the stack in scope?).
"""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Iterable
from types import FrameType


def frame_above(depth: int) -> FrameType | None:
    """The caller ``depth`` levels above the function calling this; None past the top."""
    try:
        return sys._getframe(depth + 1)
    except ValueError:  # called from C with no Python frame above (python -m ...)
        return None


def where(frame: FrameType | None) -> str | None:
    """``file:line in function`` of ``frame`` (None for None)."""
    if frame is None:
        return None
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"


def _folder(path: str) -> str:
    return os.path.join(os.path.realpath(path), "")


class Scope:
    """Decides, per source file, whether its code is the code under test.

    ``roots`` are the source roots under test (none: everything outside the standard
    library and site-packages); ``own_dirs`` and ``own_files`` are the hook itself.
    """

    def __init__(self, roots: Iterable[str], own_dirs: Iterable[str] = (),
                 own_files: Iterable[str] = ()) -> None:
        self.roots = [_folder(r) for r in roots if r]
        paths = sysconfig.get_paths()
        outside = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
        outside.update(p for p in sys.path if p.endswith(("site-packages", "dist-packages")))
        self.outside = [_folder(p) for p in outside]
        # In a venv, "platstdlib" points into the venv (a prefix of its site-packages):
        # take the standard library from the base interpreter instead.
        base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix,
                "installed_base": sys.base_prefix, "installed_platbase": sys.base_exec_prefix}
        base_paths = sysconfig.get_paths(vars=base)
        stdlib = {base_paths[k] for k in ("stdlib", "platstdlib") if k in base_paths}
        stdlib.add(os.path.dirname(os.__file__))
        self.stdlib = [_folder(p) for p in stdlib]
        self.own_dirs = [_folder(d) for d in own_dirs]
        self.own_files = {os.path.realpath(f) for f in own_files}
        self._cache: dict[str, bool] = {}
        self._stdlib_cache: dict[str, bool] = {}
        self._own_cache: dict[str, bool] = {}

    def _is_own_path(self, path: str) -> bool:
        return path in self.own_files or any(path.startswith(d) for d in self.own_dirs)

    def is_own(self, filename: str) -> bool:
        """Is ``filename`` (a code object's) one of the hook's files?"""
        known = self._own_cache.get(filename)
        if known is None:
            known = not filename.startswith("<") and self._is_own_path(
                os.path.realpath(filename))
            self._own_cache[filename] = known
        return known

    def contains(self, filename: str) -> bool:
        known = self._cache.get(filename)
        if known is not None:
            return known
        if filename.startswith("<"):
            result = False
        else:
            path = os.path.realpath(filename)
            if self._is_own_path(path):
                result = False
            elif self.roots:
                result = any(path.startswith(root) for root in self.roots)
            else:
                result = not any(path.startswith(p) for p in self.outside)
        self._cache[filename] = result
        return result

    def is_plumbing(self, filename: str) -> bool:
        """Standard library, frozen importlib or this hook: never "the caller"."""
        known = self._stdlib_cache.get(filename)
        if known is None:
            path = os.path.realpath(filename) if not filename.startswith("<") else filename
            known = (
                filename.startswith("<")
                or self._is_own_path(path)
                or (
                    any(path.startswith(p) for p in self.stdlib)
                    and "site-packages" not in path
                    and "dist-packages" not in path
                )
            )
            self._stdlib_cache[filename] = known
        return known

    # -- stack walks -------------------------------------------------------------------
    def caller(self, frame: FrameType | None) -> FrameType | None:
        """The first frame that is not importlib plumbing or this hook."""
        while frame is not None and (
            frame.f_code.co_filename.startswith("<frozen")
            or self.is_own(frame.f_code.co_filename)
        ):
            frame = frame.f_back
        return frame

    def caller_in_scope(self, frame: FrameType | None) -> FrameType | None:
        """The caller (see :meth:`caller`) when it is in scope, else None."""
        caller = self.caller(frame)
        if caller is not None and self.contains(caller.f_code.co_filename):
            return caller
        return None

    def in_scope_on_stack(self, frame: FrameType | None) -> FrameType | None:
        """The first in-scope frame from ``frame`` down the stack, else None."""
        while frame is not None:
            if self.contains(frame.f_code.co_filename):
                return frame
            frame = frame.f_back
        return None

    def first_non_stdlib(self, frame: FrameType | None) -> FrameType | None:
        """The first frame from ``frame`` down that is not plumbing (see
        :meth:`is_plumbing`): the library or test that made the call."""
        while frame is not None and self.is_plumbing(frame.f_code.co_filename):
            frame = frame.f_back
        return frame
