"""``winci down``: end a kept run: its containers, volumes and networks (by their labels)
and its local processes."""

from __future__ import annotations

import argparse

from winci.errors import EXIT_INFRA, EXIT_OK

HELP = "end a kept run: its labelled containers, volumes and networks, and local processes"
DESCRIPTION = """\
Removes only objects labelled org.openstack.winci.run-id: those of --run-id ID, or of
every run with --all. Images are kept (they are the build cache). Also ends the
processes and private folders of a local-backend run kept with --keep.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--run-id", metavar="ID", help="the run to clean up")
    which.add_argument("--all", action="store_true", help="every winci run")


def run(args: argparse.Namespace) -> int:
    from winci.docker.cleanup import down_run

    removed = down_run(args.run_id, all_runs=args.all)
    for kind, names in (("container", removed.containers), ("volume", removed.volumes),
                        ("network", removed.networks)):
        for name in names:
            print(f"removed {kind} {name}")
    for reaped in removed.local_runs:
        print(f"ended local run {reaped.run_id}: {len(reaped.processes)} process(es), "
              f"{len(reaped.paths)} folder(s) removed"
              + (f"; {len(reaped.survivors)} could not be ended (pids "
                 f"{', '.join(map(str, reaped.survivors))}; its record is kept)"
                 if reaped.survivors else ""))
    if removed.engine_error:
        print(f"containers not checked: {removed.engine_error}")
    for error in removed.errors:
        print(f"could not remove {error}")
    if not removed.total() and not removed.errors:
        print("nothing labelled or kept for " + ("any run" if args.all else f"run {args.run_id}"))
    survivors = any(reaped.survivors for reaped in removed.local_runs)
    return EXIT_INFRA if removed.errors or survivors else EXIT_OK
