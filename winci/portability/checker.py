"""Check one file's text: the guard-aware walk with every rule family registered.

The walk and its guards are :mod:`winci.portability.walker`; what each rule looks for is
in :mod:`winci.portability.families` (one module per rule id family, WP1xx .. WP8xx).
"""

from __future__ import annotations

import ast

from winci.portability.families import FAMILIES
from winci.portability.finding import Finding
from winci.portability.rules import RULES
from winci.portability.walker import GuardedWalker

__all__ = ["Finding", "check_source"]


def check_source(source: str, path: str, enabled: frozenset[str]) -> list[Finding]:
    """Findings for one file's text (a parse failure is finding WP000)."""
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        spec = RULES["WP000"]
        if "WP000" not in enabled:
            return []
        line = getattr(exc, "lineno", None) or 1
        return [Finding("WP000", path, line, 1, spec.severity,
                        f"{type(exc).__name__}: {getattr(exc, 'msg', exc)}", spec.fix)]
    try:
        return GuardedWalker(path, source, tree, enabled, FAMILIES).check()
    except RecursionError:
        if "WP000" not in enabled:
            return []
        spec = RULES["WP000"]
        return [Finding("WP000", path, 1, 1, spec.severity,
                        "nested too deeply to check", "split the deeply nested expression")]
