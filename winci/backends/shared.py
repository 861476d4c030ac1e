"""What every backend's stack shares, by composition rather than inheritance: the
settings, the database's provisioning, the image web server, the published configs, the
credentials file and the endpoints; and :class:`HostServices`, the parts of a stack that
run as processes of this host whatever runs Glance (the local backend's, and those of
Windows CPython under Wine: MariaDB, the image web server, Keystone)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from winci.backends.base import BackendConfig
from winci.envs import ensure_env
from winci.envs.specs import keystone_env, tempest_env
from winci.errors import InfraError
from winci.host.netutil import free_port
from winci.host.private import write_private
from winci.masking import GLOBAL_MASKER
from winci.procs import Runner, Service
from winci.stack.mariadb import Database, MariaDBServer, server_binary
from winci.stack.services import Glance, GlancePlaces, Keystone, ServicePython
from winci.stack.settings import StackSettings
from winci.stack.webserver import IMAGE_NAME, ImageWebServer, make_qcow2
from winci.worktree.prepared import PreparedTree


def stack_settings(config: BackendConfig) -> StackSettings:
    """The stack's settings: free ports unless the run fixed them, fresh passwords."""
    settings = StackSettings(run_id=config.run_id, state_dir=config.private_dir / "stack",
                             log_dir=config.out_dir / "logs", db=config.db)
    if config.keystone_port:
        settings.keystone_port = config.keystone_port
    if config.glance_port:
        settings.glance_port = config.glance_port
    return settings


class SqlServer(Protocol):
    """A MariaDB server that runs winci's provisioning SQL (a process or a container)."""

    def create_database(self, db: Database) -> None: ...

    def create_admin(self, user: str, password: str) -> None: ...


def provision_databases(server: SqlServer, settings: StackSettings) -> None:
    """The keystone and glance databases and users, and oslo.db's openstack_citest."""
    for name in ("keystone", "glance"):
        server.create_database(Database(name, name, settings.db_password))
    server.create_admin("openstack_citest", settings.citest_password)


def start_image_server(settings: StackSettings, runner: Runner) -> ImageWebServer:
    """The loopback server of a small qcow2 for web-download imports and http://
    locations (a service of the run on this host, kept up with ``--keep``; containers
    with host networking reach it on 127.0.0.1 too)."""
    image_root = settings.service_dir("web")
    make_qcow2(runner, image_root / IMAGE_NAME)
    web = ImageWebServer(runner, image_root, settings.web_port)
    web.start()
    return web


def endpoints(settings: StackSettings, *, database: bool) -> dict[str, str]:
    out = {"keystone": f"{settings.keystone_url}/v3", "glance": settings.glance_url,
           "image web server": settings.web_url}
    if settings.glance_remote_url is not None:
        out["glance (image_remote)"] = settings.glance_remote_url
    if database:
        out["mariadb"] = f"{settings.host}:{settings.db_port}"
    return out


def write_credentials(settings: StackSettings) -> Path:
    """clouds.yaml-style credentials in the private state dir (never published)."""
    return write_private(settings.state_dir / "credentials.json", json.dumps({
        "auth_url": f"{settings.keystone_url}/v3", "username": "admin",
        "password": settings.admin_password, "project_name": "admin",
        "user_domain_name": "Default", "project_domain_name": "Default",
        "region_name": "RegionOne", "glance_url": settings.glance_url}, indent=1))


def publish_configs(settings: StackSettings, dest: Path) -> None:
    """Copy the rendered config files to ``dest`` with every secret masked."""
    for conf in [*settings.state_dir.glob("*/*.conf"), *settings.state_dir.glob("*/*.ini")]:
        GLOBAL_MASKER.mask_file(conf, dest / conf.parent.name / conf.name)


class HostServices:
    """MariaDB (or the SQLite fallback), the image web server and Keystone, as
    processes of this host through the run's runner; ``notes`` gets what the run's
    output should say (SQLite instead of MariaDB)."""

    def __init__(self, settings: StackSettings, runner: Runner, notes: list[str]) -> None:
        self.settings = settings
        self.runner = runner
        self.notes = notes
        self.db_server: MariaDBServer | None = None
        self.keystone: Keystone | None = None
        self.web: ImageWebServer | None = None

    def resolve_db_mode(self) -> str:
        """``mysql`` unless no server binary exists, then the embedded SQLite fallback."""
        if self.settings.db == "mysql" and server_binary() is None:
            self.settings.db = "sqlite"
            self.notes.append("no MariaDB/MySQL server binary found: using SQLite "
                              "(MySQL tests will be skipped; install mariadb-server)")
        return self.settings.db

    def ensure_database(self) -> None:
        if self.resolve_db_mode() != "mysql" or self.db_server is not None:
            return
        s = self.settings
        server = MariaDBServer(self.runner, s.service_dir("mysql"), port=s.db_port)
        self.db_server = server
        server.start()
        provision_databases(server, s)

    def citest_url(self) -> str | None:
        if self.db_server is None:
            return None
        return self.db_server.url("openstack_citest", self.settings.citest_password)

    def up(self, step: Callable[[str], object], keystone_venv: Path) -> None:
        """The database, the image web server and Keystone (with Glance's user and
        endpoints): all Glance needs before it starts."""
        step("database")
        self.ensure_database()
        step("image web server")
        self.web = start_image_server(self.settings, self.runner)
        step("keystone")
        self.keystone = Keystone(self.settings, self.runner, keystone_venv)
        self.keystone.configure_and_bootstrap()
        self.keystone.start()
        self.keystone.provision_glance()

    def check_alive(self, *others: Service | None) -> None:
        """InfraError when Keystone or one of ``others`` (e.g. Glance's API) is gone."""
        keystone = self.keystone.service if self.keystone is not None else None
        web = self.web.service if self.web is not None else None
        for service in (keystone, web, *others):
            if service is not None and not service.alive():
                raise InfraError(f"{service.name} exited during the run",
                                 f"see {service.log}")

    def endpoints(self) -> dict[str, str]:
        return endpoints(self.settings, database=self.db_server is not None)

    def down(self) -> None:
        """Stop the web server, Keystone and the database; idempotent."""
        if self.web is not None:
            self.web.stop()
            self.web = None
        if self.keystone is not None and self.keystone.service is not None:
            self.keystone.service.stop()
        if self.db_server is not None:
            self.db_server.stop()
            self.db_server = None


# The second Glance API's worker processes: one (it serves a few tempest tests).
REMOTE_WORKERS = 1


def want_remote_glance(settings: StackSettings) -> None:
    """Give the stack a second Glance API (tempest's ``image_remote``): a port, before
    Keystone's catalog is written."""
    if settings.glance_remote_port is None:
        settings.glance_remote_port = free_port()


def start_glances(step: Callable[[str], object], settings: StackSettings,
                  python: ServicePython, tree: Path, started: list[Glance], *,
                  workers: int, places: GlancePlaces | None = None,
                  remote_places: GlancePlaces | None = None) -> None:
    """Glance's API, then the second one (``image_remote``, :data:`REMOTE_WORKERS`
    worker), both run by ``python``: configured, the database migrated once, started.
    Each goes into ``started`` before it starts, so that the caller stops it whatever
    happens next."""
    step("glance")
    glance = Glance(settings, python, tree, workers=workers, places=places)
    started.append(glance)
    glance.configure()
    glance.migrate()
    glance.start()
    step("glance: the second API (image_remote)")
    remote = Glance(settings, python, tree, workers=REMOTE_WORKERS, places=remote_places,
                    remote=True)
    started.append(remote)
    remote.configure()
    remote.start()


def glance_facts(glances: list[Glance]) -> dict[str, Any]:
    """What a backend's ``platform_info`` says of its Glance APIs: ``glance_api`` (who
    served the API, its folders) and ``glance_api_remote`` (the second API's)."""
    info: dict[str, Any] = {}
    for key, glance in zip(("glance_api", "glance_api_remote"), glances, strict=False):
        if facts := glance.serving_facts():
            info[key] = facts
    return info


def stop_glances(glances: list[Glance]) -> None:
    """Stop every Glance API of ``glances`` that started (idempotent)."""
    for glance in glances:
        if glance.service is not None:
            glance.service.stop()


def native_tempest_envs(runner: Runner, tree: PreparedTree,
                        keystone_wheel: str | None) -> tuple[Path, Path]:
    """The Keystone and tempest venvs of this host (the tempest lane's), pinned by the
    tree's constraints; Keystone is the patch queue's wheel when it has one."""
    keystone = ensure_env(keystone_env(constraints=tree.constraints, keystone=keystone_wheel),
                          runner)
    return keystone, ensure_env(tempest_env(constraints=tree.constraints), runner)
