# The hook compares path strings by prefix on hot paths and starts before anything else:
# os.path on purpose, not pathlib.
# ruff: noqa: PTH113, PTH118, PTH120
"""Start-up hook of the Windows *simulation*: imposes on a Linux Python process the parts
of Windows behaviour that Linux can emulate.

Standard library only: :func:`winci.simulate.lane_env` copies this file as
``sitecustomize.py`` (with ``posix_api.py`` beside it as ``_winci_posix_api.py``) into a
folder put first on ``PYTHONPATH``, so it runs inside the tested project's venv (Python 3.10+), not
winci's. It does nothing unless ``WINCI_SIMULATE=1``. It is a simulation: ``os.name``
is still ``'posix'``, paths still use ``/`` and the kernel is still Linux.

Behaviours (``WINCI_SIMULATE_DISABLE=rename,open-files`` switches any of them off):

``os-functions``  POSIX-only ``os`` functions and constants raise AttributeError;
``signals``       signals and signal functions Windows lacks raise AttributeError;
``modules``       POSIX-only modules (fcntl, pwd, grp, resource...) fail to import;
``rename``        ``os.rename`` fails with FileExistsError when the target exists;
``open-files``    removing, renaming or replacing a file this process holds open
                  fails with PermissionError (Windows' sharing violation, WinError 32);
``subprocess``    ``Popen`` rejects ``preexec_fn``, ``pass_fds`` and
                  ``start_new_session`` with ValueError;
``connect-any``   connecting to 0.0.0.0 (or ``''``, ``::``) fails with OSError
                  EADDRNOTAVAIL (Windows: WSAEADDRNOTAVAIL, 10049).

Scope: only the code under test is held to Windows rules, so the test runner (stestr,
subunit, testtools), pip and the standard library keep working. ``WINCI_SIMULATE_SCOPE``
lists the roots of that code (``os.pathsep``-separated); without it, every file outside
the standard library and site-packages is in scope. The *availability* behaviours
(os-functions, signals, modules) apply when the code touching the name is in scope (a
library's own POSIX branch is its business: ``os.name`` still says POSIX). The
*operating-system* behaviours (rename, open-files, subprocess, connect-any) apply when
any frame on the call stack is in scope, as Windows refuses those calls whoever makes
them (e.g. oslo.concurrency 7's ``execute`` always passes ``preexec_fn``). Test listing
(``--list`` on the command line) runs without the simulation.

Each trip is appended as one JSON line to ``$WINCI_SIMULATE_RECORD_DIR/trips-<pid>.jsonl``:
behaviour, detail, site (the in-scope frame), caller (the first frame outside the standard
library, when that is a library), module, importing modules (for trips at import time),
test id (from a ``unittest.TestCase`` ``self`` on the stack) and pid.
"""

from __future__ import annotations

import builtins
import errno
import importlib
import io
import os
import socket
import subprocess
import sys
import sysconfig
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from types import FrameType, FunctionType, ModuleType
from typing import Any

BEHAVIOURS = (
    "os-functions", "signals", "modules", "rename", "open-files", "subprocess", "connect-any",
)
ENABLE_VAR = "WINCI_SIMULATE"
DISABLE_VAR = "WINCI_SIMULATE_DISABLE"
RECORD_VAR = "WINCI_SIMULATE_RECORD_DIR"
SCOPE_VAR = "WINCI_SIMULATE_SCOPE"

_SHARING_VIOLATION = (
    "The process cannot access the file because it is being used by another process"
)
_ALREADY_EXISTS = "Cannot create a file when that file already exists"
_ADDR_NOT_AVAIL = "The requested address is not valid in its context"
_POPEN_POSITIONAL = (
    "bufsize", "executable", "stdin", "stdout", "stderr", "preexec_fn", "close_fds",
    "shell", "cwd", "env", "universal_newlines", "startupinfo", "creationflags",
    "restore_signals", "start_new_session", "pass_fds",
)


def _frame(depth: int) -> FrameType | None:
    """The caller ``depth`` levels above the function calling this; None past the top."""
    try:
        return sys._getframe(depth + 1)
    except ValueError:  # called from C with no Python frame above (python -m ...)
        return None


def _load_api() -> ModuleType:
    try:
        return importlib.import_module("_winci_posix_api")
    except ImportError:
        return importlib.import_module("winci.portability.posix_api")


class _Scope:
    """Decides, per source file, whether its code is the code under test."""

    def __init__(self, roots: list[str]) -> None:
        self.roots = [os.path.join(os.path.realpath(r), "") for r in roots if r]
        paths = sysconfig.get_paths()
        outside = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
        outside.update(p for p in sys.path if p.endswith(("site-packages", "dist-packages")))
        self.outside = [os.path.join(os.path.realpath(p), "") for p in outside]
        # In a venv, "platstdlib" points into the venv (a prefix of its site-packages):
        # take the standard library from the base interpreter instead.
        base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix,
                "installed_base": sys.base_prefix, "installed_platbase": sys.base_exec_prefix}
        base_paths = sysconfig.get_paths(vars=base)
        stdlib = {base_paths[k] for k in ("stdlib", "platstdlib") if k in base_paths}
        stdlib.add(os.path.dirname(os.__file__))
        self.stdlib = [os.path.join(os.path.realpath(p), "") for p in stdlib]
        self.own = {os.path.realpath(__file__)}
        self._cache: dict[str, bool] = {}
        self._stdlib_cache: dict[str, bool] = {}

    def contains(self, filename: str) -> bool:
        known = self._cache.get(filename)
        if known is not None:
            return known
        if filename.startswith("<"):
            result = False
        else:
            path = os.path.realpath(filename)
            if path in self.own:
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
                or path in self.own
                or (
                    any(path.startswith(p) for p in self.stdlib)
                    and "site-packages" not in path
                    and "dist-packages" not in path
                )
            )
            self._stdlib_cache[filename] = known
        return known


class Simulation:
    """The installed simulation: wrappers, the open-file table and the trip recorder."""

    def __init__(self, api: ModuleType, disabled: Iterable[str], scope: _Scope,
                 record_dir: str | None) -> None:
        self.api = api
        self.enabled = frozenset(BEHAVIOURS) - {d.strip() for d in disabled}
        self.scope = scope
        self.record_dir = record_dir
        self._lock = threading.RLock()  # a __del__ may remove a file mid-sweep
        self._open: dict[tuple[int, int], list[Callable[[], bool]]] = {}
        self._inserts = 0
        self.real: dict[str, Any] = {}

    # -- deciding and recording ------------------------------------------------------
    def _caller(self, frame: FrameType | None) -> FrameType | None:
        """The first frame that is not importlib plumbing or this hook."""
        while frame is not None and (
            frame.f_code.co_filename.startswith("<frozen")
            or frame.f_code.co_filename in self.scope.own
            or frame.f_code.co_filename == __file__
        ):
            frame = frame.f_back
        return frame

    def _first_non_stdlib(self, frame: FrameType | None) -> FrameType | None:
        while frame is not None and self.scope.is_plumbing(frame.f_code.co_filename):
            frame = frame.f_back
        return frame

    def _in_scope_on_stack(self, frame: FrameType | None) -> FrameType | None:
        while frame is not None:
            if self.scope.contains(frame.f_code.co_filename):
                return frame
            frame = frame.f_back
        return None

    def caller_in_scope(self, frame: FrameType | None) -> FrameType | None:
        caller = self._caller(frame)
        if caller is not None and self.scope.contains(caller.f_code.co_filename):
            return caller
        return None

    @staticmethod
    def _where(frame: FrameType | None) -> str | None:
        if frame is None:
            return None
        return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"

    def trip(self, behaviour: str, detail: str, site: FrameType,
             caller: FrameType | None = None) -> None:
        """Record a trip: ``site`` is the in-scope frame, ``caller`` the first frame
        outside the standard library when that is elsewhere (a library)."""
        if not self.record_dir:
            return
        test_id = None
        importing: list[str] = []
        frame: FrameType | None = site
        unittest = sys.modules.get("unittest")
        while frame is not None:
            if frame.f_code.co_name == "<module>":
                importing.append(str(frame.f_globals.get("__name__")))
            candidate = frame.f_locals.get("self") if unittest is not None else None
            if unittest is not None and isinstance(candidate, unittest.TestCase):
                try:
                    test_id = candidate.id()
                except Exception:  # a half-built test case: keep looking
                    test_id = None
                if test_id:
                    break
            frame = frame.f_back
        record = {
            "behaviour": behaviour,
            "detail": detail,
            "site": self._where(site),
            "caller": self._where(caller) if caller is not site else None,
            "module": site.f_globals.get("__name__"),
            "importing": [] if test_id else importing,
            "test_id": test_id,
            "pid": os.getpid(),
            "time": round(time.time(), 3),
        }
        import json

        line = (json.dumps(record, sort_keys=True) + "\n").encode("utf-8")
        path = os.path.join(self.record_dir, f"trips-{os.getpid()}.jsonl")
        with self._lock:
            try:
                fd = self.real["os.open"](path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            except OSError:
                return  # an unwritable record folder must not change what the test sees
            try:
                os.write(fd, line)
            finally:
                os.close(fd)

    # -- availability: os, signal, modules -------------------------------------------
    def remove_names(self, module: ModuleType, names: Iterable[str], behaviour: str) -> None:
        snapshot = dict(module.__dict__)
        removed: dict[str, object] = {}
        exported = module.__dict__.get("__all__")
        for name in names:
            if name in module.__dict__:
                removed[name] = module.__dict__.pop(name)
                if isinstance(exported, list) and name in exported:
                    exported.remove(name)  # `from os import *` must not ask for it
        # The module's own functions (os._spawnvef uses fork) keep their names.
        for key, value in list(module.__dict__.items()):
            if isinstance(value, FunctionType) and value.__globals__ is module.__dict__ and (
                set(value.__code__.co_names) & removed.keys()
            ):
                clone = FunctionType(value.__code__, snapshot, value.__name__,
                                     value.__defaults__, value.__closure__)
                clone.__kwdefaults__ = value.__kwdefaults__
                clone.__qualname__ = value.__qualname__
                module.__dict__[key] = clone
        previous = module.__dict__.get("__getattr__")
        sim = self

        def __getattr__(name: str) -> object:
            if name not in removed:
                if previous is not None:
                    return previous(name)
                raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")
            site = sim.caller_in_scope(_frame(1))
            if site is None:
                return removed[name]
            sim.trip(behaviour, f"{module.__name__}.{name}", site)
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")

        module.__dict__["__getattr__"] = __getattr__

    def block_modules(self, names: frozenset[str]) -> None:
        real_import = builtins.__import__
        real_import_module = importlib.import_module
        sim = self

        def check(name: str, frame: FrameType | None) -> None:
            top = name.partition(".")[0]
            if top not in names:
                return
            site = sim.caller_in_scope(frame)
            if site is not None:
                sim.trip("modules", f"import {name}", site)
                raise ModuleNotFoundError(f"No module named {top!r}", name=top)

        def __import__(name: str, globals: Any = None, locals: Any = None,
                       fromlist: Any = (), level: int = 0) -> ModuleType:
            if level == 0 and name.partition(".")[0] in names:  # cheap test first
                check(name, _frame(1))
            return real_import(name, globals, locals, fromlist, level)

        def import_module(name: str, package: str | None = None) -> ModuleType:
            if name.partition(".")[0] in names:
                check(name, _frame(1))
            return real_import_module(name, package)

        builtins.__import__ = __import__
        importlib.import_module = import_module

    # -- operating system: rename, open files, connect ------------------------------------
    def _track(self, key: tuple[int, int], alive: Callable[[], bool]) -> None:
        with self._lock:
            self._open.setdefault(key, []).append(alive)
            self._inserts += 1
            if self._inserts % 2000 == 0:
                for k in list(self._open):
                    live = [a for a in self._open.get(k, ()) if a()]
                    if live:
                        self._open[k] = live
                    else:
                        self._open.pop(k, None)

    def _held_open(self, path: Any, dir_fd: int | None = None) -> bool:
        if not self._open or isinstance(path, int):
            return False
        try:
            st = os.stat(path, dir_fd=dir_fd, follow_symlinks=False)
        except (OSError, TypeError, ValueError):
            return False
        key = (st.st_dev, st.st_ino)
        with self._lock:
            entries = self._open.get(key)
            if not entries:
                return False
            live = [a for a in entries if a()]
            if live:
                self._open[key] = live
            else:
                self._open.pop(key, None)
        return bool(live)

    def wrap_open_tracking(self) -> None:
        real_open = builtins.open
        real_os_open = os.open
        sim = self

        def track_file(f: Any) -> None:
            try:
                st = os.fstat(f.fileno())
            except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
                return
            ref = weakref.ref(f)

            def alive() -> bool:
                obj = ref()
                try:
                    return obj is not None and not obj.closed
                except ValueError:  # a detached buffer: its raw file lives elsewhere
                    return False

            sim._track((st.st_dev, st.st_ino), alive)

        def open(*args: Any, **kwargs: Any) -> Any:
            f = real_open(*args, **kwargs)
            track_file(f)
            return f

        def os_open(path: Any, flags: int, mode: int = 0o777, *, dir_fd: int | None = None
                    ) -> int:
            fd: int = real_os_open(path, flags, mode, dir_fd=dir_fd)
            try:
                st = os.fstat(fd)
            except OSError:
                return fd
            key = (st.st_dev, st.st_ino)

            def alive() -> bool:
                try:
                    now = os.fstat(fd)
                except OSError:
                    return False
                return (now.st_dev, now.st_ino) == key

            sim._track(key, alive)
            return fd

        builtins.open = open
        io.open = open
        os.open = os_open

    def _check_open(self, what: str, paths: list[tuple[Any, int | None]],
                    filenames: tuple[Any, Any]) -> None:
        if "open-files" not in self.enabled or not self._open:
            return
        for path, dir_fd in paths:
            if self._held_open(path, dir_fd):
                frame = _frame(2)
                site = self._in_scope_on_stack(frame)
                if site is None:
                    return
                self.trip("open-files", f"{what} {os.fsdecode(path)!s} while open", site,
                          self._first_non_stdlib(frame))
                raise PermissionError(errno.EACCES, _SHARING_VIOLATION, filenames[0], None,
                                      filenames[1])

    def wrap_file_ops(self) -> None:
        real_rename, real_replace, real_remove = os.rename, os.replace, os.remove
        sim = self

        def rename(src: Any, dst: Any, *, src_dir_fd: int | None = None,
                   dst_dir_fd: int | None = None) -> None:
            sim._check_open("rename", [(src, src_dir_fd), (dst, dst_dir_fd)], (src, dst))
            if "rename" in sim.enabled:
                try:
                    os.stat(dst, dir_fd=dst_dir_fd, follow_symlinks=False)
                    exists = True
                except (OSError, TypeError, ValueError):
                    exists = False
                if exists:
                    frame = _frame(1)
                    site = sim._in_scope_on_stack(frame)
                    if site is not None:
                        sim.trip("rename", f"rename onto existing {os.fsdecode(dst)}", site,
                                 sim._first_non_stdlib(frame))
                        raise FileExistsError(errno.EEXIST, _ALREADY_EXISTS, src, None, dst)
            real_rename(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

        def replace(src: Any, dst: Any, *, src_dir_fd: int | None = None,
                    dst_dir_fd: int | None = None) -> None:
            sim._check_open("replace", [(src, src_dir_fd), (dst, dst_dir_fd)], (src, dst))
            real_replace(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

        def remove(path: Any, *, dir_fd: int | None = None) -> None:
            sim._check_open("remove", [(path, dir_fd)], (path, None))
            real_remove(path, dir_fd=dir_fd)

        os.rename = rename
        os.replace = replace
        os.remove = remove
        os.unlink = remove

    def wrap_popen(self) -> None:
        real_init = subprocess.Popen.__init__
        sim = self

        def __init__(self: subprocess.Popen[Any], args: Any, *pos: Any, **kw: Any) -> None:
            given = dict(zip(_POPEN_POSITIONAL, pos, strict=False))
            given.update(kw)
            problem = None
            if given.get("preexec_fn") is not None:
                problem = ("preexec_fn", "preexec_fn is not supported on Windows platforms")
            elif given.get("pass_fds"):
                problem = ("pass_fds", "pass_fds is not supported on Windows platforms")
            elif given.get("start_new_session"):
                problem = ("start_new_session",
                           "start_new_session is not supported on Windows platforms")
            if problem is not None:
                frame = _frame(1)
                site = sim._in_scope_on_stack(frame)
                if site is not None:
                    sim.trip("subprocess", f"Popen({problem[0]}=...)", site,
                             sim._first_non_stdlib(frame))
                    raise ValueError(problem[1])
            real_init(self, args, *pos, **kw)

        subprocess.Popen.__init__ = __init__  # type: ignore[method-assign]

    def wrap_connect(self) -> None:
        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex
        anys = frozenset(self.api.ANY_ADDRESSES)
        sim = self

        def refused(sock: socket.socket, address: Any) -> FrameType | None:
            if sock.family not in (socket.AF_INET, socket.AF_INET6):
                return None
            if not isinstance(address, tuple) or not address or address[0] not in anys:
                return None
            frame = _frame(2)
            site = sim._in_scope_on_stack(frame)
            if site is not None:
                sim.trip("connect-any", f"connect to {address[0]!r}", site,
                         sim._first_non_stdlib(frame))
            return site

        def connect(sock: socket.socket, address: Any) -> None:
            if refused(sock, address) is not None:
                raise OSError(errno.EADDRNOTAVAIL, _ADDR_NOT_AVAIL)
            real_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            if refused(sock, address) is not None:
                return errno.EADDRNOTAVAIL
            result: int = real_connect_ex(sock, address)
            return result

        socket.socket.connect = connect  # type: ignore[method-assign,assignment]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]

    def install(self) -> None:
        import signal

        self.real["os.open"] = os.open
        api = self.api
        if "os-functions" in self.enabled:
            self.remove_names(os, api.POSIX_ONLY_OS, "os-functions")
        if "signals" in self.enabled:
            self.remove_names(signal, api.MISSING_SIGNALS | api.SIGNAL_FUNCS, "signals")
        if "modules" in self.enabled:
            self.block_modules(frozenset(api.POSIX_MODULES))
        if "open-files" in self.enabled:
            self.wrap_open_tracking()
        if self.enabled & {"rename", "open-files"}:
            self.wrap_file_ops()
        if "subprocess" in self.enabled:
            self.wrap_popen()
        if "connect-any" in self.enabled:
            self.wrap_connect()


def install(environ: dict[str, str] | None = None) -> Simulation | None:
    """Install the simulation when ``WINCI_SIMULATE=1``; return it (None when off)."""
    env = os.environ if environ is None else environ
    if env.get(ENABLE_VAR) != "1":
        return None
    if "--list" in getattr(sys, "orig_argv", sys.argv):
        return None
    scope = _Scope(env.get(SCOPE_VAR, "").split(os.pathsep))
    disabled = [d for d in env.get(DISABLE_VAR, "").split(",") if d.strip()]
    sim = Simulation(_load_api(), disabled, scope, env.get(RECORD_VAR) or None)
    sim.install()
    return sim


def _chain_next_sitecustomize() -> None:
    """Run the sitecustomize this file shadows (Debian ships one), if there is one."""
    here = os.path.dirname(os.path.realpath(__file__))
    for entry in sys.path:
        folder = os.path.realpath(entry or os.curdir)
        candidate = os.path.join(folder, "sitecustomize.py")
        if folder != here and os.path.isfile(candidate):
            with builtins.open(candidate, "rb") as f:
                code = compile(f.read(), candidate, "exec")
            exec(code, {"__name__": "_winci_chained_sitecustomize", "__file__": candidate})
            return


if __name__ == "sitecustomize":
    SIMULATION = install()
    _chain_next_sitecustomize()
