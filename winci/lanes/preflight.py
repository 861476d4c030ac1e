"""The preflight lane: Glance's unit tests under a Windows *simulation* on Linux.

A start-up hook (:mod:`winci.simulate`) imposes the Windows behaviour that Linux can
emulate (POSIX-only functions, signals and modules gone, ``os.rename`` onto an existing
file fails, open files cannot be removed or renamed, ``subprocess`` rejects POSIX-only
arguments, ``0.0.0.0`` cannot be connected to). What it cannot emulate (``os.name``,
separators, drive letters, the real filesystem and process model) is listed in the
lane's output. This lane is a simulation and is always called one: it never verifies
Windows behaviour.

The tests that fail under the simulation are re-run once *without* it: those that pass
then fail only under simulation, and are reported grouped by the emulated behaviour
that tripped in them (the hook records every trip).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from winci.errors import InfraError, WinciError
from winci.lanes import knownfail
from winci.lanes.base import LISTED_FILE, LaneContext, LaneOutcome, Pass, stestr_pass
from winci.results import TestCase, write_lane_reports
from winci.results.stream import FAILING
from winci.runfolder import LaneFolder, Verdict
from winci.worktree.tree import tree_path_env

UNIT_PATH = "./glance/tests/unit"


def _stestr(ctx: LaneContext) -> str | os.PathLike[str]:
    # The simulation hooks this host's interpreter: the lane runs nowhere else.
    if ctx.executor.name != "local":
        raise InfraError("the preflight lane runs on this host", "use --backend local")
    return ctx.executor.program("stestr")


def _unit_pass(ctx: LaneContext, stream: Path, ids: list[str] | None,
               extra_env: dict[str, str], label: str, isolated: bool = True) -> Pass:
    env = {"OS_TEST_PATH": UNIT_PATH, "PYTHONHASHSEED": "0", **extra_env}
    return stestr_pass(ctx, stestr=_stestr(ctx), cwd=ctx.glance_tree,
                       stream=stream, ids=ids,
                       run_args=["--test-path", UNIT_PATH, "--top-dir", "./", "run"],
                       env=env, label=label, test_filter=ctx.filter, isolated=isolated)


def _listed(ctx: LaneContext) -> list[str]:
    """Every test id of the suite, listed without the simulation."""
    if not (ctx.glance_tree / ".stestr").is_dir():  # `stestr list` needs a repository
        ctx.runner.run([_stestr(ctx), "init"], name="stestr-init",
                       cwd=ctx.glance_tree, timeout=120)
    done = ctx.runner.run([_stestr(ctx), "--test-path", UNIT_PATH,
                           "--top-dir", "./", "list", *([ctx.filter] if ctx.filter else [])],
                          name="stestr-preflight-list", cwd=ctx.glance_tree, timeout=600,
                          extra_env={"OS_TEST_PATH": UNIT_PATH,
                                     **tree_path_env(ctx.glance_tree)})
    text = done.log.read_text(encoding="utf-8", errors="replace")
    return [line.strip() for line in text.splitlines()
            if line.startswith("glance.") and " " not in line.strip()]


def run_preflight(ctx: LaneContext) -> LaneOutcome:
    from winci import simulate

    started = time.monotonic()
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    ctx.progress.say("  preflight is a SIMULATION of Windows on Linux; not emulated: "
                     + "; ".join(simulate.NOT_EMULATED))
    if ctx.simulate_disabled:
        ctx.progress.say(f"  simulated behaviours switched off: "
                         f"{', '.join(sorted(ctx.simulate_disabled))}")
    record_dir = ctx.out_dir / "simulation-trips"
    try:
        listed = _listed(ctx)
        (ctx.out_dir / LISTED_FILE).write_text("".join(f"{t}\n" for t in listed),
                                               encoding="utf-8")
        # the hook first on the path, then the work tree (Glance), as every lane has it
        env = simulate.lane_env(record_dir, disabled=ctx.simulate_disabled,
                                scope=[ctx.glance_tree],
                                pythonpath=tree_path_env(ctx.glance_tree)["PYTHONPATH"])
        simulated = _unit_pass(ctx, ctx.out_dir / "results.subunit", None, env,
                               "stestr-preflight")
        # A module that fails to import under the simulation never reaches the stream:
        # its tests count as failed (attributed to the import-time trips).
        ran = {c.test_id for c in simulated.cases}
        missing = [t for t in listed if t not in ran]
        simulated.cases.extend(
            TestCase(t, "fail", details="did not run under the simulation: its module "
                     "failed to import (see simulation.json)") for t in missing)
        if missing:
            ctx.progress.say(f"  preflight: {len(missing)} test(s) never ran under the "
                             "simulation (import failed)")
        failed = [c.test_id for c in simulated.cases if c.status in FAILING]
        known = knownfail.match([*knownfail.load("preflight"), *knownfail.load("unit")],
                                failed)
        to_check = [t for t in failed if t not in known]
        plain_ok: set[str] = set()
        if to_check:
            ctx.progress.say(f"  preflight: re-running {len(to_check)} failed test(s) "
                             "without the simulation")
            plain = _unit_pass(ctx, ctx.out_dir / "without-simulation.subunit", to_check, {},
                               "stestr-preflight-plain", isolated=False)
            plain_ok = {c.test_id for c in plain.cases if c.status in ("success", "xfail")}
    except WinciError as exc:
        return LaneOutcome(ctx.name, Verdict.ERROR, None, time.monotonic() - started,
                           error=str(exc))
    only_sim = [t for t in to_check if t in plain_ok]
    collected = simulate.collect(record_dir)
    grouped = simulate.attribute_failures(collected, only_sim)
    summary = write_lane_reports(simulated.cases, ctx.out_dir, lane=ctx.name,
                                 known_failures=known,
                                 title="winci preflight lane (Windows SIMULATION on Linux)")
    report: dict[str, Any] = {
        "simulation": True,
        "not_emulated": list(simulate.NOT_EMULATED),
        "only_under_simulation": {b: sorted(ids) for b, ids in grouped.items()},
        "only_under_simulation_count": len(only_sim),
        "also_without_simulation": sorted(t for t in to_check if t not in plain_ok),
        "simulated_behaviours_off": sorted(ctx.simulate_disabled),
        "trips": collected,
    }
    (ctx.out_dir / "simulation.json").write_text(json.dumps(report, indent=1, default=str),
                                                 encoding="utf-8")
    simulation = {k: report[k] for k in ("only_under_simulation_count", "not_emulated")}
    simulation["by_behaviour"] = {b: len(v) for b, v in grouped.items()}
    summary.extra["simulation"] = simulation
    LaneFolder(ctx.out_dir).write_summary(summary)
    for behaviour, ids in sorted(grouped.items(), key=lambda kv: -len(kv[1])):
        ctx.progress.say(f"  simulated {behaviour}: {len(ids)} test(s) fail only under "
                         "simulation")
    duration = time.monotonic() - started
    if not simulated.cases:
        return LaneOutcome(ctx.name, Verdict.FAILURE, summary, duration,
                           error="no test results under simulation")
    return LaneOutcome(ctx.name, Verdict.FAILURE if summary.failed else Verdict.SUCCESS,
                       summary, duration)
