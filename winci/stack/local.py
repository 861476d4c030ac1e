"""The local backend: MariaDB, Keystone and Glance as processes on this host.

Parts come up on demand: the functional lane needs only the database (for oslo.db's
``openstack_citest`` tests), tempest needs everything.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from winci.errors import InfraError
from winci.masking import GLOBAL_MASKER
from winci.procs import Runner
from winci.procs.registry import Registry
from winci.stack.mariadb import Database, MariaDBServer, server_binary
from winci.stack.services import Glance, Keystone
from winci.stack.settings import StackSettings
from winci.stack.webserver import IMAGE_NAME, ImageWebServer, make_qcow2

Phase = Callable[[str], object]


class LocalStack:
    name = "local"

    def __init__(self, settings: StackSettings, runner: Runner, *,
                 registry: Registry | None = None) -> None:
        self.settings = settings
        self.runner = runner
        self.registry = registry
        self.db_server: MariaDBServer | None = None
        self.keystone: Keystone | None = None
        self.glance: Glance | None = None
        self.web: ImageWebServer | None = None
        self.notes: list[str] = []

    # -- database -----------------------------------------------------------------------
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
        for name in ("keystone", "glance"):
            server.create_database(Database(name, name, s.db_password))
        server.create_admin("openstack_citest", s.citest_password)

    def citest_url(self) -> str | None:
        """oslo.db's admin URL for the MySQL opportunistic tests, when MySQL is up."""
        if self.db_server is None:
            return None
        return self.db_server.url("openstack_citest", self.settings.citest_password)

    # -- services -----------------------------------------------------------------------
    def up(self, *, keystone_venv: Path, glance_venv: Path, glance_tree: Path,
           phase: Phase | None = None) -> None:
        step = phase or (lambda _msg: None)
        s = self.settings
        step("database")
        self.ensure_database()
        step("image web server")
        self.start_web_server()
        step("keystone")
        self.keystone = Keystone(s, self.runner, keystone_venv)
        self.keystone.configure_and_bootstrap()
        self.keystone.start()
        self.keystone.provision_glance()
        step("glance")
        self.glance = Glance(s, self.runner, glance_venv, glance_tree)
        self.glance.configure()
        self.glance.migrate()
        self.glance.start()

    def start_web_server(self) -> None:
        """The loopback server of a small qcow2, for web-download imports (a thread)."""
        image_root = self.settings.service_dir("web")
        make_qcow2(self.runner, image_root / IMAGE_NAME)
        self.web = ImageWebServer(image_root, self.settings.web_port,
                                  self.settings.log_dir / "image-web-server.log")
        self.web.start()

    def check_alive(self) -> None:
        for svc in (self.keystone, self.glance):
            if svc is not None and svc.service is not None and not svc.service.alive():
                raise InfraError(f"{svc.service.name} exited during the run",
                                 f"see {svc.service.log}")

    def endpoints(self) -> dict[str, str]:
        s = self.settings
        out = {"keystone": f"{s.keystone_url}/v3", "glance": s.glance_url,
               "image web server": s.web_url}
        if self.db_server is not None:
            out["mariadb"] = f"{s.host}:{s.db_port}"
        return out

    def write_credentials(self) -> Path:
        """clouds.yaml-style credentials in the private state dir (never published)."""
        s = self.settings
        path = s.state_dir / "credentials.json"
        path.write_text(json.dumps({
            "auth_url": f"{s.keystone_url}/v3", "username": "admin",
            "password": s.admin_password, "project_name": "admin",
            "user_domain_name": "Default", "project_domain_name": "Default",
            "region_name": "RegionOne", "glance_url": s.glance_url}, indent=1),
            encoding="utf-8")
        return path

    def publish_configs(self, dest: Path) -> None:
        """Copy the rendered config files to ``dest`` with every secret masked."""
        for conf in [*self.settings.state_dir.glob("*/*.conf"),
                     *self.settings.state_dir.glob("*/*.ini")]:
            GLOBAL_MASKER.mask_file(conf, dest / conf.parent.name / conf.name)

    def down(self) -> None:
        if self.web is not None:
            self.web.stop()
            self.web = None
        for svc in (self.glance, self.keystone):
            if svc is not None and svc.service is not None:
                svc.service.stop()
        if self.db_server is not None:
            self.db_server.stop()
            self.db_server = None
