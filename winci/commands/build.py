"""``winci build``: build the winci container images through the docker SDK."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from winci.commands._options import one_line_errors
from winci.docker.images import IMAGES, WINDOWS_BASES, BuildOptions, plan_table
from winci.errors import EXIT_OK, UsageError
from winci.host.paths import cache_dir

HELP = "build the container images (base, mysql, keystone, glance, tempest) or the MSI"
DESCRIPTION = """\
`winci build` (or `winci build images`): the container images; `winci build msi`: the
Glance MSI for Windows (docs/install-windows.md), built on Linux with Debian's wixl and
Windows CPython under Wine; --out DIR copies it there, --check-reproducible builds it a
second time and compares the bytes.
Build the winci images through the docker SDK (DOCKER_HOST selects the engine).
Tags come from the Glance version, the patch queue hash and winci's version, e.g.
winci/glance:33.0.0-1a2b3c4d-0.1.0 (Windows images end in -ltsc2022 or -ltsc2025).
--dry-run prints the plan (images, contexts, build args, tags) and builds nothing.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", nargs="?", choices=("images", "msi"), default="images",
                        help="what to build (default: images)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="msi: copy the MSI into DIR")
    parser.add_argument("--check-reproducible", action="store_true",
                        help="msi: build it again from the same inputs and compare the bytes")
    default_platform = "windows" if sys.platform == "win32" else "linux"
    parser.add_argument("--platform", choices=("linux", "windows"), default=default_platform,
                        help=f"image platform (default: {default_platform})")
    parser.add_argument("--glance-src", type=Path, metavar="PATH",
                        help="Glance source tree or git checkout (default: the pinned release)")
    parser.add_argument("--base", choices=tuple(WINDOWS_BASES), default="ltsc2022",
                        help="Windows Server Core base (default: ltsc2022)")
    parser.add_argument("--linux-base-image", default="", metavar="IMAGE",
                        help="FROM image of the Linux base (default: $WINCI_LINUX_BASE_IMAGE "
                             "or debian:bookworm-slim)")
    parser.add_argument("--image", action="append", choices=IMAGES, dest="images",
                        help="build only these images (repeatable; base is needed first)")
    parser.add_argument("--installers", type=Path, metavar="DIR",
                        help="folder with the Windows installers (Python, MariaDB MSI)")
    parser.add_argument("--ca-bundle", type=Path, metavar="FILE",
                        help="CA bundle pip trusts inside Linux builds (default: $PIP_CERT "
                             "or $SSL_CERT_FILE when set)")
    parser.add_argument("--work-dir", type=Path, metavar="DIR",
                        help="where build contexts are staged (default: <cache>/build)")
    parser.add_argument("--no-patches", action="store_true",
                        help="build from the unpatched source (Linux debugging)")
    parser.add_argument("--constraints", type=Path, metavar="FILE",
                        help="pip constraints for the patched libraries and the images' "
                             "dependencies (default: constraints/upper-constraints.txt)")
    parser.add_argument("--no-cache", action="store_true", help="ignore the layer cache")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the plan and build nothing")
    one_line_errors(parser, "winci build")


# The options of one target only: (attribute, option, target); given for the other
# target they would be ignored silently, so they are a usage error.
_TARGET_OPTIONS = (
    ("out", "--out", "msi"), ("check_reproducible", "--check-reproducible", "msi"),
    ("images", "--image", "images"), ("installers", "--installers", "images"),
    ("ca_bundle", "--ca-bundle", "images"), ("work_dir", "--work-dir", "images"),
    ("linux_base_image", "--linux-base-image", "images"), ("no_cache", "--no-cache", "images"),
    ("dry_run", "--dry-run", "images"),
)


def _check_target_options(args: argparse.Namespace, argv_defaults: dict[str, object]) -> None:
    for attr, option, target in _TARGET_OPTIONS:
        if args.target != target and getattr(args, attr) != argv_defaults.get(attr):
            raise UsageError(f"{option} applies to `winci build {target}`, not to "
                             f"`winci build {args.target}`", f"drop {option}")
    if args.target == "msi":
        for attr, option in (("platform", "--platform"), ("base", "--base")):
            if getattr(args, attr) != argv_defaults.get(attr):
                raise UsageError(f"{option} applies to `winci build images`: the MSI is "
                                 f"always for Windows x64", f"drop {option}")


def _ca_bundle(args: argparse.Namespace) -> Path | None:
    if args.ca_bundle:
        return Path(args.ca_bundle)
    for var in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        value = os.environ.get(var)
        if value and Path(value).is_file():
            return Path(value)
    return None


def options_from(args: argparse.Namespace) -> BuildOptions:
    return BuildOptions(
        platform=args.platform, base=args.base,
        work_dir=(args.work_dir or cache_dir() / "build").resolve(),
        linux_base_image=args.linux_base_image, ca_bundle=_ca_bundle(args),
        installers=args.installers, images=tuple(args.images or IMAGES),
        constraints=args.constraints)


def run(args: argparse.Namespace) -> int:
    defaults = argparse.ArgumentParser()
    add_arguments(defaults)
    _check_target_options(args, vars(defaults.parse_args([])))
    if args.target == "msi":
        from winci.msi.command import build_msi_command

        return build_msi_command(args)
    from winci.docker.build import results_table
    from winci.docker.engine import connect
    from winci.docker.prepare import build_from_source, dry_run_plan
    from winci.envs.constraints import validate_constraints
    from winci.procs import Runner
    from winci.ui import Progress

    options = options_from(args)
    options.validate()
    if args.constraints is not None:
        validate_constraints(args.constraints)
    with Runner(options.work_dir / "logs", run_id="build") as runner:
        if args.dry_run:
            plan = dry_run_plan(options, args.glance_src, runner,
                                apply_patches=not args.no_patches)
            print(plan_table(plan), end="")
            return EXIT_OK
        _, built = build_from_source(connect(), options, args.glance_src, runner, Progress(),
                                     apply_patches=not args.no_patches, nocache=args.no_cache,
                                     echo=lambda text: print(text, end="", flush=True))
    print(results_table(built), end="")
    return EXIT_OK
