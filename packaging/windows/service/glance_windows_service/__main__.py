"""``python -m glance_windows_service COMMAND``:

    host glance-api|glance-scrubber     the service (started by the service manager)
    run glance-api|glance-scrubber      the same in the foreground, until Ctrl-C
    msi-install --settings-from-stdin   the MSI's install step (KEY=VALUE lines on stdin)
    msi-remove --settings-from-stdin    the MSI's removal step

Exit codes: 0 done, 2 a bad setting (one line says which), 3 the step failed.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from glance_windows_service.layout import Layout

SERVICES = ("glance-api", "glance-scrubber")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="glance_windows_service", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for command in ("host", "run"):
        p = sub.add_parser(command)
        p.add_argument("service", choices=SERVICES)
        p.add_argument("--install-dir", type=Path, help="default: the interpreter's install")
    for command in ("msi-install", "msi-remove"):
        p = sub.add_parser(command)
        p.add_argument("--settings-from-stdin", action="store_true", required=True)
    args = parser.parse_args(argv)

    if args.command == "host":
        from glance_windows_service.host import run_service

        run_service(args.service)
        return 0
    if args.command == "run":
        from glance_windows_service.host import run_console

        run_console(args.service, Layout(args.install_dir) if args.install_dir else None)
        return 0

    # The custom action writes UTF-8 and reads UTF-8 back (runpython.c); a pipe's own
    # encoding on Windows is the ANSI code page.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    return msi_step(args.command, sys.stdin.buffer.read().decode("utf-8", "replace"))


def msi_step(command: str, data: str) -> int:
    """The MSI's install or remove step with the settings ``data`` (KEY=VALUE lines).
    Whatever fails is one line in the MSI's log, its secrets masked: never a traceback
    (its frames' values could hold them)."""
    from glance_windows_service import install
    from glance_windows_service.settings import (
        SettingsError,
        from_values,
        parse_lines,
        secret_values,
    )

    mask = install.Masker([])
    try:
        values = parse_lines(data.splitlines())
        mask = install.Masker(secret_values(values))
        if command == "msi-remove":
            install.msi_remove(Layout(Path(values.get("INSTALLDIR", "").rstrip("\\/"))))
            return 0
        settings = from_values(values)
        install.msi_install(settings, Layout(settings.install_dir))
    except SettingsError as exc:
        print(f"error: {mask(str(exc))}", flush=True)
        return 2
    except Exception as exc:
        print(f"error: {mask(f'{type(exc).__name__}: {exc}')}", flush=True)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
