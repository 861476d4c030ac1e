"""``winci portability PATH...``: report Python constructs that break on Windows."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from winci.commands._options import one_line_errors
from winci.errors import EXIT_FAILURES, EXIT_OK, UsageError
from winci.portability import RULES, Severity, check_paths, select_rules
from winci.portability.report import FORMATS, render, statistics

HELP = "check Python code for POSIX-only constructs that fail on Windows"
DESCRIPTION = """\
Static (AST) check for constructs that fail or behave differently on Windows: fork,
POSIX signals and modules, os.rename over an existing file, subprocess preexec_fn,
POSIX paths and commands, file:// slicing, ':'-joined PATH... Platform guards
(os.name, sys.platform, hasattr(os, 'fork')) and try/except ImportError are understood.
Suppress one finding with `# winci: ignore[WP401]` on its line.

Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 bad input.
--fail-on defaults to info: any finding fails."""

FAIL_ON_CHOICES = ("info", "warning", "error", "never")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="Python files or folders to check")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format (default: text)")
    parser.add_argument("--fail-on", choices=FAIL_ON_CHOICES, default="info",
                        help="lowest severity that makes the exit code 1 (default: info)")
    parser.add_argument("--select", action="append", metavar="RULES",
                        help="only these rule ids or prefixes, comma-separated (WP1,WP401)")
    parser.add_argument("--ignore", action="append", metavar="RULES",
                        help="skip these rule ids or prefixes, comma-separated")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                        help="skip files or folders matching this glob (repeatable)")
    parser.add_argument("--statistics", action="store_true",
                        help="print the count of findings per rule instead of the findings")
    parser.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    one_line_errors(parser, "winci portability")


def run(args: argparse.Namespace) -> int:
    if args.list_rules:
        for rid, rule in sorted(RULES.items()):
            print(f"{rid}  {rule.severity.label:7}  {rule.title}\n        fix: {rule.fix}")
        return EXIT_OK
    if not args.paths:
        raise UsageError("no PATH given", "name the files or folders to check")
    enabled = select_rules(args.select, args.ignore)
    findings, files = check_paths(args.paths, enabled, args.exclude)
    out = statistics(findings) if args.statistics else render(findings, files, args.format)
    try:
        sys.stdout.write(out)
        sys.stdout.flush()
    except BrokenPipeError:  # `winci portability ... | head`: the reader left
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the flush at exit does not fail again
    if args.fail_on == "never":
        return EXIT_OK
    floor = Severity.parse(args.fail_on)
    return EXIT_FAILURES if any(f.severity >= floor for f in findings) else EXIT_OK
