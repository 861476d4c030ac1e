"""The preflight lane: Glance's unit tests under a Windows *simulation* on Linux.

A start-up hook (:mod:`winci.simulate`) imposes the Windows behaviour that Linux can
emulate; what it cannot emulate is listed in the lane's output. This lane is a
simulation and is always called one: it never verifies Windows behaviour.
"""

from __future__ import annotations

import json
from pathlib import Path

from winci.lanes.base import LaneContext, Pass, stestr_pass
from winci.paths import venv_bin


def preflight_suite(ctx: LaneContext, stream: Path, ids: list[str] | None) -> Pass:
    from winci import simulate

    record_dir = ctx.out_dir / ("simulation-trips-retry" if ids is not None
                                else "simulation-trips")
    record_dir.mkdir(parents=True, exist_ok=True)
    env = {"OS_TEST_PATH": "./glance/tests/unit", "PYTHONHASHSEED": "0"}
    env.update(simulate.lane_env(record_dir))
    result = stestr_pass(ctx, stestr=venv_bin(ctx.glance_venv, "stestr"), cwd=ctx.glance_tree,
                         stream=stream, ids=ids,
                         run_args=["--test-path", "./glance/tests/unit", "--top-dir", "./",
                                   "run"],
                         env=env, label="stestr-preflight", test_filter=ctx.filter)
    if ids is None:
        grouped = simulate.collect(record_dir)
        (ctx.out_dir / "simulation.json").write_text(
            json.dumps({"simulation": True, "not_emulated": list(simulate.NOT_EMULATED),
                        "trips": grouped}, indent=1, default=str), encoding="utf-8")
    return result
