"""The install's settings: the MSI's public properties, as its custom action hands them
over (``KEY=VALUE`` lines on standard input, never on a command line), checked before
anything is written. A bad value is one line saying which property and what to give.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from urllib.parse import unquote

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
# scheme://user:PASSWORD@host: up to the last '@', so a password holding '@' is whole.
_URL_PASSWORD = re.compile(r"^[^:/]+://[^:/@]*:(.*)@[^@]*$")
_HOST_NAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                        r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


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
        """Values that must never be printed."""
        return secret_values({"DATABASE_URL": self.database_url,
                              "GLANCE_PASSWORD": self.glance_password})


def secret_values(values: dict[str, str]) -> list[str]:
    """The secrets among the properties ``values``: each secret property's value, and
    the database URL's password as written and URL-decoded (``p%40ss`` and ``p@ss``)."""
    found = [values.get(key, "").strip() for key in SECRET_PROPERTIES]
    match = _URL_PASSWORD.match(values.get("DATABASE_URL", "").strip())
    if match:
        found += [match.group(1), unquote(match.group(1))]
    return sorted({s for s in found if s}, key=len, reverse=True)


def parse_lines(lines: Iterable[str]) -> dict[str, str]:
    """``KEY=VALUE`` lines (the custom action's data) as a dict. A value with a line
    break in it shows as a line without '=' or as a key given twice: both are errors
    (never a property set by another one's value)."""
    values: dict[str, str] = {}
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise SettingsError("the install's settings are KEY=VALUE lines; one line has "
                                "no '=' (does a property value hold a line break?)")
        key = key.strip().upper()
        if key in values:
            raise SettingsError(f"{key} is given twice (does a property value hold a line "
                                f"break?)")
        values[key] = value
    return values


def _int(values: dict[str, str], key: str, low: int, high: int) -> int:
    text = values[key].strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise SettingsError(f"{key}={text!r}: give a whole number from {low} to {high}")
    return int(text)


def _windows_folder(values: dict[str, str], key: str, example: str) -> None:
    path = PureWindowsPath(values[key])
    if not (path.is_absolute() and path.drive):
        raise SettingsError(f"{key}={values[key]!r}: give a full Windows path, "
                            f"e.g. {example}")


def _host(values: dict[str, str], key: str) -> None:
    text = values[key]
    try:
        ipaddress.ip_address(text)
    except ValueError:
        if not _HOST_NAME.match(text):
            raise SettingsError(f"{key}={text!r}: give an IP address (0.0.0.0 for every "
                                f"address) or a host name") from None


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
    for key, value in values.items():
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise SettingsError(f"{key} holds a control character (a line break or a tab): "
                                f"give it on one line")
    _windows_folder(values, "INSTALLDIR", r"C:\Program Files\OpenStack\Glance")
    _windows_folder(values, "IMAGE_STORE", r"\\sofs01\glance\images")
    _host(values, "BIND_HOST")
    if not _DB_URL.match(values["DATABASE_URL"]):
        raise SettingsError("DATABASE_URL must start with mysql+pymysql:// (or sqlite:// "
                            "for a trial), e.g. mysql+pymysql://glance:PASSWORD@db/glance")
    for key in ("KEYSTONE_URL", "PUBLIC_URL"):
        if values[key] and not re.match(r"^https?://[^/\s]+", values[key]):
            raise SettingsError(f"{key}={values[key]!r}: give an http:// or https:// URL")
    workers = _int(values, "WORKERS", 1, 64)
    port = _int(values, "PORT", 1, 65535)
    # Exactly 1 or 0: the MSI installs the scrubber's service only for SCRUBBER="1".
    if values["SCRUBBER"] not in ("0", "1"):
        raise SettingsError(f"SCRUBBER={values['SCRUBBER']!r}: give 1 (install the "
                            f"scrubber service too) or 0")
    bind = values["BIND_HOST"]
    host = socket.getfqdn() if bind in ("0.0.0.0", "::") else bind
    public = values["PUBLIC_URL"] or f"http://{f'[{host}]' if ':' in host else host}:{port}"
    return InstallSettings(
        install_dir=Path(values["INSTALLDIR"].rstrip("\\/") or values["INSTALLDIR"]),
        database_url=values["DATABASE_URL"], keystone_url=values["KEYSTONE_URL"].rstrip("/"),
        glance_user=values["GLANCE_USER"], glance_password=values["GLANCE_PASSWORD"],
        glance_project=values["GLANCE_PROJECT"], image_store=values["IMAGE_STORE"],
        workers=workers, port=port, bind_host=bind, public_url=public.rstrip("/"),
        scrubber=values["SCRUBBER"] == "1")
