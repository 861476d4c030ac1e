"""The docker backend: MariaDB, Keystone and Glance in the winci images, for one run.

The same interface as :class:`winci.stack.local.LocalStack` (the run and the lanes do not
care which backend they have), built on :class:`winci.docker.backend.DockerStack`:

- containers with host networking on free 127.0.0.1 ports, labelled with the run id;
- the config files rendered from the same templates into the run's private state dir,
  which is bind-mounted at the same path (so the paths in them mean the same inside);
- ``keystone-manage`` and ``glance-manage`` as one-shot containers of their images;
- the image store in a named volume (``winci-<run>-images``);
- the services' own log files in ``<run>/logs/services/``; on :meth:`down` every
  container's output lands in ``<run>/logs/<service>.log``;
- the lanes' test runners in one-shot containers (:meth:`executor`): unit and
  functional in the Glance image, tempest in the tempest image.

The image web server for tempest's web-download import stays a thread of winci, as with
the local backend: the containers reach it on 127.0.0.1 through the host network.
"""

from __future__ import annotations

import getpass
import shutil
from collections.abc import Callable
from pathlib import Path

import docker
import docker.errors
import requests

from winci.docker.backend import PATHS, DockerStack, ServiceSpec, host_user
from winci.errors import InfraError
from winci.host.netutil import LOOPBACK
from winci.lanes.executor import DockerExecutor
from winci.procs import Runner
from winci.stack.local import LocalStack
from winci.stack.mariadb import Database, MariaDBServer
from winci.stack.services import Keystone
from winci.stack.settings import StackSettings, render

Phase = Callable[[str], object]

# The image each container of the stack (and each lane's test runner) comes from.
SERVICE_IMAGES = {"mysql": "mysql", "keystone": "keystone", "glance": "glance",
                  "unit": "glance", "functional": "glance", "tempest": "tempest"}
# A path inside the Linux images (dockerfiles/base), not on the host.
IMAGE_PYTHON = "/opt/winci/venv/bin/python"  # winci: ignore[WP601]


class _ContainerDatabase(MariaDBServer):
    """The MariaDB of the ``mysql`` container, provisioned with the local backend's SQL
    (run by the ``mariadb`` client in that container)."""

    def __init__(self, stack: DockerStack, runner: Runner, base_dir: Path, port: int) -> None:
        super().__init__(runner, base_dir, port=port)
        self.stack = stack

    def sql(self, statements: str, *, timeout: float = 60.0) -> None:
        code, out = self.stack.exec("mysql", ["mariadb", "--no-defaults", f"--host={LOOPBACK}",
                                              f"--port={self.port}", "--user=root",
                                              "-e", statements])
        if code != 0:
            raise InfraError(f"SQL in the mysql container failed (exit code {code})",
                             out.strip()[-300:])

    def stop(self) -> None:  # the container goes with the stack
        self.service = None


class DockerBackend(LocalStack):
    """The stack of one run as containers; see the module docstring."""

    name = "docker"

    def __init__(self, settings: StackSettings, runner: Runner, client: docker.DockerClient,
                 images: dict[str, str], *, run_dir: Path, shared: list[Path]) -> None:
        super().__init__(settings, runner)
        self.images = images
        self.stack = DockerStack(client, run_id=settings.run_id, run_dir=run_dir,
                                 user=host_user())
        # Host folders the containers see at the same paths: the private state dir, the
        # run folder and the Glance work tree.
        self.binds = {str(p.resolve()): str(p.resolve()) for p in shared}
        self.services_log_dir = settings.log_dir / "services"

    def image(self, what: str) -> str:
        try:
            return self.images[SERVICE_IMAGES[what]]
        except KeyError as exc:
            raise InfraError(f"no image for {what}", "the run builds them first") from exc

    # -- database -----------------------------------------------------------------------
    def resolve_db_mode(self) -> str:
        return self.settings.db  # the mysql image always has a server

    def ensure_database(self) -> None:
        if self.settings.db != "mysql" or self.db_server is not None:
            return
        s = self.settings
        # The image's own user: its data dir (a volume of the image) belongs to it.
        self.stack.start(ServiceSpec("mysql", self.image("mysql"), s.db_port, user="winci",
                                     http=False, health_timeout=180))
        db = _ContainerDatabase(self.stack, self.runner, s.service_dir("mysql"), s.db_port)
        self.db_server = db
        for name in ("keystone", "glance"):
            db.create_database(Database(name, name, s.db_password))
        db.create_admin("openstack_citest", s.citest_password)

    # -- services -----------------------------------------------------------------------
    def _task(self, name: str, image: str, entrypoint: str, args: list[str]) -> None:
        code, log = self.stack.run_task(name, image, args, entrypoint=[entrypoint],
                                        binds=self.binds, timeout=600)
        if code != 0:
            raise InfraError(f"{name} failed with exit code {code}", f"see {log}")

    def up(self, *, keystone_venv: Path | None = None, glance_venv: Path | None = None,
           glance_tree: Path, phase: Phase | None = None) -> None:
        step = phase or (lambda _msg: None)
        self.services_log_dir.mkdir(parents=True, exist_ok=True)
        step("database (mysql container)")
        self.ensure_database()
        step("image web server")
        self.start_web_server()
        step("keystone container")
        self._keystone()
        step("glance container")
        self._glance(glance_tree)

    def _keystone(self) -> None:
        s = self.settings
        image = self.image("keystone")
        kdir = s.service_dir("keystone")
        conf = str(render("keystone.conf.j2", s, kdir / "keystone.conf",
                          database_url=s.database_url("keystone"), state_dir=kdir.as_posix(),
                          log_dir=self.services_log_dir.as_posix()))
        user = getpass.getuser()
        me = ["--keystone-user", user, "--keystone-group", user]
        url = f"{s.keystone_url}/v3"
        for step in (["db_sync"], ["fernet_setup", *me], ["credential_setup", *me],
                     ["bootstrap", "--bootstrap-password", s.admin_password,
                      "--bootstrap-admin-url", url, "--bootstrap-internal-url", url,
                      "--bootstrap-public-url", url, "--bootstrap-region-id", "RegionOne"]):
            self._task(f"keystone-{step[0].replace('_', '-')}", image, "keystone-manage",
                       ["--config-file", conf, *step])
        self.stack.start(ServiceSpec("keystone", image, s.keystone_port, config_dir=kdir,
                                     binds=self.binds, health_timeout=180))
        self._provision_glance_user()

    def _provision_glance_user(self) -> None:
        # The local backend's provisioning, over Keystone's API (its venv is not used).
        Keystone(self.settings, self.runner, Path()).provision_glance()

    def _glance(self, tree: Path) -> None:
        s = self.settings
        image = self.image("glance")
        gdir = s.service_dir("glance")
        for sub in ("image-cache", "staging", "tasks", "locks"):
            (gdir / sub).mkdir(parents=True, exist_ok=True)
        conf = str(render("glance-api.conf.j2", s, gdir / "glance-api.conf",
                          database_url=s.database_url("glance"), state_dir=gdir.as_posix(),
                          store_dir=PATHS[self.stack.platform].image_store,
                          config_dir=gdir.as_posix(), python=IMAGE_PYTHON,
                          log_dir=self.services_log_dir.as_posix()))
        shutil.copyfile(tree / "etc" / "glance-api-paste.ini", gdir / "glance-api-paste.ini")
        self._task("glance-db-sync", image, "glance-manage", ["--config-file", conf, "db_sync"])
        self._task("glance-load-metadefs", image, "glance-manage",
                   ["--config-file", conf, "db_load_metadefs", str(tree / "etc" / "metadefs")])
        self.stack.start(ServiceSpec("glance", image, s.glance_port, config_dir=gdir,
                                     binds=self.binds, image_store=True, health_timeout=180))

    def check_alive(self) -> None:
        for name, container in self.stack.containers.items():
            try:
                container.reload()
                status = container.status
            except (docker.errors.APIError, requests.RequestException) as exc:
                raise InfraError(f"the {name} container is gone: {exc}") from exc
            if status != "running":
                raise InfraError(f"the {name} container stopped during the run ({status})",
                                 f"its log is saved in {self.stack.run_dir / 'logs'}")

    def publish_configs(self, dest: Path) -> None:
        """The masked config files, and the containers' logs so far (a kept run's too)."""
        super().publish_configs(dest)
        if self.stack.containers:
            self.stack.save_logs()

    def executor(self, lane: str) -> DockerExecutor:
        """The lane's test runner in a one-shot container of its image."""
        return DockerExecutor(self.stack, self.image(lane), self.binds)

    def down(self) -> None:
        if self.web is not None:
            self.web.stop()
            self.web = None
        self.db_server = None
        self.stack.stop()
