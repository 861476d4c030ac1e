"""``winci doctor``: check the container engine, isolation and share mapping."""

from __future__ import annotations

import argparse
import sys

from winci.docker.images import WINDOWS_BASES
from winci.errors import EXIT_INFRA, EXIT_OK

HELP = "check the container engine, Windows isolation and the SMB share mapping"
DESCRIPTION = """\
Checks that the engine (DOCKER_HOST) answers and runs the right OS type; on Windows,
that the isolation mode fits the host build and the image base (process isolation
needs the same build; Hyper-V isolation runs older images too), and that the image
store's SMB global mapping exists and requires privacy. Says what to fix.
Exit 0 when nothing failed, 3 otherwise.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    default_platform = "windows" if sys.platform == "win32" else "linux"
    parser.add_argument("--platform", choices=("linux", "windows"), default=default_platform)
    parser.add_argument("--base", choices=tuple(WINDOWS_BASES), default="ltsc2022")
    parser.add_argument("--share-drive", metavar="DRIVE",
                        help="drive of the SMB global mapping for the image store (e.g. G:)")


def run(args: argparse.Namespace) -> int:
    from winci.docker.doctor import FAIL, format_checks, run_doctor
    from winci.host.paths import state_dir
    from winci.procs import Runner

    with Runner(state_dir() / "doctor", run_id="doctor") as runner:
        checks = run_doctor(platform=args.platform, base=args.base,
                            share_drive=args.share_drive, runner=runner)
    print(format_checks(checks), end="")
    return EXIT_INFRA if any(c.status == FAIL for c in checks) else EXIT_OK
