"""Keystone and Glance as processes on this host, served by winci's launcher.

Each service is configured from the shared templates, bootstrapped with its own
``*-manage`` commands, then served by :mod:`winci.stack.launcher` (waitress) through the
runner, which logs it and ends it with the run.

Glance's Python is a :class:`ServicePython`: a venv of this host (:class:`HostPython`)
or Windows CPython under Wine (:class:`winci.platforms.wine.executor.WinePython`). It
says how that Python runs (``glance-manage``, the launcher) and how it names a host
path (in the config files and arguments); the rest of Glance's set-up is the same.
Where Glance keeps its images and its state (staging, tasks, the image cache, locks)
is a :class:`GlancePlaces`: host folders by default, a share's UNC path and a mapped
drive letter under Wine (:mod:`winci.platforms.wine.shares`).

A tree that carries the patch queue is served by the queue's own server,
``glance.cmd.api_waitress`` (glance patch 0005: one listening socket, ``workers``
worker processes, no fork), run by the launcher so its first line still names the
interpreter; each worker says its pid and platform, and its access log says which
worker served each request (:mod:`winci.stack.api_logs`). A tree without it (``--no-
patches``) is served by the launcher's single waitress process, as before.
"""

from __future__ import annotations

import configparser
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import psutil
import requests

from winci.errors import InfraError
from winci.host.netutil import wait_until
from winci.host.paths import venv_bin, venv_python
from winci.procs import Completed, Runner, Service
from winci.procs.runner import CHILD_ENV
from winci.procs.tree import processes_with_env
from winci.stack import api_logs, launcher
from winci.stack.api_site import api_site
from winci.stack.settings import StackSettings, render
from winci.worktree.tree import tree_path_env

START_TIMEOUT = 120.0
# Glance's API worker processes when the tree carries the patch queue's server.
DEFAULT_WORKERS = 2
API_SERVER = "glance.cmd.api_waitress"  # glance patch 0005


class ServicePython(Protocol):
    """How a service's Python runs, and how it names host paths."""

    @property
    def executable(self) -> str:
        """The interpreter, as the service itself names it (``[wsgi] python_interpreter``)."""

    def path(self, host: Path) -> str:
        """How this Python names the host path ``host`` (config files, arguments)."""

    def tree_env(self, tree: Path) -> dict[str, str]:
        """The variables that make this Python import Glance from the work tree."""

    def run(self, args: Sequence[str], *, name: str, timeout: float, cwd: Path,
            extra_env: Mapping[str, str]) -> Completed:
        """``python ARGS`` to completion through the run's runner; InfraError on failure."""

    def start(self, args: Sequence[str], *, name: str,
              extra_env: Mapping[str, str]) -> Service:
        """``python ARGS`` as a service of the run (ended with it)."""


class HostPython:
    """A venv's Python on this host."""

    def __init__(self, runner: Runner, venv: Path) -> None:
        self.runner = runner
        self.venv = venv

    @property
    def executable(self) -> str:
        return os.fspath(venv_python(self.venv))

    def path(self, host: Path) -> str:
        return host.as_posix()

    def tree_env(self, tree: Path) -> dict[str, str]:
        return tree_path_env(tree)

    def run(self, args: Sequence[str], *, name: str, timeout: float, cwd: Path,
            extra_env: Mapping[str, str]) -> Completed:
        return self.runner.run([self.executable, *args], name=name, timeout=timeout,
                               cwd=cwd, extra_env=extra_env)

    def start(self, args: Sequence[str], *, name: str,
              extra_env: Mapping[str, str]) -> Service:
        return self.runner.start([self.executable, *args], name=name, lifetime=None,
                                 extra_env=extra_env)


def launcher_args(python: ServicePython, app: str, port: int, name: str,
                  env: dict[str, str]) -> list[str]:
    """The arguments that make ``python`` serve ``app`` with waitress on 127.0.0.1:port
    (the launcher, its own file, is run by the service's Python)."""
    return [*_launcher(python, name, env), "--app", app, "--port", str(port)]


def module_launcher_args(python: ServicePython, module: str, module_args: Sequence[str],
                         name: str, env: dict[str, str]) -> list[str]:
    """The arguments that make ``python`` run the server module ``module`` through the
    launcher (its interpreter line first, then ``python -m module module_args``)."""
    return [*_launcher(python, name, env), "--module", module, "--", *module_args]


def _launcher(python: ServicePython, name: str, env: dict[str, str]) -> list[str]:
    args = [python.path(Path(launcher.__file__)), "--name", name]
    for key, value in env.items():
        args += ["--env", f"{key}={value}"]
    return args


@dataclass(frozen=True)
class Place:
    """A folder of Glance's: the host folder behind it, and its name as Glance's Python
    says it (``/x``, ``Z:\\x``, ``\\\\sofs\\glance\\images``, ``S:\\glance``)."""

    host: Path
    name: str


@dataclass(frozen=True)
class GlancePlaces:
    """Where Glance keeps images (``store``: the file stores' root) and its state
    (``state``: staging, tasks, the image cache, locks)."""

    store: Place
    state: Place


def _http_ok(url: str, accept: tuple[int, ...] = (200, 300)) -> bool:
    try:
        return requests.get(url, timeout=3).status_code in accept
    except requests.RequestException:
        return False


class Keystone:
    def __init__(self, settings: StackSettings, runner: Runner, venv: Path) -> None:
        self.settings = settings
        self.runner = runner
        self.venv = venv
        self.config_dir = settings.service_dir("keystone")
        self.config = self.config_dir / "keystone.conf"
        self.service: Service | None = None

    def _manage(self, *args: str, name: str) -> None:
        self.runner.run([venv_bin(self.venv, "keystone-manage"), "--config-file", self.config,
                         *args], name=name, timeout=600)

    def configure_and_bootstrap(self) -> None:
        s = self.settings
        render("keystone.conf.j2", s, self.config, database_url=s.database_url("keystone"),
               state_dir=self.config_dir.as_posix())
        self._manage("db_sync", name="keystone-db-sync")
        user = ["--keystone-user", _current_user(), "--keystone-group", _current_group()]
        self._manage("fernet_setup", *user, name="keystone-fernet-setup")
        self._manage("credential_setup", *user, name="keystone-credential-setup")
        url = f"{s.keystone_url}/v3"
        self._manage("bootstrap", f"--bootstrap-password={s.admin_password}",
                     "--bootstrap-admin-url", url, "--bootstrap-internal-url", url,
                     "--bootstrap-public-url", url, "--bootstrap-region-id", "RegionOne",
                     name="keystone-bootstrap")

    def start(self) -> None:
        python = HostPython(self.runner, self.venv)
        args = launcher_args(python, "keystone.wsgi.api:application",
                             self.settings.keystone_port, "keystone",
                             {"OS_KEYSTONE_CONFIG_FILES": os.fspath(self.config)})
        self.service = python.start(args, name="keystone-wsgi", extra_env={})
        service = self.service
        wait_until(lambda: _http_ok(f"{self.settings.keystone_url}/v3", (200,)),
                   timeout=START_TIMEOUT, what="Keystone", alive=service.alive)

    def provision_glance(self) -> None:
        provision_glance(self.settings)


def provision_glance(settings: StackSettings) -> None:
    """Through a running Keystone's API: the service project, the glance user (admin and
    service roles), the image service and its endpoints, and the second API's
    (``image_remote``) when the stack has one. Any backend's Keystone."""
    api = KeystoneAPI(f"{settings.keystone_url}/v3", settings.admin_password)
    project = api.ensure("projects", {"name": "service", "domain_id": "default"})
    user = api.ensure("users", {"name": "glance", "domain_id": "default",
                                "password": settings.glance_password})
    for role_name in ("admin", "service"):
        role = api.ensure("roles", {"name": role_name})
        api.put(f"/projects/{project}/users/{user}/roles/{role}")
    catalog = {"image": ("glance", settings.glance_url)}
    if settings.glance_remote_url is not None:  # tempest's alternate_image_endpoint
        catalog["image_remote"] = ("glance-remote", settings.glance_remote_url)
    for kind, (name, url) in catalog.items():
        service = api.ensure("services", {"name": name, "type": kind})
        for interface in ("public", "internal", "admin"):
            api.ensure("endpoints", {"service_id": service, "interface": interface,
                                     "region_id": "RegionOne", "url": url},
                       match=("service_id", "interface"))


def _current_user() -> str:
    import getpass

    return getpass.getuser()


def _current_group() -> str:
    if hasattr(os, "getgid"):
        try:
            import grp

            return grp.getgrgid(os.getgid()).gr_name
        except (ImportError, KeyError):
            pass
    return _current_user()


class KeystoneAPI:
    """The few Keystone v3 identity calls winci needs, as the bootstrap admin."""

    def __init__(self, url: str, admin_password: str) -> None:
        self.url = url
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"id": "default"}, "password": admin_password}}},
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
        resp = requests.post(f"{url}/auth/tokens", json=body, timeout=30)
        if resp.status_code != 201:
            raise InfraError(f"Keystone refused the admin login: HTTP {resp.status_code}")
        self.headers = {"X-Auth-Token": resp.headers["X-Subject-Token"]}

    def put(self, path: str) -> None:
        resp = requests.put(f"{self.url}{path}", headers=self.headers, timeout=30)
        if resp.status_code not in (200, 201, 204):
            raise InfraError(f"Keystone PUT {path}: HTTP {resp.status_code}")

    def ensure(self, kind: str, attrs: dict[str, str],
               match: tuple[str, ...] = ("name",)) -> str:
        """The id of the ``kind`` object matching ``attrs[match]``, created if missing."""
        params = {k: attrs[k] for k in match if k in attrs}
        resp = requests.get(f"{self.url}/{kind}", headers=self.headers, params=params,
                            timeout=30)
        if resp.status_code == 200:
            for obj in resp.json().get(kind, []):
                if all(obj.get(k) == v for k, v in params.items()):
                    return str(obj["id"])
        resp = requests.post(f"{self.url}/{kind}", headers=self.headers,
                             json={kind[:-1]: attrs}, timeout=30)
        if resp.status_code != 201:
            raise InfraError(f"Keystone could not create {kind[:-1]} {params}: "
                             f"HTTP {resp.status_code} {resp.text[:200]}")
        return str(resp.json()[kind[:-1]]["id"])


class Glance:
    """Glance's API run by ``python`` (a venv with its requirements, or the Windows
    environment under Wine) from ``tree`` (Glance itself, first on the path of every
    Glance process started here).

    ``remote`` makes it the stack's second API, tempest's ``image_remote`` (devstack's
    ``g-api-r``): the same database and image stores, its own port, configuration,
    staging, tasks, image cache and logs, so that an image staged on one API is
    imported, deleted or cached through the other (Glance proxies the request to the
    API whose ``worker_self_reference_url`` staged it)."""

    def __init__(self, settings: StackSettings, python: ServicePython, tree: Path, *,
                 workers: int = DEFAULT_WORKERS, places: GlancePlaces | None = None,
                 remote: bool = False) -> None:
        self.settings = settings
        self.python = python
        self.tree = tree
        self.workers = workers
        self.site = api_site(settings, remote=remote)
        self.remote = remote
        self.name = self.site.name
        self.port = self.site.port
        self.config_dir = settings.service_dir(self.name)
        self.places = places or GlancePlaces(
            Place(settings.store_dir, python.path(settings.store_dir)),
            Place(self.config_dir, python.path(self.config_dir)))
        self.service: Service | None = None
        self.folders: dict[str, str] = {}  # as configured (the config goes with the run)

    @property
    def url(self) -> str:
        return self.site.url

    @property
    def config(self) -> Path:
        return self.config_dir / "glance-api.conf"

    @property
    def log_dir(self) -> Path:
        """Where Glance's own log goes: the stack's log folder, or a folder of its own
        there for the second API."""
        return self.site.log_dir

    @property
    def own_log(self) -> Path:
        """Glance's own log (``[DEFAULT] log_file``), beside the service's log."""
        return self.log_dir / "glance-api.log"

    @property
    def service_name(self) -> str:
        return "glance-remote-api" if self.remote else "glance-api"

    def serves_with_workers(self) -> bool:
        """Whether the tree carries the patch queue's ``glance.cmd.api_waitress``."""
        return (self.tree / "glance" / "cmd" / "api_waitress.py").is_file()

    def _database_url(self) -> str:
        s = self.settings
        if s.db == "sqlite":  # the file, as Glance's Python names it
            db = self.python.path(s.service_dir("sqlite") / "glance.db").replace("\\", "/")
            return f"sqlite:///{db}"
        return s.database_url("glance")

    def configure(self) -> None:
        s, path, places = self.settings, self.python.path, self.places
        for sub in ("image-cache", "staging", "tasks", "locks"):
            (places.state.host / sub).mkdir(parents=True, exist_ok=True)
        places.store.host.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        render("glance-api.conf.j2", s, self.config, database_url=self._database_url(),
               state_dir=places.state.name, store_dir=places.store.name,
               config_dir=path(self.config_dir), log_dir=path(self.log_dir),
               python=self.python.executable, **self.site.template_vars())
        self.folders = configured_folders(self.config)
        shutil.copyfile(self.tree / "etc" / "glance-api-paste.ini",
                        self.config_dir / "glance-api-paste.ini")

    def _manage(self, *args: str, name: str) -> None:
        # ``python -m`` from the work tree (the tree is also first on PYTHONPATH): the
        # environment holds no Glance, so it has no ``glance-manage`` script.
        self.python.run(["-m", "glance.cmd.manage", "--config-file",
                         self.python.path(self.config), *args],
                        name=name, timeout=600, cwd=self.tree,
                        extra_env=self.python.tree_env(self.tree))

    def migrate(self) -> None:
        self._manage("db_sync", name="glance-db-sync")
        self._manage("db_load_metadefs", self.python.path(self.tree / "etc" / "metadefs"),
                     name="glance-load-metadefs")

    def server_args(self) -> list[str]:
        """The API's command line (after the interpreter): the queue's server with
        :attr:`workers` workers and its access log, else the launcher's waitress."""
        env = {"OS_GLANCE_CONFIG_DIR": self.python.path(self.config_dir)}
        if self.serves_with_workers():
            return module_launcher_args(self.python, API_SERVER, [
                "--bind", f"{self.settings.host}:{self.port}", "--workers",
                str(self.workers), "--access-log"], self.service_name, env)
        return launcher_args(self.python, "glance.wsgi.api:application", self.port,
                             self.service_name, env)

    def start(self) -> None:
        self.service = self.python.start(self.server_args(), name=self.service_name,
                                         extra_env=self.python.tree_env(self.tree))
        service = self.service
        what = "the second Glance API (image_remote)" if self.remote else "Glance API"
        wait_until(lambda: _http_ok(f"{self.url}/"), timeout=START_TIMEOUT, what=what,
                   alive=service.alive)

    def worker_processes(self) -> list[psutil.Process]:
        """The host processes of the API's workers (``glance.cmd.api_waitress
        --worker``): every process of the service carries its tag. Under Wine, their
        host pids are not the Windows pids the workers log."""
        if self.service is None:
            return []
        found = []
        for proc in processes_with_env(CHILD_ENV, self.service.tag):
            try:
                cmdline = proc.cmdline()
            except psutil.Error:
                continue
            if "--worker" in cmdline and any(API_SERVER in part for part in cmdline):
                found.append(proc)
        return found

    def serving_facts(self) -> dict[str, Any]:
        """Who served the API (the interpreter; its workers, with the requests each
        served) and the folders it was configured with, as Glance's Python names them."""
        if self.service is None:
            return {}
        facts = api_logs.serving_facts(self.service.log, self.own_log, self.workers)
        if self.folders:
            facts["folders"] = dict(self.folders)
        return facts


def configured_folders(config: Path) -> dict[str, str]:
    """The folders a rendered ``glance-api.conf`` gives Glance: each file store's, the
    staging and tasks stores', the image cache's and the lock path."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(config, encoding="utf-8")
    except (OSError, configparser.Error):
        return {}
    found: dict[str, str] = {}
    for section in parser.sections():
        if value := parser.get(section, "filesystem_store_datadir", fallback=""):
            found[section] = value
    for key, (section, option) in {"image_cache_dir": ("DEFAULT", "image_cache_dir"),
                                   "lock_path": ("oslo_concurrency", "lock_path")}.items():
        if value := parser.get(section, option, fallback=""):
            found[key] = value
    return found
