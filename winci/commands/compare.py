"""winci compare: what changed between two runs (run folders or history ids)."""

from __future__ import annotations

import argparse
import json

URL_ENV = "WINCI_HISTORY_URL"  # winci.history (SQLAlchemy) loads only when the command runs

HELP = "compare two runs: new failures, fixed, still failing, flaky, duration changes"
DESCRIPTION = f"""\
A and B are run folders written by `winci run`, or runs in the history (the id
`winci history list` shows, or the run id). A is the baseline.

Exit status: 0 (informational), or 1 with --fail-on-new when B has failures that A
did not have. History URL: --db-url, ${URL_ENV}, else the SQLite file in the cache.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("a", metavar="A", help="baseline: run folder or history id")
    parser.add_argument("b", metavar="B", help="run folder or history id")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--top", type=int, default=15,
                        help="how many duration changes to show (default: 15)")
    parser.add_argument("--fail-on-new", action="store_true",
                        help="exit 1 when B has new failures")
    parser.add_argument("--db-url", metavar="URL", help="SQLAlchemy URL of the history")


def run(args: argparse.Namespace) -> int:
    from winci.history import compare, format_text, load

    cmp = compare(load(args.a, args.db_url), load(args.b, args.db_url), top=args.top)
    if args.format == "json":
        print(json.dumps(cmp.to_json(), indent=1))
    else:
        print(format_text(cmp))
    return 1 if args.fail_on_new and cmp.new_failures else 0
