"""WP1xx: the POSIX-only parts of ``os`` (fork, sessions, ids, wait...) and ``os.kill(pid, 0)``."""

from __future__ import annotations

import ast

from winci.portability.family import Kind, RuleFamily
from winci.portability.posix_api import (
    FIFO,
    FORK,
    IDS,
    KILLPG,
    OTHER_OS,
    OWNERSHIP,
    PROCESS_GROUPS,
    STATVFS,
    WAIT,
)

_OS_RULES: list[tuple[frozenset[str], str]] = [
    (FORK, "WP101"), (PROCESS_GROUPS, "WP102"), (KILLPG, "WP103"), (IDS, "WP104"),
    (OWNERSHIP, "WP105"), (WAIT, "WP106"), (STATVFS, "WP107"), (FIFO, "WP108"),
    (OTHER_OS, "WP109"),
]
#: POSIX-only ``os`` name -> the rule that reports it.
OS_RULE: dict[str, str] = {name: rid for names, rid in _OS_RULES for name in names}


class OsFunctions(RuleFamily):
    """``os.fork``, ``from os import setsid``, ``getattr(os, 'getuid')``; ``os.kill(pid, 0)``."""

    prefixes = ("WP1",)

    def check_module_attr(self, module: str, name: str, node: ast.AST, kind: Kind) -> None:
        if module == "os" and name in OS_RULE:
            self.walk.report(OS_RULE[name], node, f"os.{name}", kind=kind)

    def check_call(self, node: ast.Call, name: str | None) -> None:
        if name == "os.kill" and len(node.args) == 2 and isinstance(node.args[1], ast.Constant) \
                and node.args[1].value == 0:
            self.walk.report("WP110", node, "os.kill(pid, 0)")
