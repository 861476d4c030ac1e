"""The ``winci`` command line: a thin layer over plain functions that return exit codes.

Each subcommand lives in ``winci/commands/<name>.py`` and exposes:

- ``HELP``: a one-line description;
- ``add_arguments(parser)``: its options;
- ``run(args) -> int``: the work, returning an exit code.

Commands are discovered from that package, so adding one needs no change here.
Errors derived from :class:`winci.errors.WinciError` become a one-line message and
their exit code, an interrupt (Ctrl-C, SIGTERM, SIGBREAK) exit code 3; nothing else is
caught, so real bugs still show a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

from winci import __version__
from winci import commands as commands_pkg
from winci.errors import EXIT_INFRA, WinciError
from winci.ui import survive_closed_stdout


def _command_names() -> dict[str, str]:
    """CLI name -> module name, without importing anything."""
    names = {}
    for info in pkgutil.iter_modules(commands_pkg.__path__):
        if not info.name.startswith("_"):
            names[info.name.replace("_", "-")] = info.name
    return names


def _command_modules(only: str | None = None) -> list[tuple[str, ModuleType]]:
    found = []
    for cli_name, mod_name in sorted(_command_names().items()):
        if only is not None and cli_name != only:
            continue
        module = importlib.import_module(f"{commands_pkg.__name__}.{mod_name}")
        if hasattr(module, "run") and hasattr(module, "add_arguments"):
            found.append((getattr(module, "NAME", cli_name), module))
    return found


def build_parser(only: str | None = None
                 ) -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    """The parser; with ``only``, just that command is imported (fast start-up)."""
    parser = argparse.ArgumentParser(
        prog="winci",
        description="Windows test and CI environment for OpenStack Glance.",
    )
    parser.add_argument("--version", action="version", version=f"winci {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules: dict[str, ModuleType] = {}
    for name, module in _command_modules(only):
        help_text = getattr(module, "HELP", "")
        cmd_parser = sub.add_parser(
            name,
            help=help_text,
            description=getattr(module, "DESCRIPTION", help_text),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(cmd_parser)
        modules[name] = module
    return parser, modules


def _requested_command(argv: Sequence[str]) -> str | None:
    for arg in argv:
        if arg.startswith("-"):
            continue
        return arg if arg in _command_names() else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, modules = build_parser(_requested_command(argv))
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    module = modules[args.command]
    survive_closed_stdout()
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="winci: %(levelname)s: %(name)s: %(message)s")
    try:
        code: int = module.run(args)
    except WinciError as exc:
        print(f"winci {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        # Ctrl-C (SIGINT), SIGTERM, SIGBREAK: 3 for all of them, the exit code of the
        # INTERRUPTED verdict a run writes to verdict.json (not the shell's 130 for
        # SIGINT: one code says "stopped before it finished", whatever stopped it)
        print(f"winci {args.command}: interrupted; child processes were ended", file=sys.stderr)
        return EXIT_INFRA
    return code


if __name__ == "__main__":
    sys.exit(main())
