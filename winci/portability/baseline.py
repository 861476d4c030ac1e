"""The per-rule baseline of ``docs/portability-baseline.md``: counts over source trees.

    python -m winci.portability.baseline [SRC_DIR]   # default /tmp/src

``SRC_DIR`` holds the unpacked sdists (``glance-33.0.0/`` ...). Prints the Markdown table.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from winci.portability.files import check_paths
from winci.portability.rules import RULES

#: (column title, package folder inside SRC_DIR)
PROJECTS: tuple[tuple[str, str], ...] = (
    ("Glance 33.0.0", "glance-33.0.0/glance"),
    ("glance_store 5.6.0", "glance_store-5.6.0/glance_store"),
    ("oslo.concurrency 7.6.1", "oslo_concurrency-7.6.1/oslo_concurrency"),
    ("oslo.log 8.3.0", "oslo_log-8.3.0/oslo_log"),
    ("Keystone 30.0.0", "keystone-30.0.0/keystone"),
)


def _is_test(path: str) -> bool:
    return "/tests/" in Path(path).as_posix()


def baseline_table(src: Path) -> str:
    """Markdown table: one row per rule, one column per project (all files, tests too)."""
    counts: list[Counter[str]] = []
    non_test: list[int] = []
    files: list[int] = []
    for _title, folder in PROJECTS:
        findings, nfiles = check_paths([src / folder])
        counts.append(Counter(f.rule for f in findings))
        non_test.append(sum(1 for f in findings if not _is_test(f.path)))
        files.append(nfiles)
    head = "| rule | severity | " + " | ".join(t for t, _ in PROJECTS) + " |"
    sep = "|---|---|" + "---:|" * len(PROJECTS)
    rows = [head, sep]
    for rid in sorted(RULES):
        if not any(c[rid] for c in counts):
            continue
        cells = " | ".join(str(c[rid]) for c in counts)
        rows.append(f"| {rid} | {RULES[rid].severity.label} | {cells} |")
    rows.append("| **total** | | " + " | ".join(f"**{sum(c.values())}**" for c in counts) + " |")
    rows.append("| outside `tests/` | | " + " | ".join(str(n) for n in non_test) + " |")
    rows.append("| files checked | | " + " | ".join(str(n) for n in files) + " |")
    return "\n".join(rows) + "\n"


def main(argv: list[str]) -> int:
    src = Path(argv[0]) if argv else Path("/tmp/src")
    missing = [folder for _t, folder in PROJECTS if not (src / folder).is_dir()]
    if missing:
        print(f"missing under {src}: {', '.join(missing)} (unpack the sdists there)",
              file=sys.stderr)
        return 2
    sys.stdout.write(baseline_table(src))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
