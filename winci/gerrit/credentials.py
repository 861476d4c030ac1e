"""Where the Gerrit URL, username and HTTP password come from.

In order, the first that applies wins:

1. the file given with ``--credentials FILE`` (or ``$WINCI_GERRIT_CREDENTIALS``);
2. ``$WINCI_GERRIT_USER`` and ``$WINCI_GERRIT_PASSWORD`` (both, or it is an error);
3. ``~/.config/winci/gerrit.yaml`` when it exists.

The file is YAML (JSON is valid YAML, so a JSON object works too)::

    url: https://review.opendev.org
    username: example-ci
    password: the-http-password

The URL may also come from ``--gerrit-url`` or ``$WINCI_GERRIT_URL``, which win over
the file's ``url``. The password is registered with the global masker as soon as it is
read, and no error from this module ever quotes the file's content.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from winci.errors import ConfigError
from winci.masking import GLOBAL_MASKER

LOG = logging.getLogger(__name__)

ENV_URL = "WINCI_GERRIT_URL"
ENV_USER = "WINCI_GERRIT_USER"
ENV_PASSWORD = "WINCI_GERRIT_PASSWORD"
ENV_FILE = "WINCI_GERRIT_CREDENTIALS"
_KEYS = {"url", "username", "user", "password"}
_HINT = "see docs/gerrit-voting.md, 'Credentials'"


@dataclass(frozen=True)
class Credentials:
    url: str
    username: str
    password: str = field(repr=False)
    source: str = ""


def default_credentials_path() -> Path:
    return Path.home() / ".config" / "winci" / "gerrit.yaml"


def load_credentials(path: Path | None = None, *, url: str | None = None,
                     environ: Mapping[str, str] | None = None,
                     default_path: Path | None = None) -> Credentials:
    """Credentials from a file or the environment (see the module docstring)."""
    env = os.environ if environ is None else environ
    file_path = path or (Path(env[ENV_FILE]) if env.get(ENV_FILE) else None)
    user, password = env.get(ENV_USER), env.get(ENV_PASSWORD)
    data: dict[str, str]
    if file_path is not None:
        data = _read_file(file_path)
        source = str(file_path)
    elif user or password:
        if not (user and password):
            raise ConfigError(f"set both {ENV_USER} and {ENV_PASSWORD}, or neither", _HINT)
        data = {"username": user, "password": password}
        source = "environment"
    else:
        default = default_path or default_credentials_path()
        if not default.is_file():
            raise ConfigError(
                "no Gerrit credentials: pass --credentials FILE, set "
                f"{ENV_USER}/{ENV_PASSWORD}, or create {default}", _HINT)
        data = _read_file(default)
        source = str(default)
    GLOBAL_MASKER.add(data.get("password"))
    final_url = url or env.get(ENV_URL) or data.get("url")
    if not final_url:
        raise ConfigError(f"no Gerrit URL: pass --gerrit-url, set {ENV_URL}, or add "
                          f"'url' to {source}", _HINT)
    for key in ("username", "password"):
        if not data.get(key):
            raise ConfigError(f"Gerrit credentials from {source} have no '{key}'", _HINT)
    return Credentials(url=_check_url(final_url), username=data["username"],
                       password=data["password"], source=source)


def _read_file(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"Gerrit credentials file {path} does not exist", _HINT) from None
    except OSError as exc:
        raise ConfigError(f"cannot read Gerrit credentials file {path}: {exc.strerror}",
                          _HINT) from None
    _warn_if_readable_by_others(path)
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        # The parser's message quotes the offending line, which may hold the password.
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"Gerrit credentials file {path} is not valid YAML{where}",
                          _HINT) from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"Gerrit credentials file {path} must hold a mapping with "
                          "url, username and password", _HINT)
    unknown = sorted(str(k) for k in loaded if k not in _KEYS)
    if unknown:
        raise ConfigError(f"Gerrit credentials file {path} has unknown keys: "
                          f"{', '.join(unknown)}", f"allowed: url, username, password; {_HINT}")
    data = {str(k): str(v) for k, v in loaded.items() if v is not None}
    if "user" in data:
        data.setdefault("username", data.pop("user"))
    GLOBAL_MASKER.add(data.get("password"))
    return data


def _warn_if_readable_by_others(path: Path) -> None:
    if sys.platform == "win32":
        return  # ACLs, not mode bits: nothing meaningful to check here
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        LOG.warning("Gerrit credentials file %s can be read by other users; "
                    "run: chmod 600 %s", path, path)


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"Gerrit URL {GLOBAL_MASKER.mask(url)!r} is not an http(s) URL",
                          _HINT)
    if parts.username or parts.password:
        GLOBAL_MASKER.add(parts.password)
        raise ConfigError("the Gerrit URL must not hold a username or password; put them "
                          "in the credentials file or the environment", _HINT)
    base = url.rstrip("/")
    if base.endswith("/a"):  # winci adds the authenticated /a/ prefix itself
        base = base[:-2]
    return base
