"""The pinned constraints kept in the repo, and their refresh.

``constraints/upper-constraints.txt`` is a copy of OpenStack's upper constraints
(openstack/requirements); ``constraints/winci.txt`` adds winci's own tool pins on top.
"""

from __future__ import annotations

import re
from pathlib import Path

import requests

from winci.envs.builder import validate_constraints
from winci.errors import ConfigError, InfraError
from winci.host.paths import repo_file

UPSTREAM_URL = ("https://opendev.org/openstack/requirements/raw/branch/master/"
                "upper-constraints.txt")
_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)===([^;\s]+)(;.*)?$")


def parse_pins(text: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in text.splitlines():
        m = _PIN.match(line.strip())
        if m:
            key = m.group(1).lower().replace("_", "-") + (m.group(3) or "")
            pins[key] = m.group(2)
    return pins


def read_source(source: str) -> str:
    if re.match(r"^https?://", source):
        try:
            resp = requests.get(source, timeout=60)
        except requests.RequestException as exc:
            raise InfraError(f"cannot download {source}: {exc.__class__.__name__}",
                             "download it elsewhere and pass the file path") from exc
        if resp.status_code != 200:
            raise InfraError(f"downloading {source}: HTTP {resp.status_code}")
        return resp.text
    path = Path(source)
    if not path.is_file():
        raise ConfigError(f"{source} is not a file or an http(s) URL")
    return path.read_text(encoding="utf-8")


def refresh(source: str, dest: Path | None = None) -> tuple[int, int, int]:
    """Replace the upper constraints with ``source``; returns (added, removed, changed)."""
    dest = dest or repo_file("constraints", "upper-constraints.txt")
    text = read_source(source)
    new = parse_pins(text)
    if len(new) < 50:
        raise ConfigError(f"{source} has only {len(new)} pins: not an upper-constraints file")
    old = parse_pins(dest.read_text(encoding="utf-8")) if dest.is_file() else {}
    tmp = dest.with_suffix(".new")
    tmp.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    try:
        validate_constraints(tmp)
    except ConfigError:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(dest)
    added = len(new.keys() - old.keys())
    removed = len(old.keys() - new.keys())
    changed = sum(1 for k in new.keys() & old.keys() if new[k] != old[k])
    return added, removed, changed
