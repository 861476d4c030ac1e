"""The install's settings: the MSI's public properties, as its custom action hands them
over (``KEY=VALUE`` lines on standard input, never on a command line), checked before
anything is written. A bad value is one line saying which property and what to give.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# property -> default ("" = required). The MSI declares the same names (glance.wxs).
PROPERTIES: dict[str, str] = {
    "INSTALLDIR": "",
    "DATABASE_URL": "",
    "KEYSTONE_URL": "",
    "GLANCE_USER": "glance",
    "GLANCE_PASSWORD": "",
    "GLANCE_PROJECT": "service",
    "IMAGE_STORE": "",
    "WORKERS": "2",
    "PORT": "9292",
    "BIND_HOST": "0.0.0.0",
    "PUBLIC_URL": "",
    "SCRUBBER": "0",
}
SECRET_PROPERTIES = ("DATABASE_URL", "GLANCE_PASSWORD")
_DB_URL = re.compile(r"^(mysql\+pymysql|sqlite)://")


class SettingsError(ValueError):
    """A property is missing or wrong: the message says which and what to give."""


@dataclass(frozen=True)
class InstallSettings:
    install_dir: Path
    database_url: str
    keystone_url: str
    glance_user: str
    glance_password: str
    glance_project: str
    image_store: str
    workers: int
    port: int
    bind_host: str
    public_url: str
    scrubber: bool

    def secrets(self) -> list[str]:
        """Values that must never be printed (the database URL's password too)."""
        found = [self.glance_password, self.database_url]
        match = re.match(r"^[^:]+://[^:/@]*:([^@]*)@", self.database_url)
        if match:
            found.append(match.group(1))
        return [s for s in found if s]


def parse_lines(lines: Iterable[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise SettingsError("the install's settings are KEY=VALUE lines; one line has "
                                "no '=' (is a property value split over two lines?)")
        values[key.strip().upper()] = value
    return values


def _int(values: dict[str, str], key: str, low: int, high: int) -> int:
    text = values[key].strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise SettingsError(f"{key}={text!r}: give a whole number from {low} to {high}")
    return int(text)


def from_values(given: dict[str, str]) -> InstallSettings:
    """Checked settings from the properties ``given`` (unknown keys are ignored: the
    custom action's data may carry more)."""
    values = {key: (given.get(key) or "").strip() or default
              for key, default in PROPERTIES.items()}
    missing = [key for key, value in values.items() if not value and key != "PUBLIC_URL"]
    if missing:
        raise SettingsError(f"missing propert{'y' if len(missing) == 1 else 'ies'} "
                            f"{', '.join(missing)}: give "
                            f"{' '.join(k + '=...' for k in missing)} to msiexec")
    if not _DB_URL.match(values["DATABASE_URL"]):
        raise SettingsError("DATABASE_URL must start with mysql+pymysql:// (or sqlite:// "
                            "for a trial), e.g. mysql+pymysql://glance:PASSWORD@db/glance")
    for key in ("KEYSTONE_URL", "PUBLIC_URL"):
        if values[key] and not re.match(r"^https?://[^/\s]+", values[key]):
            raise SettingsError(f"{key}={values[key]!r}: give an http:// or https:// URL")
    workers = _int(values, "WORKERS", 1, 64)
    port = _int(values, "PORT", 1, 65535)
    scrubber = values["SCRUBBER"].lower()
    if scrubber not in ("0", "1", "yes", "no", "true", "false"):
        raise SettingsError(f"SCRUBBER={values['SCRUBBER']!r}: give 1 or 0")
    bind = values["BIND_HOST"]
    public = values["PUBLIC_URL"] or (
        f"http://{socket.getfqdn() if bind in ('0.0.0.0', '::') else bind}:{port}")
    return InstallSettings(
        install_dir=Path(values["INSTALLDIR"].rstrip("\\/") or values["INSTALLDIR"]),
        database_url=values["DATABASE_URL"], keystone_url=values["KEYSTONE_URL"].rstrip("/"),
        glance_user=values["GLANCE_USER"], glance_password=values["GLANCE_PASSWORD"],
        glance_project=values["GLANCE_PROJECT"], image_store=values["IMAGE_STORE"],
        workers=workers, port=port, bind_host=bind, public_url=public.rstrip("/"),
        scrubber=scrubber in ("1", "yes", "true"))
