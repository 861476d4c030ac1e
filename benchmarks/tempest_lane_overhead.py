"""How much does winci add to the tempest lane's wall time, against a kept stack?

Brings a stack up once (``winci run tempest --keep``: also the warm-up, which builds or
reuses the venvs and leaves tempest's workspace and its stestr timing data), then runs,
alternately and several times, against that same stack and in that same workspace:

- bare:  ``tempest run --regex '<the lane's regex>' --concurrency N`` in the kept run's
         tempest workspace (``tempest init``'s, with the tempest.conf winci rendered);
- winci: ``winci run --stack RUN_ID --concurrency N`` (source resolution, the work tree
         check, the tempest venv check, the workspace's tempest.conf, the stack's health,
         stestr, the stream from its repository, known failures, flaky retry, reports,
         the history record).

Prints each time, the medians and their ratio, and the median of the rounds' own
ratios (each round a back-to-back pair, order alternating): on a machine whose load
changes, that paired figure is the one to read. Target: <= 1.15. Then where winci's
time went, from its runs' manifests (``timings``) and stestr's own account of its run
("Ran: N tests in S sec."), and finally ``winci down`` ends the stack.

    .venv/bin/python benchmarks/tempest_lane_overhead.py --rounds 5
    .venv/bin/python benchmarks/tempest_lane_overhead.py --rounds 3 --platform wine
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from paired import paired_rounds, print_ratios, timed

from winci.host.paths import cache_dir
from winci.lanes.tempest import LANE_REGEX


def stestr_seconds(log: Path) -> float | None:
    """stestr's own account of its run: first test start to last test end."""
    m = re.search(r"^Ran: \d+ tests in ([\d.]+) sec", log.read_text(errors="replace"), re.M)
    return float(m.group(1)) if m else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--platform", choices=("linux", "wine"), default="linux")
    parser.add_argument("--filter", default=LANE_REGEX,
                        help="the tests both sides run (default: the lane's own regex)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="winci-bench-tempest-"))
    winci = [sys.executable, "-m", "winci", "run", "--concurrency", str(args.concurrency),
             "--filter", args.filter]
    lane = "tempest" if args.platform == "linux" else f"tempest@{args.platform}"
    keep = tmp / "keep"
    print(f"bringing the stack up (winci run {lane} --keep) ...", flush=True)
    subprocess.run([*winci, lane, "--keep", "--out", str(keep)], check=False,
                   stdout=subprocess.DEVNULL)
    run_id = json.loads((keep / "manifest.json").read_text())["run_id"]
    verdict = json.loads((keep / "verdict.json").read_text())
    print(f"warm-up run {run_id}: {verdict['verdict']}", flush=True)
    try:
        if verdict["verdict"] != "SUCCESS":
            print(f"the warm-up did not succeed: see {keep}")
            return 2
        # the lane's log starts with the exact stestr command; tempest is beside it
        first = (keep / lane / "logs" / "tempest.log").read_text().splitlines()[0]
        tempest = str(Path(first.split()[1]).with_name("tempest"))
        workspace = cache_dir() / "runs" / run_id / "tempest-workspace"
        bare_cmd = [tempest, "run", "--regex", args.filter, "--concurrency",
                    str(args.concurrency)]
        outs = [tmp / f"r{i}" for i in range(args.rounds)]
        names = ("bare tempest run", "winci run --stack")
        bare, ours = paired_rounds(args.rounds, names, (
            lambda i: timed(bare_cmd, cwd=workspace)[0],
            lambda i: timed([*winci, "--stack", run_id, "--out", str(outs[i])])[0]))
        print_ratios(names, bare, ours, target="<= 1.15")
        where(outs, lane)
    finally:
        subprocess.run([sys.executable, "-m", "winci", "down", "--run-id", run_id],
                       check=False, stdout=subprocess.DEVNULL)
    return 0


def where(outs: list[Path], lane: str) -> None:
    """Medians over winci's runs: its phases, and the lane beside stestr's own time."""
    phases: dict[str, list[float]] = {}
    inside: list[float] = []
    for out in outs:
        timings = json.loads((out / "manifest.json").read_text())["timings"]
        for name, seconds in timings["phases_s"].items():
            phases.setdefault(name, []).append(seconds)
        phases.setdefault("(whole run)", []).append(timings["elapsed_s"])
        ran = stestr_seconds(out / lane / "logs" / "tempest.log")
        if ran is not None:
            inside.append(ran)
    print("\nwhere winci's time went (medians):")
    for name, values in phases.items():
        print(f"  {name:40} {statistics.median(values):7.2f}s")
    if inside:
        print(f"  {'stestr: first test start to last end':40} {statistics.median(inside):7.2f}s")


if __name__ == "__main__":
    sys.exit(main())
