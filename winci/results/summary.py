"""Classify a lane's tests and build its summary (``summary.json``'s model).

A failing test (``fail`` or ``uxsuccess``) counts as an unexpected failure unless
its id is on the lane's known-failure list or it passed its isolated retry
(flaky). Ids are matched with and without their ``[...]`` attribute suffix.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from winci.results.stream import FAILING, TestCase
from winci.runfolder import FailedTest, KnownFailure, LaneSummary, SkippedTest, SlowTest

SLOWEST = 20


@dataclass(frozen=True)
class Suite:
    """A test suite a lane runs beside others, counted apart (the tempest lane's
    ``tempest.api.image`` and ``glance_tempest_plugin``): the ids under ``prefix``."""

    name: str
    prefix: str


# what unittest names a class or module fixture that failed or skipped
_FIXTURE = re.compile(r"^\w+ \((?P<inner>[^)]+)\)$")
OTHER_SUITE = "other"


def suite_of(test_id: str, suites: Sequence[Suite]) -> str:
    """The name of the suite ``test_id`` belongs to (a fixture's id, ``setUpClass
    (tempest.api.image...)``, by the class it names); :data:`OTHER_SUITE` for none."""
    m = _FIXTURE.match(test_id)
    inner = m.group("inner") if m else test_id
    return next((s.name for s in suites if inner.startswith(s.prefix)), OTHER_SUITE)


def _lookup(case: TestCase, table: Mapping[str, str]) -> str | None:
    if case.test_id in table:
        return table[case.test_id]
    return table.get(case.base_id)


@dataclass
class LaneResults:
    """The tests of one lane, sorted into the groups a report shows."""

    lane: str
    cases: Sequence[TestCase]
    failures: list[TestCase] = field(default_factory=list)
    known: list[tuple[TestCase, str]] = field(default_factory=list)
    flaky: list[TestCase] = field(default_factory=list)
    skips: list[TestCase] = field(default_factory=list)
    passed: int = 0
    expected_failures: int = 0

    @classmethod
    def classify(cls, cases: Sequence[TestCase], *, lane: str,
                 known_failures: Mapping[str, str] | None = None,
                 flaky: Collection[str] = ()) -> LaneResults:
        known_failures = known_failures or {}
        flaky_ids = set(flaky)
        res = cls(lane=lane, cases=cases)
        for case in cases:
            if case.status in FAILING:
                if case.test_id in flaky_ids or case.base_id in flaky_ids:
                    res.flaky.append(case)
                    continue
                reason = _lookup(case, known_failures)
                if reason is not None:
                    res.known.append((case, reason))
                else:
                    res.failures.append(case)
            elif case.status == "skip":
                res.skips.append(case)
            else:
                res.passed += 1
                if case.status == "xfail":
                    res.expected_failures += 1
        return res

    @property
    def wall_s(self) -> float:
        starts = [c.start for c in self.cases if c.start is not None]
        stops = [c.stop for c in self.cases if c.stop is not None]
        if not starts or not stops:
            return 0.0
        return max(0.0, (max(stops) - min(starts)).total_seconds())

    def suite_counts(self, suites: Sequence[Suite]) -> dict[str, dict[str, int]]:
        """Per suite (in ``suites``' order, then :data:`OTHER_SUITE` if any test is in
        none): total, passed, failed, known_failures, flaky, skipped."""
        keys = ("total", "passed", "failed", "known_failures", "flaky", "skipped")
        counts = {s.name: dict.fromkeys(keys, 0) for s in suites}
        groups: list[tuple[str, Sequence[TestCase]]] = [
            ("failed", self.failures), ("known_failures", [c for c, _ in self.known]),
            ("flaky", self.flaky), ("skipped", self.skips)]
        unsorted = {id(c) for _, cases in groups for c in cases}
        groups.append(("passed", [c for c in self.cases if id(c) not in unsorted]))
        for key, cases in groups:
            for case in cases:
                entry = counts.setdefault(suite_of(case.test_id, suites),
                                          dict.fromkeys(keys, 0))
                entry[key] += 1
                entry["total"] += 1
        return counts

    def slowest(self, n: int = SLOWEST) -> list[TestCase]:
        return sorted(self.cases, key=lambda c: c.duration_s, reverse=True)[:n]

    def summary(self) -> LaneSummary:
        return LaneSummary(
            lane=self.lane, total=len(self.cases), passed=self.passed,
            failed=len(self.failures), known_failures=len(self.known), flaky=len(self.flaky),
            skipped=len(self.skips), expected_failures=self.expected_failures,
            duration_s=round(self.wall_s, 3),
            failures=[FailedTest(c.test_id, c.status, c.details, round(c.duration_s, 3))
                      for c in self.failures],
            known=[KnownFailure(c.test_id, reason) for c, reason in self.known],
            flaky_tests=[c.test_id for c in self.flaky],
            skips=[SkippedTest(c.test_id, c.details) for c in self.skips],
            slowest=[SlowTest(c.test_id, round(c.duration_s, 3)) for c in self.slowest()])
