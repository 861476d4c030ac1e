"""The local backend with Glance's Python on Windows CPython under Wine
(``winci run --backend local --platform wine``).

A sibling of :class:`winci.backends.local.LocalBackend`, sharing its parts by
composition: the database, the image web server and Keystone are the same native
processes of this host (:class:`~winci.backends.shared.HostServices`), tempest runs from
its native venv, and Glance's set-up is :class:`winci.stack.services.Glance` run by
another Python. What differs:

- :meth:`WineBackend.prepare` starts the run's Wine platform
  (:func:`~winci.platforms.wine.provision.start_wine`: Wine, the prefix template, the
  shims, python.org's embeddable CPython, this run's own prefix and wineserver) and
  builds or reuses the Windows Glance environment: Glance's requirements, test
  requirements and the patch queue's library wheels, installed by pip *inside* the
  Windows interpreter, keyed like the local venv (``TREE_ON_PATH_LAYOUT`` included)
  plus the interpreter. Never Glance itself: the work tree goes first on the Windows
  ``PYTHONPATH`` (``Z:\\...``) of every Glance process, and carries its own metadata
  (``glance.egg-info``, plain text: written by pbr in a small venv of this host);
- the unit and functional lanes run stestr under Wine (:class:`WineExecutor`), and
  reach the run's MariaDB on 127.0.0.1 from the Windows side;
- ``glance-manage`` and the Glance API run under the Windows interpreter through the
  run's Wine session (:class:`WinePython`), behind the native Keystone: the patch
  queue's ``glance.cmd.api_waitress`` with :data:`WORKERS` worker processes (through
  winci's launcher, whose first line names the interpreter); each worker logs its pid
  and platform, and the access log which worker served each request. A second API
  (tempest's ``image_remote``, one worker) runs beside it the same way
  (:func:`~winci.backends.shared.start_glances`);
- Glance's images are on a share as a Windows host names it: the run's folder
  ``<private>/stack/sofs`` is ``\\\\winci-sofs\\glance`` and drive ``S:`` in the run's prefix
  (:mod:`winci.platforms.wine.shares`); the file stores are on the UNC path, staging,
  tasks, the image cache and the locks on the drive letter, as a container on a Hyper-V
  host sees its SoFS share through ``New-SmbGlobalMapping`` (the second API's state
  under ``S:\\node2``, as a second Glance node's);
- :meth:`WineBackend.down` stops the services, then ends the Wine session: every Wine
  process of the run (wineserver and Wine's helpers included) is gone before the
  run's runner closes. A set-up that fails or is interrupted ends it too.

Results from here are "Windows CPython under Wine", never "Windows".
"""

from __future__ import annotations

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
from winci.envs.builder import EnvSpec
from winci.envs.specs import glance_env, patched_env_inputs
from winci.errors import InfraError
from winci.host.paths import venv_python
from winci.lanes.executor import LocalExecutor, TestExecutor
from winci.platforms import PLATFORMS
from winci.platforms.wine.prefix import to_windows_path
from winci.platforms.wine.provision import WinePlatform, start_wine
from winci.platforms.wine.shares import MappedShare, map_share
from winci.procs import Runner
from winci.runfolder import Manifest
from winci.stack.services import DEFAULT_WORKERS, Glance, GlancePlaces, Place
from winci.ui import Progress
from winci.worktree.prepared import PreparedTree
from winci.worktree.tree import TREE_ON_PATH_LAYOUT, ensure_tree_metadata, tree_path_env

LABEL = PLATFORMS["wine"].label  # "Windows CPython under Wine"
WORKERS = DEFAULT_WORKERS  # the Glance API's worker processes (at least 2: issue 15)
# The image share, as the run's prefix names it (a SoFS share on a Hyper-V host).
SHARE_SERVER, SHARE_NAME, SHARE_DRIVE = "winci-sofs", "glance", "S:"


def glance_spec(tree: PreparedTree) -> EnvSpec:
    """The Windows Glance environment of ``tree``: the local venv's spec (requirements,
    test requirements, the patch queue's library wheels, ``TREE_ON_PATH_LAYOUT``); the
    Windows interpreter is added to its key where it is built."""
    extra, _ = patched_env_inputs(dict(tree.wheels))
    return glance_env(tree.path, extra=extra, local_key=TREE_ON_PATH_LAYOUT,
                      constraints=tree.constraints)


def metadata_env(constraints: Path) -> EnvSpec:
    """A venv of this host with pbr (and setuptools, as every venv has) to write the
    work tree's ``glance.egg-info``: plain text, the same for any interpreter, so the
    Windows environment needs no setuptools."""
    return EnvSpec(name="pbr", requirements=("pbr",), constraints=constraints)


def glance_places(share: MappedShare, node: str = "node") -> GlancePlaces:
    """Glance's folders on ``share``: the file stores under ``\\\\server\\share\\images``
    (UNC), an API's state (staging, tasks, image cache, locks) under ``S:\\<node>``
    (the drive letter; the second API's is ``node2``, as a second Glance node's would
    be); all folders of the same host folder."""
    return GlancePlaces(store=Place(share.host_path("images"), share.unc_path("images")),
                        state=Place(share.host_path(node), share.drive_path(node)))


class WineBackend:
    """See the module docstring."""

    name = "local"
    platform = "wine"

    def __init__(self, config: BackendConfig, runner: Runner) -> None:
        self.config = config
        self.runner = runner
        self.settings = stack_settings(config)
        # Glance's and Keystone's own logs apart from the Linux stack's (a run may have
        # both) and from the runner's service logs in logs/wine/
        self.settings.log_dir = config.out_dir / "logs" / "wine" / "services"
        self.share: MappedShare | None = None
        self.notes: list[str] = []
        self.tree: PreparedTree | None = None
        self.wine: WinePlatform | None = None
        self.glance_env: Path | None = None
        self.keystone_venv: Path | None = None
        self.tempest_venv: Path | None = None
        self.host = HostServices(self.settings, runner, self.notes)
        self.glances: list[Glance] = []  # the API, then the second one (image_remote)
        self.timings: dict[str, float] = {}
        self._platform: dict[str, Any] = {"name": "wine", "label": LABEL, "what": LABEL}

    @property
    def glance(self) -> Glance | None:
        """Glance's API (the first of :attr:`glances`), once it is being brought up."""
        return self.glances[0] if self.glances else None

    # -- environments -------------------------------------------------------------------
    def prepare(self, tree: PreparedTree, progress: Progress) -> None:
        _, keystone_wheel = patched_env_inputs(dict(tree.wheels))
        try:
            with progress.phase("wine platform"):
                wine = self.wine = start_wine(self.runner, self.config.private_dir,
                                              python=self.config.python)
                self._platform = wine.manifest()
                progress.say(f"  {LABEL}: Python {wine.interpreter.facts.get('version')}, "
                             f"{wine.wine_version}")
            with progress.phase("glance environment"):
                self.glance_env = wine.ensure_env(glance_spec(tree))
                pbr = ensure_env(metadata_env(tree.constraints), self.runner)
                if ensure_tree_metadata(self.runner, venv_python(pbr), tree.path,
                                        tree.source.version):
                    progress.say("  wrote the work tree's metadata (glance.egg-info)")
            if "tempest" in self.config.lanes:
                with progress.phase("keystone and tempest environments"):
                    self.keystone_venv, self.tempest_venv = native_tempest_envs(
                        self.runner, tree, keystone_wheel)
        except BaseException:
            self.down()  # the run never gets this backend: end its Wine now
            raise
        self.tree = tree

    def record(self, manifest: Manifest) -> None:
        pass  # the run records platform_info() (manifest, summary.json); envs are keyed

    def platform_info(self) -> dict[str, Any]:
        """Where Glance's Python ran: the Windows interpreter's facts (``sys.version``,
        ``sys.platform``), Wine's version, the set-up's timings and, once the API is up,
        what the API's own interpreter said at its start (``glance_api``)."""
        info = dict(self._platform)
        timings = {**(self.wine.timings if self.wine is not None else {}), **self.timings}
        if timings:
            info["timings_s"] = {k: round(v, 2) for k, v in sorted(timings.items())}
        info |= glance_facts(self.glances)
        if self.share is not None:
            info["image_share"] = {"unc": self.share.unc, "drive": self.share.drive,
                                   "what": "a folder of the run mapped by the prefix's "
                                           "dosdevices (not SMB)"}
        return info

    def executor(self, lane: str) -> TestExecutor:
        if lane == "tempest":
            return LocalExecutor(self.tempest_venv)  # tempest is a native venv
        if self.wine is None:
            raise InfraError(f"the {lane} lane needs the wine platform",
                             "the run starts it when it prepares the backend")
        variables = (tree_path_env(self.tree.path, "", windows_path=to_windows_path)
                     if self.tree is not None else {})
        return self.wine.executor(self.glance_env, variables)

    # -- database -----------------------------------------------------------------------
    def resolve_db_mode(self) -> str:
        return self.host.resolve_db_mode()

    def ensure_database(self) -> None:
        self.host.ensure_database()

    def citest_url(self) -> str | None:
        return self.host.citest_url()

    # -- services -----------------------------------------------------------------------
    def up(self, step: Step) -> None:
        tree, kvenv, genv, wine = self.tree, self.keystone_venv, self.glance_env, self.wine
        if tree is None or kvenv is None or genv is None or wine is None:
            raise InfraError("the wine stack needs its environments first",
                             "the run prepares them with the tempest lane")
        self.settings.log_dir.mkdir(parents=True, exist_ok=True)
        want_remote_glance(self.settings)
        self.host.up(step, kvenv)
        step(f"the image share ({LABEL})")
        share = self.share = map_share(wine.session.prefix, SHARE_SERVER, SHARE_NAME,
                                       self.settings.service_dir("sofs"), drive=SHARE_DRIVE)
        start_glances(step, self.settings, wine.python(genv), tree.path, self.glances,
                      workers=WORKERS, places=glance_places(share),
                      remote_places=glance_places(share, node="node2"))

    def check_alive(self) -> None:
        self.host.check_alive(*(glance.service for glance in self.glances))

    def endpoints(self) -> dict[str, str]:
        return self.host.endpoints()

    def write_credentials(self) -> Path:
        return write_credentials(self.settings)

    def publish_configs(self, dest: Path) -> None:
        publish_configs(self.settings, dest)

    def down(self) -> None:
        """Glance's API, the native services, then the Wine session (every Wine
        process of the run); idempotent."""
        try:
            stop_glances(self.glances)
            self.host.down()
        finally:
            wine, self.wine = self.wine, None
            if wine is not None:
                wine.close()
                self.timings.update(wine.timings)  # its end's too, for platform_info()
