"""Which of the stack's Glance APIs: Glance's API, or the second one (tempest's
``image_remote``, devstack's ``g-api-r``), as every backend lays them out: a name for
its config folder, its port and URL, where its own log goes, and what the shared
``glance-api.conf.j2`` takes of it rather than of the stack."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from winci.errors import InfraError
from winci.stack.settings import StackSettings


@dataclass(frozen=True)
class ApiSite:
    """One of the stack's Glance APIs as any backend lays it out: its name (its config
    folder: ``glance``, or ``glance-remote`` for the second API, tempest's
    ``image_remote``), its port and where its own log goes."""

    name: str
    remote: bool
    host: str
    port: int
    log_dir: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def template_vars(self) -> dict[str, Any]:
        """What glance-api.conf.j2 takes of this API rather than of the stack: its own
        URL and port (worker_self_reference_url, public_endpoint, the import filter's
        ports)."""
        return {"glance_url": self.url, "glance_port": self.port}


def api_site(settings: StackSettings, *, remote: bool = False,
             log_dir: Path | None = None) -> ApiSite:
    """The first API's site, or the second's (``remote``), its log under ``log_dir``
    (default: the stack's log folder; the second API's in a folder of its own there)."""
    base = settings.log_dir if log_dir is None else log_dir
    if not remote:
        return ApiSite("glance", False, settings.host, settings.glance_port, base)
    if settings.glance_remote_port is None:
        raise InfraError("the second Glance API has no port",
                         "set StackSettings.glance_remote_port first")
    return ApiSite("glance-remote", True, settings.host, settings.glance_remote_port,
                   base / "glance-remote")
