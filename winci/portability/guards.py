"""What a condition says about the platform: the guards the checker understands.

:func:`implies` answers, for a test expression, "if this is true, are we on POSIX or on
Windows?" and the same for "if this is false". Code that only runs when the answer is
POSIX is guarded and not reported. Understood:

- ``os.name == 'nt'`` / ``!= 'nt'`` / ``== 'posix'``, ``os.name in (...)``;
- ``sys.platform == 'win32'``, ``sys.platform.startswith('linux')``, ``in (...)``;
- ``platform.system() == 'Windows'``;
- ``hasattr(os, 'fork')`` and ``getattr(signal, 'SIGHUP', None)`` (feature checks);
- a POSIX-only module name bound by an import (``if fcntl:``, ``fcntl is not None``);
- module constants assigned from any of these (``IS_WINDOWS = os.name == 'nt'``) and,
  by name, constants imported from elsewhere (``IS_WINDOWS``, ``ON_POSIX``...);
- ``not``, ``and``, ``or`` combinations of the above.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Literal

from winci.portability.posix_api import (
    MISSING_SIGNALS,
    POSIX_MODULES,
    POSIX_ONLY_OS,
    SIGNAL_FUNCS,
)

Platform = Literal["posix", "windows"]
#: (what holds when the test is true, what holds when it is false); None: unknown.
Implication = tuple[Platform | None, Platform | None]

UNKNOWN: Implication = (None, None)
_WINDOWS_EXACT: Implication = ("windows", "posix")
_POSIX_EXACT: Implication = ("posix", "windows")
_POSIX_IF_TRUE: Implication = ("posix", None)

#: Conventional names of "are we on Windows" flags, compared without case and underscores.
WINDOWS_FLAG_NAMES = frozenset(
    {"iswindows", "onwindows", "iswin", "iswin32", "mswindows", "windows", "win32",
     "runningonwindows", "iswinplatform"}
)
POSIX_FLAG_NAMES = frozenset(
    {"isposix", "onposix", "posix", "islinux", "onlinux", "linux", "isunix", "unix"}
)
_WINDOWS_PLATFORM_VALUES = frozenset({"win32", "cygwin", "msys"})
_WINDOWS_SYSTEM_VALUES = frozenset({"windows"})
_POSIX_SYSTEM_VALUES = frozenset({"linux", "darwin", "freebsd", "openbsd", "netbsd", "sunos"})

#: Modules whose attributes differ between POSIX and Windows: hasattr() on them is a guard.
_FEATURE_MODULES = frozenset({"os", "signal", "posix", "socket", "select", "time", "errno",
                              "shutil", "subprocess"}) | POSIX_MODULES
POSIX_ONLY_NAMES = POSIX_ONLY_OS | MISSING_SIGNALS | SIGNAL_FUNCS

Resolver = Callable[[ast.expr], str | None]


def _swap(imp: Implication) -> Implication:
    return imp[1], imp[0]


def _agree(values: list[Platform | None]) -> Platform | None:
    """The one platform all values name, or None."""
    if values and all(v == values[0] for v in values):
        return values[0]
    return None


def _any(values: list[Platform | None]) -> Platform | None:
    """The platform any value names, or None when none or both are named."""
    named = {v for v in values if v is not None}
    return named.pop() if len(named) == 1 else None


def _flag_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _flag_name(node.func)
    return None


def _str_values(node: ast.expr) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        out = []
        for elt in node.elts:
            if not (isinstance(elt, ast.Constant) and isinstance(elt.value, str)):
                return None
            out.append(elt.value)
        return out
    return None


def _platform_of(subject: str, value: str) -> Implication:
    """What ``<subject> == value`` implies."""
    low = value.lower()
    if subject == "os.name":
        if low == "nt":
            return _WINDOWS_EXACT
        if low in ("posix", "java"):
            return _POSIX_EXACT
        return UNKNOWN
    if subject == "sys.platform":
        if low in _WINDOWS_PLATFORM_VALUES or low.startswith("win"):
            return _WINDOWS_EXACT
        return _POSIX_IF_TRUE
    if subject == "platform.system()":
        if low in _WINDOWS_SYSTEM_VALUES:
            return _WINDOWS_EXACT
        if low in _POSIX_SYSTEM_VALUES:
            return _POSIX_IF_TRUE
    return UNKNOWN


def _subject(node: ast.expr, resolve: Resolver) -> str | None:
    if isinstance(node, ast.Call) and not node.args and isinstance(node.func, ast.Attribute):
        if resolve(node.func) == "platform.system":
            return "platform.system()"
        return None
    qual = resolve(node)
    return qual if qual in ("os.name", "sys.platform") else None


def _compare(node: ast.Compare, resolve: Resolver, consts: Mapping[str, Implication]
             ) -> Implication:
    if len(node.ops) != 1:
        return UNKNOWN
    op, left, right = node.ops[0], node.left, node.comparators[0]
    if isinstance(op, ast.Is | ast.IsNot) and isinstance(right, ast.Constant) \
            and right.value is None:
        inner = implies(left, resolve, consts)
        return _swap(inner) if isinstance(op, ast.Is) else inner
    subject = _subject(left, resolve)
    values = _str_values(right)
    if subject is None:
        subject, values = _subject(right, resolve), _str_values(left)
    if subject is None or values is None:
        return UNKNOWN
    if isinstance(op, ast.Eq | ast.In):
        imps = [_platform_of(subject, v) for v in values]
        return _agree([i[0] for i in imps]), _agree([i[1] for i in imps])
    if isinstance(op, ast.NotEq | ast.NotIn):
        imps = [_platform_of(subject, v) for v in values]
        return _agree([i[1] for i in imps]), _agree([i[0] for i in imps])
    return UNKNOWN


def _call(node: ast.Call, resolve: Resolver) -> Implication:
    func = node.func
    if isinstance(func, ast.Name) and func.id in ("hasattr", "getattr") and len(node.args) >= 2:
        target = resolve(node.args[0])
        name = node.args[1].value if isinstance(node.args[1], ast.Constant) else None
        if target is not None and isinstance(name, str) and (
                target in _FEATURE_MODULES or name in POSIX_ONLY_NAMES):
            # A feature check on a platform module: true only where the POSIX feature exists.
            return _POSIX_IF_TRUE
        return UNKNOWN
    if isinstance(func, ast.Attribute) and func.attr == "startswith" and node.args:
        subject = resolve(func.value)
        values = _str_values(node.args[0])
        if subject == "sys.platform" and values:
            imps = [_platform_of(subject, v) for v in values]
            if all(i == _WINDOWS_EXACT for i in imps):
                return _WINDOWS_EXACT
            return _agree([i[0] for i in imps]), None
        return UNKNOWN
    name = _flag_name(func)
    if name is not None and not node.args:
        return _named_flag(name)
    return UNKNOWN


def _named_flag(name: str) -> Implication:
    key = name.lower().replace("_", "")
    if key in WINDOWS_FLAG_NAMES:
        return _WINDOWS_EXACT
    if key in POSIX_FLAG_NAMES:
        return _POSIX_EXACT
    return UNKNOWN


def implies(node: ast.expr, resolve: Resolver, consts: Mapping[str, Implication]
            ) -> Implication:
    """(platform when ``node`` is true, platform when it is false); None where unknown.

    ``resolve`` turns a name or attribute into its dotted import path (``os.name``);
    ``consts`` holds the module's own platform constants.
    """
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _swap(implies(node.operand, resolve, consts))
    if isinstance(node, ast.BoolOp):
        parts = [implies(v, resolve, consts) for v in node.values]
        if isinstance(node.op, ast.And):
            return _any([p[0] for p in parts]), _agree([p[1] for p in parts])
        return _agree([p[0] for p in parts]), _any([p[1] for p in parts])
    if isinstance(node, ast.Compare):
        return _compare(node, resolve, consts)
    if isinstance(node, ast.Call):
        return _call(node, resolve)
    if isinstance(node, ast.Name) and node.id in consts:
        return consts[node.id]
    if isinstance(node, ast.Attribute) and node.attr in consts:
        return consts[node.attr]  # self.WIN, cls.IS_WINDOWS: a class constant of this file
    if isinstance(node, ast.Name | ast.Attribute):
        qual = resolve(node)
        if qual is not None and qual.split(".")[0] in POSIX_MODULES:
            return _POSIX_IF_TRUE
        name = _flag_name(node)
        if name is not None:
            return _named_flag(name)
    return UNKNOWN
