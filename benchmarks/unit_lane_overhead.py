"""How much does winci add to the unit lane's wall time, once venvs are cached?

Runs, alternately and several times, on the same Glance work tree:

- bare:  ``stestr --test-path ./glance/tests/unit --top-dir ./ run --concurrency N``
         with the cached Glance venv, in the work tree winci prepared;
- winci: ``winci run unit --concurrency N`` (source resolution, sync, patch queue,
         stestr, the stream from its repository, known failures, flaky retry,
         reports, the history record).

Prints each time, the medians and their ratio, and the median of the rounds' own
ratios (each round a back-to-back pair, order alternating): on a machine whose load
changes, that paired figure is the one to read. Target: <= 1.10.

    .venv/bin/python benchmarks/unit_lane_overhead.py --rounds 7
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="winci-bench-"))
    winci = [sys.executable, "-m", "winci", "run", "unit", "--concurrency",
             str(args.concurrency)]
    # warm-up: builds/reuses the venvs and the work tree, and tells us where they are
    warm = tmp / "warm"
    subprocess.run([*winci, "--out", str(warm)], check=False, stdout=subprocess.DEVNULL)
    verdict = json.loads((warm / "verdict.json").read_text())
    print(f"warm-up run: {verdict['verdict']}", flush=True)
    # the lane's log starts with the exact stestr command and the work tree it ran in
    logs = (warm / "unit" / "logs" / "stestr-unit.log").read_text().splitlines()
    stestr = logs[0].split()[1]
    tree = Path(next(line.split(":", 1)[1].strip() for line in logs
                     if line.startswith("# cwd:")))
    if not tree.is_dir():
        print(f"the warm-up ran in a private work tree ({tree}), so another winci run holds "
              "the shared one: run the benchmark when no other winci run is going")
        return 2
    bare_cmd = [stestr, "--test-path", "./glance/tests/unit", "--top-dir", "./", "run",
                "--concurrency", str(args.concurrency)]
    bare: list[float] = []
    ours: list[float] = []
    for i in range(args.rounds):
        # each round is a pair run back to back, the order swapped every round, so that
        # a change of the machine's load hits both sides alike
        ours_cmd = [*winci, "--out", str(tmp / f"r{i}")]
        for side in (("bare", "ours") if i % 2 == 0 else ("ours", "bare")):
            if side == "bare":
                bare.append(timed(bare_cmd, cwd=tree))
            else:
                ours.append(timed(ours_cmd))
        print(f"round {i + 1}: bare stestr {bare[-1]:.1f}s, winci run unit {ours[-1]:.1f}s"
              f" (ratio {ours[-1] / bare[-1]:.3f})", flush=True)
    b, w = statistics.median(bare), statistics.median(ours)
    paired = statistics.median(o / r for o, r in zip(ours, bare, strict=True))
    print(f"\nmedian bare stestr: {b:.1f}s\nmedian winci run unit: {w:.1f}s\n"
          f"ratio of the medians: {w / b:.3f} (winci adds {w - b:+.1f}s)\n"
          f"median of the paired ratios: {paired:.3f} (target <= 1.10)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
