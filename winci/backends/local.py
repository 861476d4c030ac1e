"""The local backend: venvs on this host, and MariaDB, Keystone and Glance as its processes.

:meth:`LocalBackend.prepare` makes the cached venvs (Glance's requirements with the
patched libraries' wheels, never Glance itself; Keystone and tempest when the tempest
lane runs), pinned by the tree's constraints, and the work tree's own metadata. Every
Glance process of the run (stestr and its workers, ``glance-manage``, the API) gets the
work tree first on its path (:func:`~winci.worktree.tree.tree_path_env`), so runs of
different trees share the venv without seeing each other's code. The stack comes up on
demand: the functional lane needs only the database (for oslo.db's ``openstack_citest``
tests), tempest needs everything. Each lane runs its programs from its venv
(:class:`LocalExecutor`).
"""

from __future__ import annotations

from pathlib import Path

from winci.backends.base import BackendConfig, Step
from winci.backends.shared import (
    endpoints,
    provision_databases,
    publish_configs,
    stack_settings,
    start_image_server,
    write_credentials,
)
from winci.envs import ensure_env
from winci.envs.specs import glance_env, keystone_env, patched_env_inputs, tempest_env
from winci.errors import InfraError
from winci.host.paths import venv_python
from winci.lanes.executor import LocalExecutor
from winci.procs import Runner
from winci.runfolder import Manifest
from winci.stack.mariadb import MariaDBServer, server_binary
from winci.stack.services import Glance, Keystone
from winci.stack.webserver import ImageWebServer
from winci.ui import Progress
from winci.worktree.prepared import PreparedTree
from winci.worktree.tree import TREE_ON_PATH_LAYOUT, ensure_tree_metadata, tree_path_env


class LocalBackend:
    """See the module docstring."""

    name = "local"

    def __init__(self, config: BackendConfig, runner: Runner) -> None:
        self.config = config
        self.runner = runner
        self.settings = stack_settings(config)
        self.notes: list[str] = []
        self.tree: PreparedTree | None = None
        self.glance_venv: Path | None = None
        self.keystone_venv: Path | None = None
        self.tempest_venv: Path | None = None
        self.db_server: MariaDBServer | None = None
        self.keystone: Keystone | None = None
        self.glance: Glance | None = None
        self.web: ImageWebServer | None = None

    # -- environments -------------------------------------------------------------------
    def prepare(self, tree: PreparedTree, progress: Progress) -> None:
        glance_extra, keystone_wheel = patched_env_inputs(dict(tree.wheels))
        with progress.phase("glance environment"):
            self.glance_venv = ensure_env(glance_env(tree.path, extra=glance_extra,
                                                     local_key=TREE_ON_PATH_LAYOUT,
                                                     constraints=tree.constraints),
                                          self.runner)
            if ensure_tree_metadata(self.runner, venv_python(self.glance_venv), tree.path,
                                    tree.source.version):
                progress.say("  wrote the work tree's metadata (glance.egg-info)")
        if "tempest" in self.config.lanes:
            with progress.phase("keystone and tempest environments"):
                self.keystone_venv = ensure_env(keystone_env(constraints=tree.constraints,
                                                             keystone=keystone_wheel),
                                                self.runner)
                self.tempest_venv = ensure_env(tempest_env(constraints=tree.constraints),
                                               self.runner)
        self.tree = tree

    def record(self, manifest: Manifest) -> None:
        pass  # the venvs are keyed on their inputs; manifest.json has those already

    def executor(self, lane: str) -> LocalExecutor:
        if lane == "tempest":
            return LocalExecutor(self.tempest_venv)
        return LocalExecutor(self.glance_venv,
                             tree_path_env(self.tree.path) if self.tree is not None else {})

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
        provision_databases(server, s)

    def citest_url(self) -> str | None:
        if self.db_server is None:
            return None
        return self.db_server.url("openstack_citest", self.settings.citest_password)

    # -- services -----------------------------------------------------------------------
    def up(self, step: Step) -> None:
        tree, kvenv, gvenv = self.tree, self.keystone_venv, self.glance_venv
        if tree is None or kvenv is None or gvenv is None:
            raise InfraError("the local stack needs its environments first",
                             "the run prepares them with the tempest lane")
        s = self.settings
        step("database")
        self.ensure_database()
        step("image web server")
        self.web = start_image_server(s, self.runner)
        step("keystone")
        self.keystone = Keystone(s, self.runner, kvenv)
        self.keystone.configure_and_bootstrap()
        self.keystone.start()
        self.keystone.provision_glance()
        step("glance")
        self.glance = Glance(s, self.runner, gvenv, tree.path)
        self.glance.configure()
        self.glance.migrate()
        self.glance.start()

    def check_alive(self) -> None:
        for svc in (self.keystone, self.glance):
            if svc is not None and svc.service is not None and not svc.service.alive():
                raise InfraError(f"{svc.service.name} exited during the run",
                                 f"see {svc.service.log}")

    def endpoints(self) -> dict[str, str]:
        return endpoints(self.settings, database=self.db_server is not None)

    def write_credentials(self) -> Path:
        return write_credentials(self.settings)

    def publish_configs(self, dest: Path) -> None:
        publish_configs(self.settings, dest)

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
