"""``winci down``: remove what a docker-backend run created, and nothing else."""

from __future__ import annotations

import argparse

from winci.errors import EXIT_INFRA, EXIT_OK

HELP = "remove the containers, volumes and networks of a run (by their winci labels)"
DESCRIPTION = """\
Removes only objects labelled org.openstack.winci.run-id: those of --run-id ID, or of
every run with --all. Images are kept (they are the build cache).
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--run-id", metavar="ID", help="the run to clean up")
    which.add_argument("--all", action="store_true", help="every winci run")


def run(args: argparse.Namespace) -> int:
    from winci.docker.cleanup import down
    from winci.docker.engine import connect

    removed = down(connect(), args.run_id, all_runs=args.all)
    for kind, names in (("container", removed.containers), ("volume", removed.volumes),
                        ("network", removed.networks)):
        for name in names:
            print(f"removed {kind} {name}")
    for error in removed.errors:
        print(f"could not remove {error}")
    if not removed.total() and not removed.errors:
        print("nothing labelled for " + ("any run" if args.all else f"run {args.run_id}"))
    return EXIT_INFRA if removed.errors else EXIT_OK
