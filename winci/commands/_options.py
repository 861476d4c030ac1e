"""Options several commands share: declared once, so a flag means the same everywhere.

Each helper adds one option to a parser (or to a mutually exclusive group); the
commands keep only what is theirs. Values are checked where they are used (the
services raise a UsageError), so a command that builds its options in code gets the
same checks.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, NoReturn

from winci.errors import EXIT_USAGE

HISTORY_URL_ENV = "WINCI_HISTORY_URL"
DEFAULT_CONCURRENCY = max(1, min(os.cpu_count() or 2, 8))

# argparse's parser and its argument groups: both are action containers
_Target = argparse._ActionsContainer


def glance_src(target: _Target, help_text: str = "a Glance source tree or git checkout "
               "(default: Glance 33.0.0 from PyPI, unpacked and cached)") -> None:
    target.add_argument("--glance-src", type=Path, metavar="PATH", help=help_text)


def out(target: _Target, default: str = "winci-results/<run-id>") -> None:
    target.add_argument("--out", type=Path, metavar="DIR",
                        help=f"results folder (default: {default})")


def concurrency(target: _Target, per: str = "lane", default: int | None = None) -> None:
    target.add_argument("--concurrency", type=int, default=default, metavar="N",
                        help=f"test workers per {per} (default: CPU count)")


def test_filter(target: _Target) -> None:
    target.add_argument("--filter", metavar="REGEX",
                        help="run only the tests whose id matches REGEX")


def database(target: _Target) -> None:
    target.add_argument("--db", choices=("mysql", "sqlite"), default="mysql",
                        help="mysql: a private MariaDB/MySQL server winci starts (default); "
                             "sqlite: the embedded fallback, used anyway when no server "
                             "binary exists")


def no_patches(target: _Target) -> None:
    target.add_argument("--no-patches", dest="patches", action="store_false",
                        help="run upstream as it is, without the Windows patch queue")


def history_url(target: _Target) -> None:
    target.add_argument("--history-url", metavar="URL",
                        default=os.environ.get(HISTORY_URL_ENV),
                        help=f"SQLAlchemy URL of the history database (default: "
                             f"${HISTORY_URL_ENV}, else a SQLite file in the cache)")


def one_line_errors(parser: argparse.ArgumentParser, prog: str) -> None:
    """Bad options end with one line on stderr (``PROG: error: ...``) and exit 2, where
    argparse would print its usage block first."""
    parse_known = parser.parse_known_args

    def error(message: str) -> NoReturn:
        parser.exit(EXIT_USAGE, f"{prog}: error: {message}\n")

    def parse_known_args(args: Any = None, namespace: Any = None) -> Any:
        ns, extras = parse_known(args, namespace)
        if extras:
            error(f"unrecognized arguments: {' '.join(extras)}")
        return ns, extras

    parser.error = error  # type: ignore[method-assign]
    parser.parse_known_args = parse_known_args  # type: ignore[method-assign]
