"""The folders of an install, all under its install folder (``INSTALLDIR``)::

    python\\            the embeddable CPython, with Glance and its libraries
    python\\glance-api.exe, glance-scrubber.exe   copies of python.exe the services run
    share\\             glance-api-paste.ini, metadefs\\, templates\\ (shipped, read-only)
    etc\\               glance-api.conf, glance-api-paste.ini, glance-service.json (written
                       at install)
    log\\               glance-api.log (Glance), <service>-service.log (the service hosts)
    data\\              image cache, staging, tasks, locks

The image store is elsewhere (``IMAGE_STORE``, e.g. ``\\\\sofs\\glance\\images``) and is
never removed.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVICE_SETTINGS = "glance-service.json"


@dataclass(frozen=True)
class Layout:
    root: Path

    @classmethod
    def of_interpreter(cls) -> Layout:
        """The install that holds the running interpreter (``<root>\\python\\*.exe``)."""
        return cls(Path(sys.executable).resolve().parent.parent)

    @property
    def python_dir(self) -> Path:
        return self.root / "python"

    @property
    def python(self) -> Path:
        return self.python_dir / "python.exe"

    @property
    def share(self) -> Path:
        return self.root / "share"

    @property
    def templates(self) -> Path:
        return self.share / "templates"

    @property
    def etc(self) -> Path:
        return self.root / "etc"

    @property
    def log(self) -> Path:
        return self.root / "log"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def api_config(self) -> Path:
        return self.etc / "glance-api.conf"

    @property
    def service_settings(self) -> Path:
        return self.etc / SERVICE_SETTINGS

    def read_service_settings(self) -> dict[str, Any]:
        data = json.loads(self.service_settings.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{self.service_settings} holds no JSON object")
        return data
