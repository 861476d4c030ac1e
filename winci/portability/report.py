"""Output formats of ``winci portability``: text, JSON, SARIF 2.1.0 and per-rule counts."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from winci import __version__
from winci.portability.finding import Finding
from winci.portability.rules import RULES, Severity

FORMATS = ("text", "json", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def as_text(findings: Sequence[Finding], files: int) -> str:
    lines = [
        f"{f.path}:{f.line}:{f.col}: {f.rule} [{f.severity.label}] {f.message}\n"
        f"    fix: {f.fix}"
        for f in findings
    ]
    by_sev = Counter(f.severity for f in findings)
    if findings:
        parts = ", ".join(f"{by_sev[s]} {s.label}" for s in sorted(by_sev, reverse=True))
        lines.append(f"{len(findings)} finding(s) in {files} file(s): {parts}")
    else:
        lines.append(f"no findings in {files} file(s)")
    return "\n".join(lines) + "\n"


def as_json(findings: Sequence[Finding]) -> str:
    return json.dumps([f.as_dict() for f in findings], indent=2) + "\n"


def as_sarif(findings: Sequence[Finding]) -> str:
    """One SARIF 2.1.0 run: every rule in the driver, one result per finding."""
    rule_ids = sorted(RULES)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    rules = [
        {
            "id": rid,
            "name": RULES[rid].title,
            "shortDescription": {"text": RULES[rid].title},
            "help": {"text": f"Fix: {RULES[rid].fix}"},
            "defaultConfiguration": {"level": _SARIF_LEVEL[RULES[rid].severity]},
        }
        for rid in rule_ids
    ]
    results = [
        {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f"{f.message}. Fix: {f.fix}"},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(f.path)},
                    "region": {"startLine": f.line, "startColumn": f.col},
                }
            }],
        }
        for f in findings
    ]
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "winci-portability",
                "version": __version__,
                "rules": rules,
            }},
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2) + "\n"


def _uri(path: str) -> str:
    """An absolute path as a ``file:`` URI, a relative one with ``/`` separators."""
    p = Path(path)
    return p.as_uri() if p.is_absolute() else p.as_posix()


def render(findings: Sequence[Finding], files: int, fmt: str) -> str:
    if fmt == "json":
        return as_json(findings)
    if fmt == "sarif":
        return as_sarif(findings)
    return as_text(findings, files)


def rule_counts(findings: Sequence[Finding]) -> dict[str, int]:
    """Findings per rule id, every rule listed (zero included), in id order."""
    counts = Counter(f.rule for f in findings)
    return {rid: counts.get(rid, 0) for rid in sorted(RULES)}


def statistics(findings: Sequence[Finding]) -> str:
    rows = [f"{rid}  {n:5d}  {RULES[rid].title}" for rid, n in rule_counts(findings).items()
            if n]
    rows.append(f"total  {len(findings)}")
    return "\n".join(rows) + "\n"
