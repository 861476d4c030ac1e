"""``winci constraints``: check or refresh the pinned constraints kept in the repo."""

from __future__ import annotations

import argparse

from winci.envs.constraints import UPSTREAM_URL, refresh, validate_constraints
from winci.host.paths import repo_file

HELP = "check or refresh the constraints files in constraints/"
DESCRIPTION = """\
check:    validate constraints/winci.txt and constraints/upper-constraints.txt.
refresh:  replace constraints/upper-constraints.txt with OpenStack's upper constraints,
          from a file or URL (default: openstack/requirements master). Cached venvs are
          keyed on the file's content, so the next run rebuilds them.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("check", "refresh"))
    parser.add_argument("--from", dest="source", default=UPSTREAM_URL, metavar="FILE|URL",
                        help="where refresh reads the new upper constraints")


def run(args: argparse.Namespace) -> int:
    if args.action == "check":
        for name in ("winci.txt", "upper-constraints.txt"):
            validate_constraints(repo_file("constraints", name))
            print(f"constraints/{name}: ok")
        return 0
    added, removed, changed = refresh(args.source)
    print(f"constraints/upper-constraints.txt refreshed from {args.source}: "
          f"{added} added, {removed} removed, {changed} changed")
    return 0
