"""The preflight lane on real Glance tests: a simulation, grouped by behaviour."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.engine.test_lanes_integration import winci_run

pytestmark = pytest.mark.integration

FILTER = r"glance\.tests\.unit\.test_versions"


def test_simulation_only_failures_are_grouped_by_behaviour(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    res = winci_run(out, "preflight", "--no-patches", "--filter", FILTER)
    # Unpatched Glance: its unit test base imports os-brick, which calls
    # oslo.concurrency's execute at import time with preexec_fn (refused on Windows).
    assert res.returncode == 1, res.stdout[-3000:] + res.stderr[-2000:]
    assert "SIMULATION" in res.stdout
    report = json.loads((out / "preflight" / "simulation.json").read_text())
    assert report["simulation"] is True
    assert report["not_emulated"], "what cannot be emulated is listed"
    assert report["only_under_simulation_count"] > 0
    assert "subprocess" in report["only_under_simulation"]
    assert report["also_without_simulation"] == []
    summary = json.loads((out / "preflight" / "summary.json").read_text())
    assert summary["simulation"]["by_behaviour"]["subprocess"] > 0


def test_switching_the_behaviour_off_clears_it(tmp_path: Path) -> None:
    # Unpatched os-brick at import, as Windows CPython under Wine met it: execute() with
    # preexec_fn (subprocess), which runs `grep` (programs), then `import fcntl` in a
    # library (modules). Each behaviour switched off shows the next; all three, none.
    steps = [("subprocess", {"programs"}), ("subprocess,programs", {"modules"}),
             ("subprocess,programs,modules", set())]
    for i, (off, left) in enumerate(steps):
        out = tmp_path / f"off{i}"
        res = winci_run(out, "preflight", "--no-patches", "--filter", FILTER,
                        "--simulate-disable", off)
        assert res.returncode == (1 if left else 0), res.stdout[-3000:] + res.stderr[-2000:]
        report = json.loads((out / "preflight" / "simulation.json").read_text())
        assert sorted(report["simulated_behaviours_off"]) == sorted(off.split(","))
        assert set(report["only_under_simulation"]) == left
        assert (report["only_under_simulation_count"] > 0) == bool(left)


def test_unknown_behaviour_is_a_usage_error(tmp_path: Path) -> None:
    res = winci_run(tmp_path / "bad", "preflight", "--simulate-disable", "teleport")
    assert res.returncode == 2
    assert "unknown behaviour 'teleport'" in res.stderr
