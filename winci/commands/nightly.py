"""winci nightly: the lanes against Glance master, stored in the history, with a trend report."""

from __future__ import annotations

import argparse

from winci.commands import _options as options

HELP = "nightly run: lanes against Glance master, history, trends and regressions (HTML)"
DESCRIPTION = """\
Run the lanes (default: unit functional tempest) against Glance's git master (or
--glance-ref, or any tree with --glance-src), store the run in the history as a
nightly, compare it with the previous nightly and write nightly-report.html (and
.json) beside the run: per lane a trend plot of passed, failed and duration over the
last --nights nightlies, and the regressions with the date each first failed.

When the git host (https://opendev.org/openstack/glance, or $WINCI_GLANCE_GIT_URL)
does not answer within 5 s and neither --glance-ref nor --glance-src is given, the
nightly runs the default Glance release from PyPI and says so in the output and the
report. --report-only writes the report from the history alone (into --out, default
winci-results/nightly-report).

Exit status: 0, 1 on a regression, 2 usage error, 3 when the run itself ended in
ERROR or PATCH_CONFLICT.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("lanes", nargs="*", metavar="LANE",
                        help="lanes to run (default: unit functional tempest; with "
                             "--report-only: every lane of the nightly runs)")
    src = parser.add_mutually_exclusive_group()
    options.glance_src(src, "a Glance tree or checkout to test instead of master")
    src.add_argument("--glance-ref", metavar="REF",
                     help="branch or tag of Glance's git to test (default: master when "
                          "reachable, else the PyPI release); an error when unreachable")
    parser.add_argument("--nights", type=int, default=14, metavar="N",
                        help="how many nightlies the trends and regressions look at "
                             "(default: 14)")
    options.history_url(parser)
    options.out(parser, "winci-results/<run-id>; with --report-only the report's folder")
    parser.add_argument("--report-only", action="store_true",
                        help="no run: write the report from the history")
    options.concurrency(parser)
    options.test_filter(parser)
    options.database(parser)
    options.no_patches(parser)


def run(args: argparse.Namespace) -> int:
    from winci.nightly.report import format_text
    from winci.nightly.run import NightlyOptions, nightly

    result = nightly(NightlyOptions(
        lanes=list(args.lanes), glance_src=args.glance_src, glance_ref=args.glance_ref,
        nights=args.nights, history_url=args.history_url, out=args.out,
        report_only=args.report_only, concurrency=args.concurrency, filter=args.filter,
        db=args.db, patches=args.patches))
    print()
    text = format_text(result.report)
    if text:
        print(text)
    for note in result.report.notes:
        print(f"note: {note}")
    print(f"nightly report: {result.report_path}")
    return result.exit_code
