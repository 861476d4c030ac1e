"""What every backend's stack shares, by composition rather than inheritance: the
settings, the database's provisioning, the image web server, the published configs, the
credentials file and the endpoints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from winci.backends.base import BackendConfig
from winci.host.private import write_private
from winci.masking import GLOBAL_MASKER
from winci.procs import Runner
from winci.stack.mariadb import Database
from winci.stack.settings import StackSettings
from winci.stack.webserver import IMAGE_NAME, ImageWebServer, make_qcow2


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
    """The loopback server of a small qcow2 for web-download imports (a thread of winci;
    containers with host networking reach it on 127.0.0.1 too)."""
    image_root = settings.service_dir("web")
    make_qcow2(runner, image_root / IMAGE_NAME)
    web = ImageWebServer(image_root, settings.web_port,
                         settings.log_dir / "image-web-server.log")
    web.start()
    return web


def endpoints(settings: StackSettings, *, database: bool) -> dict[str, str]:
    out = {"keystone": f"{settings.keystone_url}/v3", "glance": settings.glance_url,
           "image web server": settings.web_url}
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
