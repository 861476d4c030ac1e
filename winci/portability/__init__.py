"""``winci portability``: a static checker for POSIX habits that break Python on Windows.

Public API: :func:`check_paths` (files and folders to findings), :data:`RULES` and the
output formats in :mod:`winci.portability.report`. See docs/portability.md.
"""

from __future__ import annotations

from winci.portability.checker import check_source
from winci.portability.files import check_paths, iter_python_files
from winci.portability.finding import Finding
from winci.portability.rules import RULES, Rule, Severity, select_rules

__all__ = [
    "RULES",
    "Finding",
    "Rule",
    "Severity",
    "check_paths",
    "check_source",
    "iter_python_files",
    "select_rules",
]
