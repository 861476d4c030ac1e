"""``winci queue-diff``: the lanes with and without the patch queue, compared."""

from __future__ import annotations

import argparse
from pathlib import Path

from winci.commands.run import add_arguments as add_run_arguments
from winci.lanes.base import DEFAULT_LANES
from winci.runs import RunOptions, new_run_id

HELP = "run the lanes with and without the Windows patch queue and diff the results"
DESCRIPTION = """\
Proves that the patch queue leaves Linux behaviour unchanged: runs the lanes on the same
Glance source upstream (--no-patches), then with the queue, and lists per lane the tests
newly failing, newly skipped, and added by the queue. Exit 0 when nothing is newly
failing or skipped, 1 when something is, 3 when a run could not be made.
Results: <out>/upstream/, <out>/patched/ and <out>/queue-diff.json.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_run_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from winci.patches.queue_diff import queue_diff

    out = args.out or Path("winci-results") / f"queue-diff-{new_run_id()}"
    opts = RunOptions(lanes=list(args.lanes) or list(DEFAULT_LANES), glance_src=args.glance_src,
                      concurrency=args.concurrency, filter=args.filter, db=args.db,
                      retry_failures=args.retry_failures, lane_timeout=args.lane_timeout,
                      constraints=args.constraints, history=args.history,
                      history_url=args.history_url)
    return queue_diff(opts, out)
