"""What a reproduction leaves: ``reproduce.json`` and the table on the terminal."""

from __future__ import annotations

import json
from pathlib import Path

from winci import __version__
from winci.reproduce.classify import ReproduceResult
from winci.reproduce.plan import current_queue_hash
from winci.ui import table


def write_json(result: ReproduceResult) -> Path:
    b = result.build
    data = {
        "source": b.source,
        "build": {k: b.zuul_value(k) for k in ("project", "change", "patchset", "ref", "job",
                                               "pipeline", "build")}
        | {"winci_version": b.manifest.winci_version, "queue_hash": b.queue_hash,
           "glance": b.manifest.glance.to_dict() if b.manifest.glance else {},
           "verdict": b.verdict.verdict if b.verdict else None},
        "here": {"winci_version": __version__, "queue_hash": current_queue_hash(),
                 "glance_src": str(result.plan.glance_src) if result.plan.glance_src else None},
        "warnings": result.plan.warnings, "errors": result.errors,
        "runs": [str(p) for p in result.run_dirs],
        "tests": [r.as_dict() for r in result.rows],
    }
    path = result.out_dir / "reproduce.json"
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def format_table(result: ReproduceResult) -> str:
    rows = [[r.lane, r.test_id, r.runs, r.passed, r.failed, r.classification]
            for r in result.rows]
    lines = [table(["lane", "test", "runs", "passed", "failed", "classification"], rows)]
    lines.extend(f"warning: {w}" for w in result.plan.warnings)
    lines.extend(f"error: {e}" for e in result.errors)
    lines.append(f"results: {result.out_dir}")
    return "\n".join(lines)
