"""Open the history database and bring its schema up to date with Alembic.

The database is a SQLite file at ``<cache>/history.sqlite`` by default, or any
SQLAlchemy URL given with ``--db-url`` or ``$WINCI_HISTORY_URL`` (MySQL/MariaDB
through PyMySQL: ``mysql+pymysql://user:pw@127.0.0.1:3306/winci``). Opening it runs
``alembic upgrade head`` with the migrations shipped in this package.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from winci.errors import ConfigError, InfraError
from winci.host.paths import cache_dir
from winci.masking import GLOBAL_MASKER

URL_ENV = "WINCI_HISTORY_URL"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def default_url() -> str:
    """``$WINCI_HISTORY_URL``, else the SQLite file in winci's cache."""
    env = os.environ.get(URL_ENV)
    if env:
        return env
    return f"sqlite:///{(cache_dir() / 'history.sqlite').as_posix()}"


def _alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", os.fspath(MIGRATIONS))
    # the URL goes through attributes, not the ini options: no %-interpolation of passwords
    cfg.attributes["url"] = url
    return cfg


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


class History:
    """An open history database: an engine and a session factory."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = url or default_url()
        try:
            parsed = make_url(self.url)
        except ArgumentError as exc:
            raise ConfigError(f"not a database URL: {GLOBAL_MASKER.mask(self.url)}",
                              f"give an SQLAlchemy URL such as sqlite:///path ({exc})") from None
        if parsed.password:
            GLOBAL_MASKER.add(str(parsed.password))
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(self.url, pool_pre_ping=True)
        except (NoSuchModuleError, ModuleNotFoundError) as exc:
            raise ConfigError(f"no driver for {parsed.drivername}: {exc}",
                              "use sqlite:/// or mysql+pymysql://") from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.upgrade()

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def upgrade(self, revision: str = "head") -> None:
        """Apply the shipped migrations up to ``revision``."""
        cfg = _alembic_config(self.url)
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
        except OperationalError as exc:
            raise InfraError(f"cannot open the history database {self.safe_url}: {exc.orig}",
                             "check --db-url / $WINCI_HISTORY_URL and that the server runs"
                             ) from None

    def session(self) -> Session:
        return self.sessions()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _revision(message: str) -> None:  # pragma: no cover - a developer tool
    """Write a new migration from the difference between the models and the schema."""
    url = "sqlite:///" + (Path.cwd() / ".winci-history-revision.sqlite").as_posix()
    with History(url):
        pass
    cfg = _alembic_config(url)
    command.revision(cfg, message=message, autogenerate=True)


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) != 3 or sys.argv[1] != "revision":
        raise SystemExit('usage: python -m winci.history.db revision "message"')
    _revision(sys.argv[2])
