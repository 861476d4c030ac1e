"""The local backend: venvs on this host, and MariaDB, Keystone and Glance as its processes.

:meth:`LocalBackend.prepare` makes the cached venvs (Glance's requirements with the
patched libraries' wheels, never Glance itself; Keystone and tempest when the tempest
lane runs), pinned by the tree's constraints, and the work tree's own metadata. Every
Glance process of the run (stestr and its workers, ``glance-manage``, the API) gets the
work tree first on its path (:func:`~winci.worktree.tree.tree_path_env`), so runs of
different trees share the venv without seeing each other's code. The stack comes up on
demand: the functional lane needs only the database (for oslo.db's ``openstack_citest``
tests), tempest needs everything: Glance's API and a second one, tempest's
``image_remote`` (:func:`~winci.backends.shared.start_glances`). Each lane runs its
programs from its venv (:class:`LocalExecutor`).
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Any

from winci.backends.base import BackendConfig, Step
from winci.backends.shared import (
    HostServices,
    glance_facts,
    native_tempest_envs,
    publish_configs,
    stack_settings,
    start_glances,
    stop_glances,
    want_remote_glance,
    write_credentials,
)
from winci.envs import ensure_env
from winci.envs.specs import glance_env, patched_env_inputs
from winci.errors import InfraError
from winci.host.paths import venv_python
from winci.lanes.executor import LocalExecutor
from winci.platforms import PLATFORMS
from winci.procs import Runner
from winci.runfolder import Manifest
from winci.stack.services import DEFAULT_WORKERS, Glance, HostPython
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
        self.host = HostServices(self.settings, runner, self.notes)
        self.glances: list[Glance] = []  # the API, then the second one (image_remote)

    @property
    def glance(self) -> Glance | None:
        """Glance's API (the first of :attr:`glances`), once it is being brought up."""
        return self.glances[0] if self.glances else None

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
                self.keystone_venv, self.tempest_venv = native_tempest_envs(
                    self.runner, tree, keystone_wheel)
        self.tree = tree

    def record(self, manifest: Manifest) -> None:
        pass  # the venvs are keyed on their inputs; manifest.json has those already

    def platform_info(self) -> dict[str, Any]:
        """Where Glance's Python ran: this host's interpreter (its venvs are made by it)
        and, once the APIs are up, what their own processes said (``glance_api``,
        ``glance_api_remote``)."""
        info: dict[str, Any] = {"name": "linux", "label": PLATFORMS["linux"].label,
                                "python": platform.python_version(),
                                "sys_version": sys.version, "sys_platform": sys.platform}
        return info | glance_facts(self.glances)

    def executor(self, lane: str) -> LocalExecutor:
        if lane == "tempest":
            return LocalExecutor(self.tempest_venv)
        return LocalExecutor(self.glance_venv,
                             tree_path_env(self.tree.path) if self.tree is not None else {})

    # -- database -----------------------------------------------------------------------
    def resolve_db_mode(self) -> str:
        """``mysql`` unless no server binary exists, then the embedded SQLite fallback."""
        return self.host.resolve_db_mode()

    def ensure_database(self) -> None:
        self.host.ensure_database()

    def citest_url(self) -> str | None:
        return self.host.citest_url()

    # -- services -----------------------------------------------------------------------
    def up(self, step: Step) -> None:
        tree, kvenv, gvenv = self.tree, self.keystone_venv, self.glance_venv
        if tree is None or kvenv is None or gvenv is None:
            raise InfraError("the local stack needs its environments first",
                             "the run prepares them with the tempest lane")
        want_remote_glance(self.settings)
        self.host.up(step, kvenv)
        start_glances(step, self.settings, HostPython(self.runner, gvenv), tree.path,
                      self.glances, workers=DEFAULT_WORKERS)

    def check_alive(self) -> None:
        self.host.check_alive(*(glance.service for glance in self.glances))

    def endpoints(self) -> dict[str, str]:
        return self.host.endpoints()

    def write_credentials(self) -> Path:
        return write_credentials(self.settings)

    def publish_configs(self, dest: Path) -> None:
        publish_configs(self.settings, dest)

    def down(self) -> None:
        stop_glances(self.glances)
        self.host.down()

