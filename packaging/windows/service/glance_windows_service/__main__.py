"""``python -m glance_windows_service COMMAND``:

    host glance-api|glance-scrubber     the service (started by the service manager)
    run glance-api|glance-scrubber      the same in the foreground, until Ctrl-C
    msi-install --settings-from-stdin   the MSI's install step (KEY=VALUE lines on stdin)
    msi-remove --settings-from-stdin    the MSI's removal step

Exit codes: 0 done, 2 a bad setting (one line says which), 3 the step failed.
"""

from __future__ import annotations

import argparse
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

    from glance_windows_service import install
    from glance_windows_service.settings import SettingsError, from_values, parse_lines

    try:
        values = parse_lines(sys.stdin.read().splitlines())
        if args.command == "msi-remove":
            install.msi_remove(Layout(Path(values.get("INSTALLDIR", "").rstrip("\\/"))))
            return 0
        settings = from_values(values)
    except SettingsError as exc:
        print(f"error: {exc}", flush=True)
        return 2
    except Exception as exc:  # the MSI's log gets one line, never a traceback with data
        print(f"error: {type(exc).__name__}: {exc}", flush=True)
        return 3
    try:
        install.msi_install(settings, Layout(settings.install_dir))
    except Exception as exc:
        mask = install.Masker(settings.secrets())
        print(f"error: {mask(f'{type(exc).__name__}: {exc}')}", flush=True)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
