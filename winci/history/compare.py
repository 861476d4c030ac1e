"""Compare two runs: new failures, fixed, still failing, flaky, biggest duration changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from winci.history.views import Key, RunView

TOP_DURATIONS = 15
#: duration changes smaller than this are noise, whatever their ratio
MIN_DELTA_S = 0.05


@dataclass
class Comparison:
    a: str
    b: str
    new_failures: list[Key] = field(default_factory=list)
    fixed: list[Key] = field(default_factory=list)
    still_failing: list[Key] = field(default_factory=list)
    flaky: list[Key] = field(default_factory=list)
    added: int = 0
    removed: int = 0
    #: (lane, test, seconds in A, seconds in B), the largest absolute changes first
    durations: list[tuple[str, str, float, float]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        def ids(keys: list[Key]) -> list[dict[str, str]]:
            return [{"lane": lane, "id": test} for lane, test in keys]

        return {
            "a": self.a, "b": self.b, "new_failures": ids(self.new_failures),
            "fixed": ids(self.fixed), "still_failing": ids(self.still_failing),
            "flaky": ids(self.flaky), "tests_added": self.added,
            "tests_removed": self.removed,
            "duration_changes": [
                {"lane": lane, "id": test, "a_s": round(da, 3), "b_s": round(db, 3),
                 "delta_s": round(db - da, 3)} for lane, test, da, db in self.durations],
        }


def compare(a: RunView, b: RunView, *, top: int = TOP_DURATIONS) -> Comparison:
    """What changed from run A (the baseline) to run B."""
    cmp = Comparison(a.ref, b.ref)
    cmp.added = len(b.tests.keys() - a.tests.keys())
    cmp.removed = len(a.tests.keys() - b.tests.keys())
    changes = []
    for key in sorted(a.tests.keys() | b.tests.keys()):
        old, new = a.tests.get(key), b.tests.get(key)
        was_failing = old is not None and old.failing
        if new is not None and new.flaky:
            cmp.flaky.append(key)
        elif new is not None and new.failing:
            (cmp.still_failing if was_failing else cmp.new_failures).append(key)
        elif was_failing and new is not None and new.passing:
            cmp.fixed.append(key)
        if old is not None and new is not None and old.passing and new.passing:
            delta = new.duration_s - old.duration_s
            if abs(delta) >= MIN_DELTA_S:
                changes.append((key[0], key[1], old.duration_s, new.duration_s))
    changes.sort(key=lambda c: abs(c[3] - c[2]), reverse=True)
    cmp.durations = changes[:top]
    return cmp


def format_text(cmp: Comparison) -> str:
    lines = [f"A: {cmp.a}", f"B: {cmp.b}",
             f"{len(cmp.new_failures)} new failures, {len(cmp.fixed)} fixed, "
             f"{len(cmp.still_failing)} still failing, {len(cmp.flaky)} flaky; "
             f"{cmp.added} tests added, {cmp.removed} removed"]
    for title, keys in (("New failures", cmp.new_failures), ("Fixed", cmp.fixed),
                        ("Still failing", cmp.still_failing), ("Flaky", cmp.flaky)):
        if keys:
            lines.append(f"\n{title} ({len(keys)}):")
            width = max(len(lane) for lane, _ in keys)
            lines.extend(f"  {lane:<{width}}  {test}" for lane, test in keys)
    if cmp.durations:
        lines.append(f"\nBiggest duration changes (top {len(cmp.durations)}):")
        lines.append(f"  {'A (s)':>9} {'B (s)':>9} {'change':>9}  test")
        lines.extend(f"  {da:>9.3f} {db:>9.3f} {db - da:>+9.3f}  {lane}: {test}"
                     for lane, test, da, db in cmp.durations)
    return "\n".join(lines)
