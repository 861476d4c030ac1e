"""Everything the services' config templates need, and the rendering of those templates.

The same settings and templates serve the local backend (processes on this host) and
the docker backend (containers with host networking): only paths differ.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import jinja2

from winci import __version__
from winci.host.netutil import LOOPBACK, free_port
from winci.host.paths import PACKAGE_DIR
from winci.host.private import write_private
from winci.masking import GLOBAL_MASKER


def _password() -> str:
    # A leading letter: a token starting with "-" would read as an option
    # to any program given the password as its own argument.
    pw = "w" + secrets.token_urlsafe(18)
    GLOBAL_MASKER.add(pw)
    return pw


@dataclass
class StackSettings:
    run_id: str
    state_dir: Path          # private: data dirs, keys, stores, credentials
    log_dir: Path            # published: service logs
    db: str = "mysql"        # "mysql" or "sqlite"
    keystone_port: int = field(default_factory=free_port)
    glance_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    db_port: int = field(default_factory=free_port)
    # a second Glance API, tempest's ``image_remote`` (devstack's g-api-r), when set
    glance_remote_port: int | None = None
    admin_password: str = field(default_factory=_password)
    glance_password: str = field(default_factory=_password)
    db_password: str = field(default_factory=_password)
    citest_password: str = "openstack_citest"  # oslo.db's fixed test credentials
    host: str = LOOPBACK

    @property
    def keystone_url(self) -> str:
        return f"http://{self.host}:{self.keystone_port}"

    @property
    def glance_url(self) -> str:
        return f"http://{self.host}:{self.glance_port}"

    @property
    def glance_remote_url(self) -> str | None:
        """The second Glance API's URL (``image_remote`` in the catalog), if the stack
        has one."""
        if self.glance_remote_port is None:
            return None
        return f"http://{self.host}:{self.glance_remote_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    def service_dir(self, name: str) -> Path:
        path = self.state_dir / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def store_dir(self) -> Path:
        return self.service_dir("images")

    def database_url(self, name: str) -> str:
        if self.db == "sqlite":
            return f"sqlite:///{(self.service_dir('sqlite') / (name + '.db')).as_posix()}"
        return (f"mysql+pymysql://{name}:{self.db_password}@{self.host}:{self.db_port}/"
                f"{name}?charset=utf8mb4")

    def to_record(self) -> dict[str, Any]:
        """Everything needed to reach this stack again (a kept run's, for ``winci run
        --stack``): its passwords too, so only ever written owner-only, privately."""
        return {key: value.as_posix() if isinstance(value, Path) else value
                for key, value in asdict(self).items()}

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> StackSettings:
        """The settings :meth:`to_record` wrote; their passwords are masked from now on."""
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["state_dir"], values["log_dir"] = (Path(values["state_dir"]),
                                                  Path(values["log_dir"]))
        for key in ("admin_password", "glance_password", "db_password"):
            GLOBAL_MASKER.add(str(values[key]))
        return cls(**values)

    def template_vars(self) -> dict[str, Any]:
        return {
            "winci_version": __version__,
            "run_id": self.run_id,
            "keystone_url": self.keystone_url,
            "glance_url": self.glance_url,
            "web_url": self.web_url,
            "web_port": self.web_port,
            "glance_port": self.glance_port,
            "glance_remote_url": self.glance_remote_url,
            "admin_password": self.admin_password,
            "glance_password": self.glance_password,
            "log_dir": self.log_dir.as_posix(),
            "python": sys.executable,
        }


_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(PACKAGE_DIR / "templates"),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,  # INI files, not HTML
)


def render(template: str, settings: StackSettings, dest: Path, **extra: Any) -> Path:
    """Render ``templates/<template>`` to ``dest`` with the settings and ``extra``."""
    values = settings.template_vars() | extra
    text = _ENV.get_template(template).render(**values)
    return write_private(dest, text)  # it holds passwords
