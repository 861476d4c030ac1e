"""Keystone and Glance as processes on this host, served by winci's launcher.

Each service is configured from the shared templates, bootstrapped with its own
``*-manage`` commands, then served by :mod:`winci.stack.launcher` (waitress) through the
runner, which logs it and ends it with the run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import requests

from winci.errors import InfraError
from winci.host.netutil import wait_until
from winci.host.paths import venv_bin, venv_python
from winci.procs import Runner, Service
from winci.stack import launcher
from winci.stack.settings import StackSettings, render
from winci.worktree.tree import tree_path_env

START_TIMEOUT = 120.0


def launcher_cmd(venv: Path, app: str, port: int, name: str, env: dict[str, str]) -> list[str]:
    """The command that serves ``app`` from ``venv`` with waitress on 127.0.0.1:port."""
    cmd = [os.fspath(venv_python(venv)), os.fspath(Path(launcher.__file__)), "--app", app,
           "--port", str(port), "--name", name]
    for key, value in env.items():
        cmd += ["--env", f"{key}={value}"]
    return cmd


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
        self._manage("bootstrap", "--bootstrap-password", s.admin_password,
                     "--bootstrap-admin-url", url, "--bootstrap-internal-url", url,
                     "--bootstrap-public-url", url, "--bootstrap-region-id", "RegionOne",
                     name="keystone-bootstrap")

    def start(self) -> None:
        cmd = launcher_cmd(self.venv, "keystone.wsgi.api:application",
                           self.settings.keystone_port, "keystone",
                           {"OS_KEYSTONE_CONFIG_FILES": os.fspath(self.config)})
        self.service = self.runner.start(cmd, name="keystone-wsgi", lifetime=None)
        service = self.service
        wait_until(lambda: _http_ok(f"{self.settings.keystone_url}/v3", (200,)),
                   timeout=START_TIMEOUT, what="Keystone", alive=service.alive)

    def provision_glance(self) -> None:
        provision_glance(self.settings)


def provision_glance(settings: StackSettings) -> None:
    """Through a running Keystone's API: the service project, the glance user (admin and
    service roles), the image service and its endpoints. Any backend's Keystone."""
    api = KeystoneAPI(f"{settings.keystone_url}/v3", settings.admin_password)
    project = api.ensure("projects", {"name": "service", "domain_id": "default"})
    user = api.ensure("users", {"name": "glance", "domain_id": "default",
                                "password": settings.glance_password})
    for role_name in ("admin", "service"):
        role = api.ensure("roles", {"name": role_name})
        api.put(f"/projects/{project}/users/{user}/roles/{role}")
    service = api.ensure("services", {"name": "glance", "type": "image"})
    for interface in ("public", "internal", "admin"):
        api.ensure("endpoints", {"service_id": service, "interface": interface,
                                 "region_id": "RegionOne", "url": settings.glance_url},
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
    """Glance's API from ``venv`` (its requirements) and ``tree`` (Glance itself, first
    on the path of every Glance process started here)."""

    def __init__(self, settings: StackSettings, runner: Runner, venv: Path, tree: Path) -> None:
        self.settings = settings
        self.runner = runner
        self.venv = venv
        self.tree = tree
        self.config_dir = settings.service_dir("glance")
        self.service: Service | None = None

    def configure(self) -> None:
        s = self.settings
        state = self.config_dir
        for sub in ("image-cache", "staging", "tasks", "locks"):
            (state / sub).mkdir(parents=True, exist_ok=True)
        render("glance-api.conf.j2", s, self.config_dir / "glance-api.conf",
               database_url=s.database_url("glance"), state_dir=state.as_posix(),
               store_dir=s.store_dir.as_posix(), config_dir=self.config_dir.as_posix())
        shutil.copyfile(self.tree / "etc" / "glance-api-paste.ini",
                        self.config_dir / "glance-api-paste.ini")

    def _manage(self, *args: str, name: str) -> None:
        # ``python -m`` from the work tree (the tree is also first on PYTHONPATH): the
        # venv holds no Glance, so it has no ``glance-manage`` script.
        self.runner.run([venv_python(self.venv), "-m", "glance.cmd.manage", "--config-file",
                         self.config_dir / "glance-api.conf", *args], name=name, timeout=600,
                        cwd=self.tree, extra_env=tree_path_env(self.tree))

    def migrate(self) -> None:
        self._manage("db_sync", name="glance-db-sync")
        self._manage("db_load_metadefs", os.fspath(self.tree / "etc" / "metadefs"),
                     name="glance-load-metadefs")

    def start(self) -> None:
        cmd = launcher_cmd(self.venv, "glance.wsgi.api:application",
                           self.settings.glance_port, "glance-api",
                           {"OS_GLANCE_CONFIG_DIR": os.fspath(self.config_dir)})
        self.service = self.runner.start(cmd, name="glance-api", lifetime=None,
                                         extra_env=tree_path_env(self.tree))
        service = self.service
        wait_until(lambda: _http_ok(f"{self.settings.glance_url}/"), timeout=START_TIMEOUT,
                   what="Glance API", alive=service.alive)
