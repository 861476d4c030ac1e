"""``winci patches check|apply|status``: the Windows patch queue on a Glance tree."""

from __future__ import annotations

import argparse
from pathlib import Path

from winci.errors import EXIT_FAILURES, EXIT_OK, UsageError
from winci.patches.report import run_patches_command
from winci.worktree.sources import DEFAULT_GLANCE_VERSION

NAME = "patches"
HELP = "check, apply or show the Windows patch queue on Glance and its libraries"
DESCRIPTION = f"""\
check   does every series apply? (Glance: --glance-src, default the Glance
        {DEFAULT_GLANCE_VERSION} release; libraries: their pinned releases). Exit 0 when
        all apply, 1 when one does not (the failing patch and spot are named).
apply   apply the Glance series to --glance-src and build the patched libraries.
status  applied / not-applied / conflict for each series.
See docs/patch-queue.md."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("check", "apply", "status"))
    parser.add_argument("--glance-src", type=Path, default=None,
                        help="Glance source tree or checkout (required for apply)")
    parser.add_argument("--project", action="append", default=None, metavar="P",
                        help="limit to this project's series (repeatable)")
    parser.add_argument("--constraints", type=Path, default=None,
                        help="constraints pinning the library versions "
                             "(default: constraints/upper-constraints.txt)")


def run(args: argparse.Namespace) -> int:
    if args.action == "apply" and args.glance_src is None and (
            not args.project or "glance" in args.project):
        raise UsageError("`winci patches apply` needs --glance-src",
                         "it patches that tree in place; use a work copy")
    ok = run_patches_command(args.action, glance_src=args.glance_src, projects=args.project,
                             constraints=args.constraints)
    return EXIT_OK if ok else EXIT_FAILURES
