"""The docker backend: the run's images, and MariaDB, Keystone and Glance as containers.

:meth:`DockerBackend.prepare` reaches the engine (``DOCKER_HOST``) and builds the images
from the run's prepared tree (its patched work tree, its wheels and its constraints;
the engine's layer cache makes a repeat cost little), through
:func:`winci.docker.prepare.build_images`, as ``winci build`` does. No host venv is
made. The stack, on :class:`winci.docker.containers.RunContainers`:

- containers with host networking on free 127.0.0.1 ports, labelled with the run id;
- the config files rendered from the shared templates into the run's private state dir,
  which is bind-mounted at the same path (so the paths in them mean the same inside),
  as are the run folder and the work tree;
- ``keystone-manage`` and ``glance-manage`` as one-shot containers of their images;
- with host networking, a second Glance container (``glance-remote``, tempest's
  ``image_remote``: the same database and image store, its own port, state and logs),
  as the local backend's second API; behind NAT (Windows containers) none, and
  tempest's three remote tests skip;
- the image store in a named volume (``winci-<run>-images``);
- the services' own log files in ``<run>/logs/services/``; on :meth:`down` every
  container's output lands in ``<run>/logs/<service>.log``;
- the lanes' programs in one-shot containers (:class:`~winci.docker.executor.DockerExecutor`):
  unit and functional in the Glance image, tempest in the tempest image.

The image web server for tempest's web-download imports and http:// locations stays a
process of this host, as with the local backend: the containers reach it on 127.0.0.1
through the host network.
"""

from __future__ import annotations

import getpass
import os
import shutil
from pathlib import Path
from typing import Any

import docker.errors
import requests

from winci.backends.base import BackendConfig, Step
from winci.backends.shared import (
    endpoints,
    provision_databases,
    publish_configs,
    stack_settings,
    start_image_server,
    want_remote_glance,
    write_credentials,
)
from winci.docker.containers import PATHS, RunContainers, ServiceSpec, host_user
from winci.docker.executor import DockerExecutor
from winci.docker.images import BuildOptions
from winci.errors import InfraError
from winci.host.netutil import LOOPBACK
from winci.host.paths import cache_dir
from winci.procs import Runner
from winci.runfolder import Manifest
from winci.stack.api_site import api_site
from winci.stack.mariadb import Database, admin_sql, database_sql, server_url
from winci.stack.services import provision_glance
from winci.stack.settings import render
from winci.stack.webserver import ImageWebServer
from winci.ui import Progress
from winci.worktree.prepared import PreparedTree

# The image each container of the stack (and each lane's test runner) comes from.
SERVICE_IMAGES = {"mysql": "mysql", "keystone": "keystone", "glance": "glance",
                  "unit": "glance", "functional": "glance", "tempest": "tempest"}
# A path inside the Linux images (dockerfiles/base), not on the host.
IMAGE_PYTHON = "/opt/winci/venv/bin/python"  # winci: ignore[WP601]


class ContainerDatabase:
    """The MariaDB of the run's ``mysql`` container, provisioned with the same SQL as the
    local backend's server (run by the ``mariadb`` client in that container)."""

    def __init__(self, containers: RunContainers, port: int) -> None:
        self.containers = containers
        self.port = port

    def sql(self, statements: str) -> None:
        code, out = self.containers.exec("mysql", [
            "mariadb", "--no-defaults", f"--host={LOOPBACK}", f"--port={self.port}",
            "--user=root", "-e", statements])
        if code != 0:
            raise InfraError(f"SQL in the mysql container failed (exit code {code})",
                             out.strip()[-300:])

    def create_database(self, db: Database) -> None:
        self.sql(database_sql(db))

    def create_admin(self, user: str, password: str) -> None:
        self.sql(admin_sql(user, password))

    def url(self, user: str, password: str) -> str:
        return server_url(self.port, user, password)


def ca_bundle() -> Path | None:
    """The CA bundle pip trusts inside Linux image builds (as ``winci build``)."""
    for var in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        value = os.environ.get(var)
        if value and Path(value).is_file():
            return Path(value)
    default = Path("/etc/ssl/certs/ca-certificates.crt")
    return default if os.name != "nt" and default.is_file() else None


class DockerBackend:
    """See the module docstring."""

    name = "docker"

    def __init__(self, config: BackendConfig, runner: Runner) -> None:
        self.config = config
        self.runner = runner
        self.settings = stack_settings(config)
        self.notes: list[str] = []
        self.images: dict[str, str] = {}
        self.tree: PreparedTree | None = None
        self.containers: RunContainers | None = None
        # Host folders the containers see at the same paths: the private state dir, the
        # run folder and the Glance work tree.
        self.binds: dict[str, str] = {}
        self.db_server: ContainerDatabase | None = None
        self.web: ImageWebServer | None = None
        self.services_log_dir = self.settings.log_dir / "services"

    # -- images -------------------------------------------------------------------------
    def images_needed(self) -> tuple[str, ...]:
        lanes = set(self.config.lanes)
        needed = ["base", "glance"]
        if lanes & {"functional", "tempest"} and self.config.db == "mysql":
            needed.append("mysql")
        if "tempest" in lanes:
            needed += ["keystone", "tempest"]
        return tuple(needed)

    def build_options(self) -> BuildOptions:
        """The build of this run's images (the tree adds its queue and constraints)."""
        return BuildOptions(work_dir=(cache_dir() / "build").resolve(), ca_bundle=ca_bundle(),
                            images=self.images_needed())

    def prepare(self, tree: PreparedTree, progress: Progress) -> None:
        """The engine and the images (built, or reused from the engine's layer cache)."""
        from winci.docker.engine import connect
        from winci.docker.prepare import build_images

        with progress.phase("container engine"):
            client = connect()
        with progress.phase("images (cached layers are reused)"):
            prepared, built = build_images(client, self.build_options(), tree, self.runner)
            self.images = {spec.name: spec.ref for spec in prepared.plan.images}
            for b in built:
                progress.say(f"  {b.ref}: {b.duration_s:.0f}s, {len(b.rebuilt)} of "
                             f"{len(b.layer_steps)} layers built")
        self.tree = tree
        self.containers = RunContainers(client, run_id=self.config.run_id,
                                        run_dir=self.config.out_dir, user=host_user())
        shared = (self.config.private_dir, self.config.out_dir, tree.path)
        self.binds = {str(p.resolve()): str(p.resolve()) for p in shared}

    def record(self, manifest: Manifest) -> None:
        manifest.images = dict(self.images)

    def platform_info(self) -> dict[str, Any]:
        """The images' platform; their interpreter is the base image's (see its tag)."""
        return {"name": self.config.platform, "label": f"{self.config.platform} containers",
                "images": dict(self.images)}

    def _running(self) -> tuple[RunContainers, PreparedTree]:
        if self.containers is None or self.tree is None:
            raise InfraError("the docker backend needs its images first",
                             "the run builds them in its images phase")
        return self.containers, self.tree

    def image(self, what: str) -> str:
        try:
            return self.images[SERVICE_IMAGES[what]]
        except KeyError as exc:
            raise InfraError(f"no image for {what}", "the run builds them first") from exc

    def executor(self, lane: str) -> DockerExecutor:
        """The lane's programs in one-shot containers of its image."""
        containers, _ = self._running()
        return DockerExecutor(containers, self.image(lane), self.binds)

    # -- database -----------------------------------------------------------------------
    def resolve_db_mode(self) -> str:
        return self.settings.db  # the mysql image always has a server

    def ensure_database(self) -> None:
        if self.settings.db != "mysql" or self.db_server is not None:
            return
        containers, _ = self._running()
        s = self.settings
        # The image's own user: its data dir (a volume of the image) belongs to it.
        containers.start(ServiceSpec("mysql", self.image("mysql"), s.db_port, user="winci",
                                     http=False, health_timeout=180))
        self.db_server = ContainerDatabase(containers, s.db_port)
        provision_databases(self.db_server, s)

    def citest_url(self) -> str | None:
        if self.db_server is None:
            return None
        return self.db_server.url("openstack_citest", self.settings.citest_password)

    # -- services -----------------------------------------------------------------------
    def _task(self, name: str, image: str, entrypoint: str, args: list[str]) -> None:
        containers, _ = self._running()
        code, log = containers.run_task(name, image, args, entrypoint=[entrypoint],
                                        binds=self.binds, timeout=600)
        if code != 0:
            raise InfraError(f"{name} failed with exit code {code}", f"see {log}")

    def up(self, step: Step) -> None:
        containers, _ = self._running()
        self.services_log_dir.mkdir(parents=True, exist_ok=True)
        if containers.network_mode == "host":
            # The second API (tempest's image_remote) proxies to the first at its
            # worker_self_reference_url, 127.0.0.1: one network, the host's. Behind NAT
            # (Windows containers) each container's 127.0.0.1 is its own: none there.
            want_remote_glance(self.settings)
        step("database (mysql container)")
        self.ensure_database()
        step("image web server")
        self.web = start_image_server(self.settings, self.runner)
        step("keystone container")
        self._keystone()
        step("glance containers" if self.settings.glance_remote_port else "glance container")
        self._glance()

    def _keystone(self) -> None:
        containers, _ = self._running()
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
                     ["bootstrap", f"--bootstrap-password={s.admin_password}",
                      "--bootstrap-admin-url", url, "--bootstrap-internal-url", url,
                      "--bootstrap-public-url", url, "--bootstrap-region-id", "RegionOne"]):
            self._task(f"keystone-{step[0].replace('_', '-')}", image, "keystone-manage",
                       ["--config-file", conf, *step])
        containers.start(ServiceSpec("keystone", image, s.keystone_port, config_dir=kdir,
                                     binds=self.binds, health_timeout=180))
        provision_glance(s)  # over Keystone's API, as the local backend

    def _glance(self) -> None:
        containers, tree = self._running()
        s = self.settings
        image = self.image("glance")
        etc = tree.path / "etc"
        sites = [api_site(s, log_dir=self.services_log_dir)]
        if s.glance_remote_port is not None:
            sites.append(api_site(s, remote=True, log_dir=self.services_log_dir))
        for site in sites:
            gdir = s.service_dir(site.name)
            for sub in ("image-cache", "staging", "tasks", "locks"):
                (gdir / sub).mkdir(parents=True, exist_ok=True)
            site.log_dir.mkdir(parents=True, exist_ok=True)
            conf = str(render("glance-api.conf.j2", s, gdir / "glance-api.conf",
                              database_url=s.database_url("glance"),
                              state_dir=gdir.as_posix(),
                              store_dir=PATHS[containers.platform].image_store,
                              config_dir=gdir.as_posix(), python=IMAGE_PYTHON,
                              log_dir=site.log_dir.as_posix(), **site.template_vars()))
            shutil.copyfile(etc / "glance-api-paste.ini", gdir / "glance-api-paste.ini")
            if not site.remote:  # one database: migrated once
                self._task("glance-db-sync", image, "glance-manage",
                           ["--config-file", conf, "db_sync"])
                self._task("glance-load-metadefs", image, "glance-manage",
                           ["--config-file", conf, "db_load_metadefs", str(etc / "metadefs")])
            containers.start(ServiceSpec(site.name, image, site.port, serves="glance",
                                         config_dir=gdir, binds=self.binds, image_store=True,
                                         health_timeout=180))

    def check_alive(self) -> None:
        containers = self.containers.containers if self.containers else {}
        for name, container in containers.items():
            try:
                container.reload()
                status = container.status
            except (docker.errors.APIError, requests.RequestException) as exc:
                raise InfraError(f"the {name} container is gone: {exc}") from exc
            if status != "running":
                raise InfraError(f"the {name} container stopped during the run ({status})",
                                 f"its log is saved in {self.config.out_dir / 'logs'}")

    def endpoints(self) -> dict[str, str]:
        return endpoints(self.settings, database=self.db_server is not None)

    def write_credentials(self) -> Path:
        return write_credentials(self.settings)

    def publish_configs(self, dest: Path) -> None:
        """The masked config files, and the containers' logs so far (a kept run's too)."""
        publish_configs(self.settings, dest)
        if self.containers is not None and self.containers.containers:
            self.containers.save_logs()

    def down(self) -> None:
        if self.web is not None:
            self.web.stop()
            self.web = None
        self.db_server = None
        if self.containers is not None:
            self.containers.stop()
