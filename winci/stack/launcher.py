"""Serve a WSGI application with waitress: the one launcher for Keystone and Glance.

This file is run *by the service's own Python* (the Keystone or Glance venv, or the
container's interpreter), so it imports nothing from winci and only the stdlib and
waitress:

    python launcher.py --app glance.wsgi.api:application --port 9292 \
        --env OS_GLANCE_CONFIG_DIR=/path/to/config

or runs a server module of the application's own as ``python -m`` would, after the
same first line and variables (Glance's ``glance.cmd.api_waitress`` from the patch
queue: several worker processes on one socket; its workers say which they are):

    python launcher.py --name glance-api --env OS_GLANCE_CONFIG_DIR=/path/to/config \
        --module glance.cmd.api_waitress -- --bind 127.0.0.1:9292 --workers 2

Two OpenStack pitfalls are handled here:

- oslo.config in Keystone parses ``sys.argv``: the launcher's own arguments are removed
  from ``sys.argv`` before the application is imported;
- waitress limits request bodies to 1 GiB by default: image uploads need more, so the
  limit is raised (``--max-request-body-size``).

The same code runs on Windows and Linux: waitress is pure Python, and the process is
ended by the caller (winci's runner ends the whole process tree). Its first line says
which interpreter serves (``<name>: interpreter {"sys_platform": ..., "sys_version":
...}``), so a service's log shows where it really ran (``win32`` for Windows CPython,
under Wine too); winci reads that line back for the run's manifest.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import runpy
import sys
from collections.abc import Callable
from typing import Any

DEFAULT_MAX_BODY = 64 * 1024**3  # 64 GiB: images are large


def _load_app(spec: str) -> Callable[..., Any]:
    module_name, _, attr = spec.partition(":")
    module = importlib.import_module(module_name)
    obj: Any = module
    for part in (attr or "application").split("."):
        obj = getattr(obj, part)
    if isinstance(obj, type) or not callable(obj):
        raise SystemExit(f"launcher: {spec} is not a WSGI application")
    if attr.endswith(")"):
        raise SystemExit("launcher: factories are not supported; name the application")
    return obj  # type: ignore[no-any-return]


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The launcher's options; with ``--module``, what follows ``--`` is the module's."""
    cut = argv.index("--") if "--" in argv else len(argv)
    own, rest = argv[:cut], argv[cut + 1:]
    parser = argparse.ArgumentParser(prog="winci-launcher", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    serve = parser.add_mutually_exclusive_group(required=True)
    serve.add_argument("--app", help="module:attribute of the WSGI app (served by waitress)")
    serve.add_argument("--module", help="a server module to run as `python -m` would, "
                       "with the arguments after `--`")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--max-request-body-size", type=int, default=DEFAULT_MAX_BODY)
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="set in os.environ before importing the application")
    parser.add_argument("--name", default="wsgi", help="name used in log lines")
    args = parser.parse_args(own)
    if args.app and args.port is None:
        parser.error("--app needs --port")
    if cut < len(argv) and not args.module:
        parser.error("arguments after `--` are for --module")
    args.module_args = rest
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    print(f"{args.name}: interpreter " + json.dumps(
        {"sys_platform": sys.platform, "os_name": os.name, "sys_version": sys.version,
         "executable": sys.executable, "pid": os.getpid(),
         "serves": args.module or args.app}), flush=True)
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"launcher: --env {item!r} is not KEY=VALUE")
        os.environ[key] = value
    if args.module:
        # as `python -m MODULE ARGS`; its child processes inherit the variables above
        sys.argv = [args.module, *args.module_args]
        runpy.run_module(args.module, run_name="__main__", alter_sys=True)
        return 0
    # oslo.config (Keystone) reads sys.argv when the app is imported.
    sys.argv = [sys.argv[0]]
    logging.basicConfig(level=logging.INFO,
                        format=f"%(asctime)s {args.name} %(levelname)s %(name)s %(message)s")
    app = _load_app(args.app)
    import waitress

    print(f"{args.name}: serving {args.app} on http://{args.host}:{args.port} "
          f"(waitress, {args.threads} threads, pid {os.getpid()})", flush=True)
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads,
                   max_request_body_size=args.max_request_body_size,
                   channel_timeout=300, ident=args.name, clear_untrusted_proxy_headers=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
