"""``winci run``: the lanes against a real stack, with a verdict."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from winci.backends import BACKENDS
from winci.commands import _options as options
from winci.lanes.base import DEFAULT_LANES, DEFAULT_WINE_LANES, LANES
from winci.platforms import PLATFORMS
from winci.runs import RunOptions, execute

HELP = "run Glance's test lanes (unit, functional, tempest, preflight) and give a verdict"
DESCRIPTION = f"""\
Run Glance's test lanes against a private stack on 127.0.0.1 and write the results.

Lanes: {', '.join(LANES)} (default: {' '.join(DEFAULT_LANES)}, in that order; on a
Linux host with no --platform, then {' '.join(DEFAULT_WINE_LANES)}: the unit suite under
Windows CPython under Wine). A lane runs on another platform as LANE@PLATFORM.
The stack is a private MariaDB server, Keystone and Glance served by waitress; the
functional lane uses the database for oslo.db's MySQL tests, tempest uses everything.

Results go to winci-results/<run-id>/ (or --out): per lane the subunit stream,
testr_results.html, junit.xml and summary.json; for the run verdict.json and
manifest.json. Exit codes: 0 SUCCESS, 1 FAILURE (a test failed that is not a known
failure), 2 usage or config error (a --filter that matches no test of a lane too),
3 ERROR (the stack or environment could not be set up), PATCH_CONFLICT (the Windows
patch queue does not apply) or INTERRUPTED (Ctrl-C, SIGTERM: the interrupted lane keeps
the tests that had finished).
"""

ZUUL_ENV = ("change", "patchset", "project", "branch", "pipeline", "build", "log_url", "ref")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("lanes", nargs="*", metavar="LANE",
                        help=f"lanes to run: {', '.join(LANES)}; LANE@PLATFORM runs one on "
                             "another platform (unit@wine)")
    options.glance_src(parser)
    options.out(parser)
    options.concurrency(parser, default=options.DEFAULT_CONCURRENCY)
    options.test_filter(parser)
    options.database(parser)
    parser.add_argument("--keep", action="store_true",
                        help="leave the stack up; print its endpoints and credentials file")
    parser.add_argument("--stack", metavar="RUN_ID",
                        help="run the tempest lane against the stack that `winci run --keep` "
                             "left up as run RUN_ID (and in its tempest workspace) instead "
                             "of bringing one up; `winci down --run-id RUN_ID` ends it")
    options.no_patches(parser)
    parser.add_argument("--backend", choices=tuple(BACKENDS), default="local",
                        help="; ".join(f"{e.name}: {e.help}" for e in BACKENDS.values()))
    parser.add_argument("--platform", choices=tuple(PLATFORMS), default=None,
                        help="where the lanes' Python runs: linux (on Linux, the default), "
                             "wine (Windows CPython under Wine, on Linux: Glance's tests and "
                             "API under the Windows interpreter, MariaDB and Keystone "
                             "native), windows (on a Windows host, the default there)")
    parser.add_argument("--python", metavar="X.Y",
                        help="--platform wine: the embeddable Windows CPython to use "
                             "(default: 3.12, the Windows images' version)")
    parser.add_argument("--no-retry", dest="retry_failures", action="store_false",
                        help="do not re-run failed tests in isolation to spot flaky ones")
    parser.add_argument("--lane-timeout", type=float, metavar="SECONDS",
                        help="time limit of each lane's test runner")
    parser.add_argument("--constraints", type=Path, metavar="FILE",
                        help="pip constraints for the patched libraries and the Glance, "
                             "Keystone and tempest environments or images (default: "
                             "constraints/upper-constraints.txt)")
    parser.add_argument("--keystone-port", type=int, metavar="PORT",
                        help="serve Keystone on this port (default: a free one)")
    parser.add_argument("--glance-port", type=int, metavar="PORT",
                        help="serve Glance on this port (default: a free one)")
    parser.add_argument("--simulate-disable", metavar="BEHAVIOUR[,BEHAVIOUR]", default="",
                        help="preflight lane: switch off simulated Windows behaviours "
                             "(os-functions, signals, modules, rename, open-files, "
                             "subprocess, programs, connect-any)")
    parser.add_argument("--no-history", dest="history", action="store_false",
                        help="do not store the run in the history database")
    options.history_url(parser)
    for key in ZUUL_ENV:
        parser.add_argument(f"--zuul-{key.replace('_', '-')}", dest=f"zuul_{key}",
                            default=os.environ.get(f"WINCI_ZUUL_{key.upper()}"),
                            help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    zuul = {k: str(getattr(args, f"zuul_{k}")) for k in ZUUL_ENV
            if getattr(args, f"zuul_{k}", None)}
    opts = RunOptions(
        lanes=list(args.lanes), glance_src=args.glance_src,  # none: the run picks its default
        out=args.out, concurrency=args.concurrency, filter=args.filter, db=args.db,
        keep=args.keep, patches=args.patches, backend=args.backend,
        retry_failures=args.retry_failures, lane_timeout=args.lane_timeout,
        constraints=args.constraints, keystone_port=args.keystone_port,
        glance_port=args.glance_port, history=args.history, history_url=args.history_url,
        simulate_disabled=frozenset(b.strip() for b in args.simulate_disable.split(",")
                                    if b.strip()),
        zuul=zuul, platform=args.platform, python=args.python, stack=args.stack)
    return execute(opts).exit_code
