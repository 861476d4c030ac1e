"""winci report: regenerate the HTML, JUnit and summary.json of a stream or run folder."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "regenerate the HTML report, JUnit XML and summary.json from a subunit stream or run"
DESCRIPTION = """\
Regenerate testr_results.html, junit.xml and summary.json.

SOURCE is a subunit v2 stream, or a run folder written by `winci run` (every
<lane>/results.subunit in it). For a run folder the known failures and flaky tests
come from each lane's existing summary.json, so regenerating gives the same result.

Exit status: 0 (the reports are informational; see verdict.json for the verdict).
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path, metavar="SUBUNIT|RUN_DIR")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="write the reports here (default: beside the stream; for a run "
                             "folder, DIR/<lane>)")
    parser.add_argument("--lane", help="lane name for a single stream (default: its folder "
                                       "name when the file is results.subunit, else its stem)")


def run(args: argparse.Namespace) -> int:
    from winci.results import report  # subunit/testtools load only when the command runs

    for lane, where, s in report(args.source, args.out, lane=args.lane):
        print(f"{lane:<12} {s.total:>5} tests  {s.passed:>5} passed  "
              f"{s.failed:>3} failed  {s.known_failures:>3} known  {s.flaky:>3} flaky  "
              f"{s.skipped:>4} skipped  {s.duration_s:>8.1f} s  -> {where}")
    return 0
