"""How much does winci add to a lane's wall time, once environments are cached?

For the ``unit`` or the ``functional`` lane, runs alternately and several times, on the
same Glance work tree:

- bare:  ``stestr --test-path ./glance/tests/<lane> --top-dir ./ run --concurrency N``
         with the cached Glance venv, in the work tree winci prepared, with the
         environment the lane gives stestr (for ``functional``: oslo.db's opportunistic
         MySQL tests pointed at a private MariaDB started once, by winci's own
         adapter, with the same settings as a run's);
- winci: ``winci run <lane> --concurrency N`` (source resolution, sync, patch queue,
         for ``functional`` its own private MariaDB, stestr, the stream from its
         repository, known failures, flaky retry, reports, the history record).

Prints each pair, the medians and their ratio, the median of the rounds' own ratios
(each round a back-to-back pair, order alternating: on a machine whose load changes,
that paired figure is the one to read), and where winci's time went in its last round:
the run's phases (from its manifest) and the lane's summary (its tests' own summed
duration). Target: <= 1.10.

    .venv/bin/python benchmarks/lane_overhead.py --lane unit --rounds 7
    .venv/bin/python benchmarks/lane_overhead.py --lane functional --rounds 3
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from paired import paired_rounds, print_ratios, timed

from winci.procs import Runner
from winci.stack.mariadb import MariaDBServer

CITEST = ("openstack_citest", "openstack_citest")  # oslo.db's fixed test credentials


@contextlib.contextmanager
def citest_database(base: Path) -> Iterator[str]:
    """A private MariaDB on 127.0.0.1 with oslo.db's citest user, for the bare runs."""
    with Runner(base / "logs", run_id=f"bench-db-{os.getpid()}") as runner:
        server = MariaDBServer(runner, base / "mariadb")
        server.start()
        try:
            server.create_admin(*CITEST)
            yield server.url(*CITEST)
        finally:
            server.stop()


def bare_env(lane: str, tmp: Path, citest: str | None) -> dict[str, str]:
    """What the lane gives stestr (winci/lanes/glance_tests.py)."""
    env = {**os.environ, "OS_TEST_PATH": f"./glance/tests/{lane}", "PYTHONHASHSEED": "0",
           "OS_STDOUT_CAPTURE": "1", "OS_STDERR_CAPTURE": "1", "OS_LOG_CAPTURE": "1"}
    if citest:
        env["OS_TEST_DBAPI_ADMIN_CONNECTION"] = (
            f"sqlite:///{(tmp / 'placeholder.db').as_posix()};{citest}")
    return env


def where_it_went(run_dir: Path, lane: str) -> None:
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    phases = manifest.get("timings", {}).get("phases_s", {})
    elapsed = manifest.get("timings", {}).get("elapsed_s", 0.0)
    print(f"\nwhere winci's time went (last round, {elapsed:.1f}s from start to verdict):")
    for name, secs in phases.items():
        print(f"  {name:<28} {secs:7.1f}s")
    summary = json.loads((run_dir / lane / "summary.json").read_text(encoding="utf-8"))
    print(f"  lane summary: {summary.get('passed')} passed, {summary.get('failed')} failed,"
          f" {summary.get('known_failures')} known, {summary.get('flaky')} flaky;"
          f" stestr-reported duration {summary.get('duration_s')}s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lane", choices=("unit", "functional"), default="unit")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="winci-bench-"))
    winci = [sys.executable, "-m", "winci", "run", args.lane, "--concurrency",
             str(args.concurrency)]
    # warm-up: builds/reuses the venvs and the work tree, and tells us where they are
    warm = tmp / "warm"
    subprocess.run([*winci, "--out", str(warm)], check=False, stdout=subprocess.DEVNULL)
    verdict = json.loads((warm / "verdict.json").read_text())
    print(f"warm-up run: {verdict['verdict']}", flush=True)
    # the lane's log starts with the exact stestr command and the work tree it ran in
    logs = (warm / args.lane / "logs" / f"stestr-{args.lane}.log").read_text().splitlines()
    stestr = logs[0].split()[1]
    tree = Path(next(line.split(":", 1)[1].strip() for line in logs
                     if line.startswith("# cwd:")))
    if not tree.is_dir():
        print(f"the warm-up ran in a private work tree ({tree}), so another winci run holds "
              "the shared one: run the benchmark when no other winci run is going")
        return 2
    bare_cmd = [stestr, "--test-path", f"./glance/tests/{args.lane}", "--top-dir", "./",
                "run", "--concurrency", str(args.concurrency)]
    with contextlib.ExitStack() as stack:
        citest = (stack.enter_context(citest_database(tmp / "db"))
                  if args.lane == "functional" else None)
        env = bare_env(args.lane, tmp, citest)
        names = ("bare stestr", f"winci run {args.lane}")
        bare, ours = paired_rounds(args.rounds, names, (
            lambda i: timed(bare_cmd, cwd=tree, env=env)[0],
            lambda i: timed([*winci, "--out", str(tmp / f"r{i}")])[0]))
    print_ratios(names, bare, ours, target="<= 1.10")
    where_it_went(tmp / f"r{args.rounds - 1}", args.lane)
    return 0


if __name__ == "__main__":
    sys.exit(main())
