"""Is a library's import of a POSIX-only module one Windows would run too?

A library (outside the scope, not the standard library) that imports ``fcntl`` at the top
of a module, unguarded, fails to import on Windows, and so does whatever imports it:
os-brick's ``privileged/scaleio.py`` (``from fcntl import ioctl``) took Glance's unit
test base down through glance_store's cinder driver. But a library's platform branch is
its own business (fasteners: ``if os.name == 'nt': import msvcrt`` / ``else: import
fcntl``; psutil: ``if LINUX: from . import _pslinux``, which imports ``resource``): under
the simulation ``os.name`` is still ``'posix'``, so the branch Windows would not take is
taken here.

So the import is held to Windows rules only where Windows would run it too: it is an
import statement at the top of its module, not inside an ``if``, a ``try`` that catches
ImportError, a function or a class; and every library frame between it and the code under
test is on a line outside any condition (``if``/``elif``/``else``, ``while``, ``match``,
an ``except`` clause, a ``try`` that catches ImportError). Those frames may be functions:
os-brick's ``connector.py`` imports its connectors through ``importutils.import_class()``
in a loop its module runs at import. Both are decided from the files' syntax trees,
parsed once per file. A platform choice made through data (``import_module(NAMES[os.name])``)
is not seen.
"""

from __future__ import annotations

import ast
import io
from types import FrameType

from .scope import Scope

#: Exceptions whose handler makes the imports in a ``try`` body conditional.
_IMPORT_GUARDS = frozenset({"ImportError", "ModuleNotFoundError", "Exception",
                            "BaseException"})


def _catches_import_error(node: ast.Try) -> bool:
    for handler in node.handlers:
        kinds = handler.type
        if kinds is None:
            return True
        names = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
        for name in names:
            if isinstance(name, ast.Name) and name.id in _IMPORT_GUARDS:
                return True
            if isinstance(name, ast.Attribute) and name.attr in _IMPORT_GUARDS:
                return True
    return False


def _collect(body: list[ast.stmt], lines: set[int]) -> None:
    """The lines of the import statements of ``body`` that always run with it."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        elif isinstance(node, ast.With):
            _collect(node.body, lines)
        elif isinstance(node, ast.Try):
            if not _catches_import_error(node):
                _collect(node.body, lines)
            _collect(node.orelse, lines)  # runs when the body raised nothing
            _collect(node.finalbody, lines)


def _span(body: list[ast.stmt], lines: set[int]) -> None:
    for node in body:
        lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))


def _conditional(tree: ast.AST) -> set[int]:
    """The lines of ``tree`` that run only under a condition."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If | ast.While):
            _span(node.body, lines)
            _span(node.orelse, lines)
        elif isinstance(node, ast.Try):
            if _catches_import_error(node):
                _span(node.body, lines)
            for handler in node.handlers:
                _span(handler.body, lines)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                _span(case.body, lines)
    return lines


def import_facts(source: bytes, filename: str) -> tuple[frozenset[int], frozenset[int]]:
    """Of ``source``: the lines of the import statements its module always runs, and the
    lines that run only under a condition."""
    try:
        tree = ast.parse(source, filename)
    except (SyntaxError, ValueError):
        return frozenset(), frozenset()
    top: set[int] = set()
    _collect(tree.body, top)
    return frozenset(top), frozenset(_conditional(tree))


def unconditional_import_lines(source: bytes, filename: str) -> frozenset[int]:
    """Lines of ``source`` holding an import statement its module always runs."""
    return import_facts(source, filename)[0]


class ImportChain:
    """Decides, per import of a POSIX-only module by a library, whether Windows would
    run it (see the module's description). Files are parsed once."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self._facts: dict[str, tuple[frozenset[int], frozenset[int]]] = {}

    def _file(self, filename: str) -> tuple[frozenset[int], frozenset[int]]:
        facts = self._facts.get(filename)
        if facts is None:
            try:
                with io.open_code(filename) as f:  # not open(): the open-file table
                    source = f.read()
            except (OSError, ValueError):
                source = b""
            facts = self._facts[filename] = import_facts(source, filename)
        return facts

    def windows_would_run(self, importer: FrameType) -> FrameType | None:
        """``importer`` (a library frame importing a POSIX-only module): the in-scope
        frame that reached it without a condition, else None."""
        code = importer.f_code
        if code.co_name != "<module>" or importer.f_lineno not in self._file(
                code.co_filename)[0]:
            return None
        frame = importer.f_back
        while frame is not None:
            filename = frame.f_code.co_filename
            if self.scope.contains(filename):
                return frame
            if not self.scope.is_plumbing(filename) and (
                    frame.f_lineno in self._file(filename)[1]):
                return None
            frame = frame.f_back
        return None
