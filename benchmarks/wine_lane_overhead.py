"""How much slower is the unit lane under Windows CPython under Wine than on Linux, and
where does the time go?

Both on the same Glance work tree, with cached environments:

- linux: ``winci run unit --concurrency N``
- wine:  ``winci run unit --platform wine --concurrency N`` (stestr and its workers
         under python.org's embeddable Windows CPython, run by Wine)

Each round is a back-to-back pair, the order swapped every round (so a change of the
machine's load hits both alike); prints each round, the medians, their ratio and the
median of the paired ratios. Then, measured outside the runs on the same tree and
environments, where the time goes:

- interpreter start-up: ``python -c pass`` (the Glance venv's python vs the Windows
  environment's python.exe under Wine, with the session's wineserver running, as in
  a run);
- test discovery: ``stestr --test-path ./glance/tests/unit --top-dir ./ list``;
- the tests: the lane's time minus discovery, and each run's set-up phases (from its
  manifest).

    .venv/bin/python benchmarks/wine_lane_overhead.py --rounds 3

Results are "Windows CPython under Wine", not Windows.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from paired import paired_rounds, print_ratios, timed

from winci.platforms.wine.prefix import to_windows_path
from winci.platforms.wine.provision import open_wine
from winci.procs import Runner
from winci.worktree.tree import tree_path_env

LANES = {"linux": ("unit", "stestr-unit"), "wine": ("unit@wine", "stestr-unit-wine")}


def median_of(runs: int, cmd: Sequence[str | os.PathLike[str]], **kw: object) -> float:
    return statistics.median(timed(cmd, **kw)[0] for _ in range(runs))  # type: ignore[arg-type]


def run_facts(out: Path, platform: str) -> dict[str, object]:
    """From a finished run folder: its verdict, the lane's counts and time, the set-up
    phases, and the stestr command and work tree its lane log starts with."""
    lane, log_name = LANES[platform]
    verdict = json.loads((out / "verdict.json").read_text(encoding="utf-8"))
    phases = json.loads((out / "manifest.json").read_text(encoding="utf-8")).get(
        "timings", {}).get("phases_s", {})
    lanes = verdict.get("lanes", {})  # lane id -> its verdict and counts
    lines = (out / lane / "logs" / f"{log_name}.log").read_text(
        encoding="utf-8", errors="replace").splitlines()
    command = lines[0].removeprefix("$ ").split()
    cwd = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("# cwd:"))
    stestr = command[1] if platform == "wine" else command[0]  # wine64 <stestr.exe> ...
    return {"verdict": verdict.get("verdict"), "lane": lanes.get(lane, {}),
            "phases": phases, "stestr": Path(stestr), "tree": Path(cwd)}


def where_the_time_goes(linux: dict[str, object], wine: dict[str, object], *,
                        runs: int, tmp: Path) -> None:
    tree = linux["tree"]
    assert isinstance(tree, Path)
    if wine["tree"] != tree:
        print(f"note: the runs used different work trees ({tree}, {wine['tree']})")
    native_stestr, wine_stestr = linux["stestr"], wine["stestr"]
    assert isinstance(native_stestr, Path) and isinstance(wine_stestr, Path)
    native_python = native_stestr.parent / "python"
    windows_env = wine_stestr.parent.parent
    listing = ["--test-path", "./glance/tests/unit", "--top-dir", "./", "list"]
    native_env = {**os.environ, **tree_path_env(tree)}
    start_native = median_of(runs, [native_python, "-c", "pass"])
    list_native, code_native = timed([native_stestr, *listing], cwd=tree, env=native_env)
    with Runner(tmp / "wine-logs", run_id=f"bench-wine-{os.getpid()}") as runner, \
            open_wine(runner, tmp / "wine-private") as platform:
        wine_env = {**os.environ, **platform.session.env,
                    **tree_path_env(tree, "", windows_path=to_windows_path)}
        wine_cmd = [os.fspath(platform.tools.wine)]
        start_wine = median_of(runs, [*wine_cmd, windows_env / "python.exe", "-c", "pass"],
                               env=wine_env)
        list_wine, code_wine = timed([*wine_cmd, wine_stestr, *listing], cwd=tree,
                                     env=wine_env)
    print("\nwhere the time goes (outside the runs, same tree and environments):")
    print(f"  interpreter start-up (python -c pass, median of {runs}): "
          f"Linux {start_native * 1000:.0f} ms, Wine {start_wine * 1000:.0f} ms "
          f"(x{start_wine / start_native:.1f})")
    print(f"  test discovery (stestr list): Linux {list_native:.1f}s (exit {code_native}), "
          f"Wine {list_wine:.1f}s (exit {code_wine})"
          + ("  <- discovery failed under Wine: see the wine run's lane log"
             if code_wine != 0 else ""))
    for name, facts, discovery, code in (("Linux", linux, list_native, code_native),
                                         ("Wine", wine, list_wine, code_wine)):
        lane = facts["lane"]
        phases = facts["phases"]
        assert isinstance(lane, dict) and isinstance(phases, dict)
        lane_s = next((v for k, v in phases.items() if k.startswith("lane ")), None)
        counts = {k: lane.get(k) for k in ("passed", "failed", "skipped") if k in lane}
        tests = (f"{lane_s - discovery:.1f}s" if lane_s is not None and code == 0
                 else "n/a (no discovery)")
        print(f"  {name}: lane {lane.get('verdict')} {counts}, lane {lane_s}s, "
              f"tests (lane - discovery) ~{tests}")
        setup = {k: round(v, 1) for k, v in phases.items() if not k.startswith("lane ")}
        print(f"    set-up phases: {setup}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--start-ups", type=int, default=5,
                        help="interpreter start-ups timed per side (their median)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="winci-bench-wine-"))
    base = [sys.executable, "-m", "winci", "run", "unit", "--concurrency",
            str(args.concurrency)]
    commands = {"linux": base, "wine": [*base, "--platform", "wine"]}
    # warm-up: builds/reuses the environments and the work tree, and says where they are
    facts: dict[str, dict[str, object]] = {}
    for platform, cmd in commands.items():
        out = tmp / f"warm-{platform}"
        subprocess.run([*cmd, "--out", str(out)], check=False, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        facts[platform] = run_facts(out, platform)
        print(f"warm-up {platform}: {facts[platform]['verdict']}", flush=True)
    tree = facts["linux"]["tree"]
    assert isinstance(tree, Path)
    if not tree.is_dir():
        print(f"the warm-up ran in a private work tree ({tree}), so another winci run holds "
              "the shared one: run the benchmark when no other winci run is going")
        return 2

    def side(platform: str) -> Callable[[int], float]:
        def run(i: int) -> float:
            out = tmp / f"r{i}-{platform}"
            seconds = timed([*commands[platform], "--out", str(out)])[0]
            facts[platform] = run_facts(out, platform)
            return seconds
        return run

    names = ("winci run unit (Linux)", "winci run unit --platform wine")
    linux, wine = paired_rounds(args.rounds, names, (side("linux"), side("wine")))
    print_ratios(names, linux, wine, target="<= 6", adds="Wine adds")
    where_the_time_goes(facts["linux"], facts["wine"], runs=args.start_ups, tmp=tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
