"""Prove the patch queue leaves Linux as it was: the same lanes with and without it.

Runs the lanes twice on the same Glance source, first upstream (``--no-patches``), then
with the Windows patch queue, and compares test by test. The queue passes when no test
is newly failing and none is newly skipped; the tests the queue itself adds are listed
separately (they must pass too).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from winci.history.views import Key, RunView, from_run_dir
from winci.lanes.base import LISTED_FILE
from winci.runs import RunOptions, RunResult, execute
from winci.ui import Progress, table


@dataclass
class LaneDiff:
    lane: str
    upstream_total: int = 0
    patched_total: int = 0
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    newly_failing: list[str] = field(default_factory=list)
    newly_skipped: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.newly_failing and not self.newly_skipped


Listing = dict[str, set[str]]  # lane -> every test id the suite has (LISTED_FILE)


def diff_views(upstream: RunView, patched: RunView, lanes: list[str],
               listed: tuple[Listing, Listing] | None = None) -> list[LaneDiff]:
    """Compare two runs' tests lane by lane (known failures and flaky tests excused).

    ``listed`` gives, per side, the suite as the lane listed it before running, for
    lanes whose stream can lack tests that never loaded (preflight): the totals and
    the tests added by the queue are then counted on the listing, not on the stream.
    """
    up_listed, pa_listed = listed or ({}, {})
    out = []
    for lane in lanes:
        up: dict[str, Any] = {k[1]: v for k, v in upstream.tests.items() if k[0] == lane}
        pa: dict[str, Any] = {k[1]: v for k, v in patched.tests.items() if k[0] == lane}
        up_ids = up.keys() | up_listed.get(lane, set())
        pa_ids = pa.keys() | pa_listed.get(lane, set())
        d = LaneDiff(lane, len(up_ids), len(pa_ids))
        d.added = sorted(pa_ids - up_ids)
        d.removed = sorted(up_ids - pa_ids)
        for test, new in sorted(pa.items()):
            old = up.get(test)
            if new.failing and (old is None or not old.failing):
                d.newly_failing.append(test)
            elif new.status == "skip" and old is not None and old.status != "skip":
                d.newly_skipped.append(test)
        out.append(d)
    return out


def read_listed(run_dir: Path) -> Listing:
    """The listings lanes wrote in a run folder (``<lane>/listed.txt``)."""
    out: Listing = {}
    for path in sorted(run_dir.glob(f"*/{LISTED_FILE}")):
        out[path.parent.name] = {line.strip() for line in
                                 path.read_text(encoding="utf-8").splitlines() if line.strip()}
    return out


def _keys(keys: list[Key]) -> list[str]:
    return [f"{lane}: {test}" for lane, test in keys]


def run_both(opts: RunOptions, out: Path, progress: Progress) -> tuple[RunResult, RunResult]:
    results = []
    for name, patches in (("upstream", False), ("patched", True)):
        progress.say(f"=== {name} run ({'with' if patches else 'without'} the patch queue)")
        one = RunOptions(**{**opts.__dict__, "patches": patches, "out": out / name,
                            "run_kind": f"queue-diff-{name}"})
        results.append(execute(one, progress))
    return results[0], results[1]


def report(diffs: list[LaneDiff], upstream: RunResult, patched: RunResult, out: Path) -> str:
    rows = [[d.lane, upstream.lanes[d.lane].verdict if d.lane in upstream.lanes else "-",
             patched.lanes[d.lane].verdict if d.lane in patched.lanes else "-",
             d.upstream_total, d.patched_total, len(d.added), len(d.newly_failing),
             len(d.newly_skipped)] for d in diffs]
    lines = [table(["lane", "upstream", "patched", "tests up", "tests patched",
                    "added by queue", "newly failing", "newly skipped"], rows)]
    for d in diffs:
        for title, ids in (("newly failing", d.newly_failing),
                           ("newly skipped", d.newly_skipped),
                           ("added by the queue", d.added)):
            if ids:
                lines.append(f"\n{d.lane}: {title} ({len(ids)}):")
                lines += [f"  {t}" for t in ids[:50]]
                if len(ids) > 50:
                    lines.append(f"  ... {len(ids) - 50} more in queue-diff.json")
    ok = all(d.clean for d in diffs)
    lines.append("\nqueue-diff: " + ("Linux behaviour unchanged (no test newly failing or "
                                     "newly skipped)" if ok else "the queue changes Linux "
                                     "behaviour"))
    (out / "queue-diff.json").write_text(json.dumps(
        {"clean": ok, "upstream_run": str(upstream.out_dir), "patched_run":
         str(patched.out_dir), "lanes": [d.__dict__ for d in diffs]}, indent=1),
        encoding="utf-8")
    return "\n".join(lines)


def queue_diff(opts: RunOptions, out: Path, progress: Progress | None = None) -> int:
    progress = progress or Progress()
    out.mkdir(parents=True, exist_ok=True)
    upstream, patched = run_both(opts, out, progress)
    if upstream.verdict.infra or patched.verdict.infra:
        print(f"queue-diff: cannot compare (upstream {upstream.verdict}, "
              f"patched {patched.verdict})")
        return 3
    diffs = diff_views(from_run_dir(upstream.out_dir), from_run_dir(patched.out_dir),
                       list(opts.lanes),
                       listed=(read_listed(upstream.out_dir), read_listed(patched.out_dir)))
    print(report(diffs, upstream, patched, out))
    return 0 if all(d.clean for d in diffs) else 1
