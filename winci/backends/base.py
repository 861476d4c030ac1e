"""Where a run executes: the one interface every backend implements.

A run (:mod:`winci.runs`) prepares its Glance tree once (a
:class:`~winci.worktree.prepared.PreparedTree`: synced, patched, with the patched
libraries' wheels built from the run's constraints) and hands it to its backend, which
executes it:

1. :meth:`~Backend.prepare`: make what the tree runs in (environments, images), pinned
   by the tree's constraints, in phases of the run's progress;
2. :meth:`~Backend.ensure_database` and :meth:`~Backend.up`: bring the stack up as far
   as the lanes need it (the database alone for functional, everything for tempest);
3. :meth:`~Backend.executor`: the :class:`~winci.lanes.executor.TestExecutor` each lane
   runs its programs through, and what the lanes read of the stack (``settings``,
   :meth:`~Backend.citest_url`, :meth:`~Backend.check_alive`);
4. :meth:`~Backend.publish_configs`, :meth:`~Backend.write_credentials` (``--keep``),
   :meth:`~Backend.endpoints` and :meth:`~Backend.down` at the end.

The implementations are siblings (none derives from another); they share parts by
composition (:mod:`winci.backends.shared`, :mod:`winci.stack`):

- :class:`winci.backends.local.LocalBackend`: venvs, and the stack as processes on this
  host;
- :class:`winci.backends.docker.DockerBackend`: images, and the stack as containers.

- :class:`winci.backends.wine.WineBackend` (``--platform wine``): ``prepare`` makes
  Glance's environment with Windows CPython under Wine, ``up`` starts MariaDB and
  Keystone as native processes (the :mod:`winci.stack` parts the local backend uses)
  and Glance's API under the Windows interpreter, and ``executor`` runs Glance's tests
  there.
- :class:`winci.backends.kept.KeptBackend` (``--stack RUN_ID``): the stack a ``--keep``
  run left up, for the tempest lane; ``prepare`` makes tempest's venv only, ``up``
  checks the services answer, ``down`` leaves them up.

:mod:`winci.backends` names them for ``--backend`` (and ``--platform``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from winci.lanes.executor import TestExecutor
from winci.runfolder import Manifest
from winci.stack.settings import StackSettings
from winci.ui import Progress
from winci.worktree.prepared import PreparedTree

# Says one step of bringing the stack up (a line of the run's output).
Step = Callable[[str], object]


@dataclass(frozen=True)
class BackendConfig:
    """What a backend is told about its run, from the run's options (the constraints
    travel with the tree: they pinned its wheels and pin what the backend makes)."""

    run_id: str
    out_dir: Path                  # the run folder: logs, the published configs
    private_dir: Path              # private state, removed at the end unless kept
    lanes: tuple[str, ...]
    db: str = "mysql"              # "mysql" or "sqlite"
    keystone_port: int | None = None
    glance_port: int | None = None
    platform: str = "linux"        # where Glance's Python runs (winci.platforms)
    python: str | None = None      # that platform's interpreter version (wine: 3.12)


class Backend(Protocol):
    """Where a run executes; see the module docstring."""

    name: str

    @property
    def settings(self) -> StackSettings:
        """Ports, passwords and folders of the run's stack (the config templates' input)."""

    @property
    def notes(self) -> list[str]:
        """What the run's output should say about choices made (e.g. SQLite instead)."""

    def prepare(self, tree: PreparedTree, progress: Progress) -> None:
        """Make what ``tree`` runs in, in phases of ``progress``; nothing is started."""

    def record(self, manifest: Manifest) -> None:
        """Note in the run's manifest what this backend made (e.g. its images)."""

    def platform_info(self) -> dict[str, Any]:
        """Where its lanes' tests run, for the manifest, summary.json and the HTML:
        ``name`` and ``label`` (winci.platforms), the interpreter (``python``: its
        ``sys.version``, ``sys_platform``) and, under Wine, ``wine`` (its version)."""

    def resolve_db_mode(self) -> str:
        """``mysql`` or ``sqlite``: what :meth:`ensure_database` will provide."""

    def ensure_database(self) -> None:
        """The database server with the keystone, glance and openstack_citest users."""

    def up(self, step: Step) -> None:
        """The whole stack: database, image web server, Keystone, Glance."""

    def endpoints(self) -> dict[str, str]:
        """What is up, and where (printed for a kept run)."""

    def citest_url(self) -> str | None:
        """oslo.db's admin URL for the MySQL opportunistic tests, when MySQL is up."""

    def executor(self, lane: str) -> TestExecutor:
        """What ``lane`` runs its programs through, bound to the lane's environment."""

    def check_alive(self) -> None:
        """Raise InfraError when a service of the stack is gone."""

    def publish_configs(self, dest: Path) -> None:
        """The rendered config files in ``dest``, every secret masked (and service logs)."""

    def write_credentials(self) -> Path:
        """A credentials file in the private state dir (never published)."""

    def down(self) -> None:
        """Stop whatever is up; idempotent."""
