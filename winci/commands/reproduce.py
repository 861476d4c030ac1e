"""winci reproduce: re-run a CI build's failed tests here: a real failure or a flaky one?"""

from __future__ import annotations

import argparse

from winci.commands import _options as options

HELP = "re-run a Zuul build's failed tests here, N times: real failure or flaky?"
DESCRIPTION = """\
SOURCE is a Zuul build's log URL or a downloaded copy of its log folder:

  <log root>/zuul-info/inventory.yaml      change, patchset, ref, project, job
  <log root>/winci-run/manifest.json       winci version, Glance source, patch queue
  <log root>/winci-run/verdict.json
  <log root>/winci-run/<lane>/summary.json, results.subunit

(or the winci-run folder itself). winci reads which tests failed, rebuilds that
environment here (the same Glance release, or --glance-src with the change's tree;
it warns when the patch queue or winci version differ), and re-runs only those tests
--repeat times. From a URL, the files are downloaded into <out>/build/ first; a
downloaded folder works offline.

Each test is classified: fails every time (real failure), fails sometimes (flaky),
passes here (environment-specific or fixed). Exit status: 1 when a test fails every
time, 3 when no repeat could run at all, else 0.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE",
                        help="a Zuul build's log URL, or a downloaded log folder")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="how many times to run the failed tests (default: 3)")
    options.glance_src(parser, "the Glance tree to test (needed when the build tested a "
                               "change's tree rather than a PyPI release)")
    parser.add_argument("--lane", metavar="LANE",
                        help="only this lane (default: every lane with failures)")
    options.out(parser, "winci-results/reproduce-<time>")
    parser.add_argument("--include-flaky", action="store_true",
                        help="also re-run the tests the build found flaky")
    options.concurrency(parser, per="repeat")


def run(args: argparse.Namespace) -> int:
    from winci.reproduce import ReproduceOptions, format_table, reproduce

    result = reproduce(ReproduceOptions(
        source=args.source, repeat=args.repeat, glance_src=args.glance_src, lane=args.lane,
        out=args.out, include_flaky=args.include_flaky, concurrency=args.concurrency))
    print()
    print(format_table(result))
    return result.exit_code
