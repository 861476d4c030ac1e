"""What the repeats say about each test: a real failure, a flaky one, or passing here;
and the exit code of the whole reproduction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from winci.errors import EXIT_FAILURES, EXIT_INFRA, EXIT_OK
from winci.reproduce.build import Build
from winci.reproduce.plan import Plan
from winci.results import FAILING, parse_stream

REAL = "fails every time (real failure)"
FLAKY = "fails sometimes (flaky)"
PASSES = "passes here (environment-specific or fixed)"
NOT_RUN = "did not run here (see the run folders)"

PASSING = frozenset({"success", "xfail"})


def classify(runs: int, failed: int, passed: int) -> str:
    if runs == 0 or (failed == 0 and passed == 0):
        return NOT_RUN
    if failed == runs:
        return REAL
    if failed > 0:
        return FLAKY
    return PASSES


@dataclass
class TestRow:
    __test__ = False  # not a pytest test class

    lane: str
    test_id: str
    runs: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def classification(self) -> str:
        return classify(self.runs, self.failed, self.passed)

    def as_dict(self) -> dict[str, Any]:
        return {"lane": self.lane, "id": self.test_id, "runs": self.runs,
                "passed": self.passed, "failed": self.failed, "skipped": self.skipped,
                "classification": self.classification}


def tally(rows: Mapping[str, TestRow], stream: Path) -> None:
    """Count each wanted test's outcome in one repeat's stream."""
    if not stream.is_file():
        return
    for case in parse_stream(stream):
        row = rows.get(case.base_id)
        if row is None:
            continue
        if case.status in FAILING:
            row.runs, row.failed = row.runs + 1, row.failed + 1
        elif case.status in PASSING:
            row.runs, row.passed = row.runs + 1, row.passed + 1
        else:
            row.skipped += 1


@dataclass
class ReproduceResult:
    build: Build
    out_dir: Path
    plan: Plan
    rows: list[TestRow] = field(default_factory=list)
    run_dirs: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """1 when a test fails every time, 3 when no repeat could run at all, else 0."""
        if any(r.classification == REAL for r in self.rows):
            return EXIT_FAILURES
        if self.rows and all(r.runs == 0 for r in self.rows) and self.errors:
            return EXIT_INFRA
        return EXIT_OK
