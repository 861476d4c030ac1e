"""``winci serve``: serve one stack service in the foreground (container entrypoints).

The container images run ``winci serve glance`` and friends, so containers and the
local backend share one launcher (:mod:`winci.stack.launcher`) and one set of templates.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from winci.errors import InfraError, UsageError
from winci.host.netutil import LOOPBACK, require_free
from winci.procs import Runner
from winci.procs.signals import stop_requests_interrupt
from winci.stack import launcher
from winci.stack.mariadb import MariaDBServer

HELP = "serve keystone, glance or mysql in the foreground (used by the container images)"

APPS = {
    "glance": ("glance.wsgi.api:application", "OS_GLANCE_CONFIG_DIR", None),
    "keystone": ("keystone.wsgi.api:application", "OS_KEYSTONE_CONFIG_FILES", "keystone.conf"),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("service", choices=("glance", "keystone", "mysql"))
    parser.add_argument("--config-dir", type=Path, help="rendered config files (glance, keystone)")
    parser.add_argument("--data-dir", type=Path, help="data folder (mysql)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bind", default=LOOPBACK, help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--threads", type=int, default=8)


def serve_wsgi(service: str, config_dir: Path, port: int, bind: str, threads: int) -> int:
    app, env_key, file_name = APPS[service]
    if not config_dir.is_dir():
        raise UsageError(f"--config-dir {config_dir} is not a folder",
                         "render the service's config there first")
    value = config_dir / file_name if file_name else config_dir
    return launcher.main(["--app", app, "--host", bind, "--port", str(port), "--name", service,
                          "--threads", str(threads), "--env", f"{env_key}={os.fspath(value)}"])


def serve_mysql(data_dir: Path, port: int) -> int:
    with Runner(data_dir / "logs", run_id=f"serve-mysql-{port}") as runner:
        server = MariaDBServer(runner, data_dir, port=port)
        server.start()
        assert server.service is not None
        print(f"mysql: serving on {LOOPBACK}:{port} (data in {data_dir})", flush=True)
        code = server.service.wait()
        if code != 0:
            raise InfraError(f"the database server exited with code {code}",
                             f"see {data_dir / 'mysqld.err'}")
    return 0


def run(args: argparse.Namespace) -> int:
    require_free(args.port, args.service)
    with stop_requests_interrupt():
        if args.service == "mysql":
            if args.data_dir is None:
                raise UsageError("winci serve mysql needs --data-dir")
            return serve_mysql(args.data_dir, args.port)
        if args.config_dir is None:
            raise UsageError(f"winci serve {args.service} needs --config-dir")
        return serve_wsgi(args.service, args.config_dir, args.port, args.bind, args.threads)
