"""A private MariaDB/MySQL server: own data dir, own free port on 127.0.0.1.

The machine's own database service is never touched: the server runs from the
distribution's binaries with ``--no-defaults`` and a data dir that winci creates.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from winci.errors import InfraError
from winci.host.netutil import LOOPBACK, free_port, wait_for_port
from winci.procs import Runner, Service

_SERVER_NAMES = ("mariadbd", "mysqld")
_INSTALL_DB_NAMES = ("mariadb-install-db", "mysql_install_db")
_CLIENT_NAMES = ("mariadb", "mysql")
_EXTRA_DIRS = ("/usr/sbin", "/usr/libexec", "/usr/local/mysql/bin")


def _which(names: tuple[str, ...]) -> str | None:
    search = os.pathsep.join([os.environ.get("PATH", ""), *_EXTRA_DIRS])
    for name in names:
        found = shutil.which(name, path=search)
        if found:
            return found
    return None


def server_binary() -> str | None:
    """The MariaDB/MySQL server binary, or None when none is installed."""
    return _which(_SERVER_NAMES)


@dataclass
class Database:
    name: str
    user: str
    password: str


def database_sql(db: Database) -> str:
    """The SQL that makes ``db`` and its user (with rights on it only)."""
    user = db.user.replace("'", "")
    pw = db.password.replace("'", "")
    return (f"CREATE DATABASE IF NOT EXISTS `{db.name}` CHARACTER SET utf8mb4;\n"
            f"CREATE USER IF NOT EXISTS '{user}'@'127.0.0.1' IDENTIFIED BY '{pw}';\n"
            f"CREATE USER IF NOT EXISTS '{user}'@'localhost' IDENTIFIED BY '{pw}';\n"
            f"GRANT ALL PRIVILEGES ON `{db.name}`.* TO '{user}'@'127.0.0.1';\n"
            f"GRANT ALL PRIVILEGES ON `{db.name}`.* TO '{user}'@'localhost';\n"
            "FLUSH PRIVILEGES;\n")


def admin_sql(user: str, password: str) -> str:
    """The SQL that makes a user with every privilege."""
    return (f"CREATE USER IF NOT EXISTS '{user}'@'127.0.0.1' IDENTIFIED BY '{password}';\n"
            f"CREATE USER IF NOT EXISTS '{user}'@'localhost' IDENTIFIED BY '{password}';\n"
            f"GRANT ALL PRIVILEGES ON *.* TO '{user}'@'127.0.0.1' WITH GRANT OPTION;\n"
            f"GRANT ALL PRIVILEGES ON *.* TO '{user}'@'localhost' WITH GRANT OPTION;\n"
            "FLUSH PRIVILEGES;\n")


def server_url(port: int, user: str, password: str, database: str = "",
               driver: str = "mysql+pymysql") -> str:
    """The SQLAlchemy URL of a server on 127.0.0.1:``port``."""
    return f"{driver}://{user}:{password}@{LOOPBACK}:{port}/{database}"


class MariaDBServer:
    """Start, provision and stop one private server.

    ``base_dir`` holds ``data/``, the socket and the pid file; ``runner`` logs the
    server's output and ends it with the run.
    """

    def __init__(self, runner: Runner, base_dir: Path, *, port: int | None = None,
                 root_password: str = "") -> None:
        self.runner = runner
        self.base_dir = base_dir
        self.port = port or free_port()
        self.root_password = root_password
        self.service: Service | None = None
        self._server = server_binary()
        self._client = _which(_CLIENT_NAMES)

    @property
    def datadir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_path(self) -> Path:
        return self.base_dir / "mysqld.sock"

    def _user_args(self) -> list[str]:
        # mariadbd refuses to run as root unless told to.
        if sys.platform != "win32" and hasattr(os, "geteuid") and os.geteuid() == 0:
            return ["--user=root"]
        return []

    def start(self, *, timeout: float = 120.0) -> None:
        if not self._server:
            raise InfraError("no MariaDB/MySQL server binary found",
                             "install mariadb-server, or run with --db sqlite")
        install_db = _which(_INSTALL_DB_NAMES)
        if install_db is None:
            raise InfraError("mariadb-install-db not found", "install mariadb-server")
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if not (self.datadir / "mysql").is_dir():
            self.runner.run(
                [install_db, "--no-defaults", f"--datadir={self.datadir}",
                 "--auth-root-authentication-method=normal", "--skip-test-db",
                 *self._user_args()],
                name="mariadb-install-db", timeout=timeout)
        self.service = self.runner.start(
            [self._server, "--no-defaults", f"--datadir={self.datadir}",
             f"--port={self.port}", f"--bind-address={LOOPBACK}",
             f"--socket={self.socket_path}", f"--pid-file={self.base_dir / 'mysqld.pid'}",
             "--skip-name-resolve", "--innodb-buffer-pool-size=128M",
             "--innodb-flush-log-at-trx-commit=2", "--max-connections=500",
             "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
             "--log-error=" + os.fspath(self.base_dir / "mysqld.err"),
             *self._user_args()],
            name="mariadb", lifetime=None)
        service = self.service
        wait_for_port(self.port, timeout=timeout, what="MariaDB", alive=service.alive)

    def sql(self, statements: str, *, timeout: float = 60.0) -> None:
        """Run SQL as root over the private socket (or TCP where sockets don't exist)."""
        if not self._client:
            raise InfraError("no mariadb/mysql client found", "install mariadb-client")
        conn = ([f"--socket={self.socket_path}"] if sys.platform != "win32"
                else [f"--host={LOOPBACK}", f"--port={self.port}"])
        args = [self._client, "--no-defaults", *conn, "--user=root"]
        if self.root_password:
            args.append(f"--password={self.root_password}")
        self.runner.run(args, name="mariadb-sql", timeout=timeout,
                        stdin_data=statements.encode())

    def create_database(self, db: Database) -> None:
        self.sql(database_sql(db))

    def create_admin(self, user: str, password: str) -> None:
        """A user with every privilege (oslo.db's ``openstack_citest`` creates databases)."""
        self.sql(admin_sql(user, password))

    def url(self, user: str, password: str, database: str = "",
            driver: str = "mysql+pymysql") -> str:
        return server_url(self.port, user, password, database, driver)

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop(grace=20)
            self.service = None
