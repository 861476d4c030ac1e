"""Which files ``winci portability`` reads, and checking them in order."""

from __future__ import annotations

import fnmatch
import tokenize
from collections.abc import Iterable, Iterator
from pathlib import Path

from winci.errors import UsageError
from winci.portability.checker import check_source
from winci.portability.finding import Finding
from winci.portability.rules import RULES

#: Folders never descended into when a folder is given.
SKIP_DIRS = frozenset({"__pycache__", "node_modules", "build", "dist"})


def _excluded(path: Path, exclude: Iterable[str]) -> bool:
    text = path.as_posix()
    return any(fnmatch.fnmatch(text, pat) or fnmatch.fnmatch(path.name, pat) for pat in exclude)


def iter_python_files(paths: Iterable[Path], exclude: Iterable[str] = ()) -> Iterator[Path]:
    """``*.py`` files under the given folders (sorted), and the given files themselves.

    Hidden folders (``.venv``, ``.tox``, ``.git``) and :data:`SKIP_DIRS` are skipped.
    Raises :class:`UsageError` for a path that does not exist.
    """
    exclude = list(exclude)
    for root in paths:
        if not root.exists():
            raise UsageError(f"no such file or folder: {root}", "give a Python file or a folder")
        if root.is_file():
            if not _excluded(root, exclude):
                yield root
            continue
        stack = [root]
        while stack:
            folder = stack.pop()
            try:
                entries = sorted(folder.iterdir(), key=lambda p: p.name, reverse=True)
            except OSError as exc:
                raise UsageError(f"cannot read folder {folder}: {exc.strerror}",
                                 "check its permissions or --exclude it") from None
            for entry in entries:
                if entry.is_dir():
                    if not entry.name.startswith(".") and entry.name not in SKIP_DIRS \
                            and not _excluded(entry, exclude):
                        stack.append(entry)
            for entry in reversed(entries):
                if entry.suffix == ".py" and entry.is_file() and not _excluded(entry, exclude):
                    yield entry


def read_source(path: Path) -> str:
    """File text, decoded as Python does (coding cookie, UTF-8 by default)."""
    with tokenize.open(path) as fh:
        return fh.read()


def check_paths(paths: Iterable[Path], enabled: frozenset[str] | None = None,
                exclude: Iterable[str] = ()) -> tuple[list[Finding], int]:
    """Check every Python file under ``paths``: (findings sorted by place, files read)."""
    rules = enabled if enabled is not None else frozenset(RULES)
    findings: list[Finding] = []
    count = 0
    for path in iter_python_files(paths, exclude):
        count += 1
        try:
            source = read_source(path)
        except (OSError, SyntaxError, UnicodeDecodeError) as exc:
            if "WP000" in rules:
                spec = RULES["WP000"]
                findings.append(Finding("WP000", str(path), 1, 1, spec.severity,
                                        f"cannot read: {exc}", spec.fix))
            continue
        findings.extend(check_source(source, str(path), rules))
    findings.sort(key=lambda f: (f.path, f.line, f.col, f.rule))
    return findings, count
