"""One reported construct (:class:`Finding`), built the same way by every rule family."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from winci.portability.rules import RULES, Severity


@dataclass(frozen=True)
class Finding:
    """One reported construct. ``line`` and ``col`` are 1-based."""

    rule: str
    path: str
    line: int
    col: int
    severity: Severity
    message: str
    fix: str

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "severity": self.severity.label,
            "title": RULES[self.rule].title,
            "message": self.message,
            "fix": self.fix,
        }


def finding_at(rule: str, path: str, node: ast.AST, detail: str,
               fix: str | None = None) -> Finding:
    """The finding for ``rule`` at ``node``: ``"<detail>: <rule title>"``, the rule's fix
    unless ``fix`` is given."""
    spec = RULES[rule]
    return Finding(
        rule=rule, path=path, line=getattr(node, "lineno", 1),
        col=getattr(node, "col_offset", 0) + 1, severity=spec.severity,
        message=f"{detail}: {spec.title}", fix=fix or spec.fix,
    )
