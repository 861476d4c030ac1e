"""The constraints format, in one place: reading, checking, looking up and refreshing pins.

``constraints/upper-constraints.txt`` is a copy of OpenStack's upper constraints
(openstack/requirements); ``constraints/winci.txt`` adds winci's own tool pins on top.
A constraints file (the repository's, or one given with ``--constraints``) holds, a line
each: a pin (``name===1.2.3``, ``==`` too, with an optional ``;marker``), ``-c FILE`` or
``-r FILE`` (another file beside it, read in its place), ``--option`` lines, comments
(``#``) and blank lines. Lookups take the first pin of a name (markers are not
evaluated), following includes in place as pip does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from winci.errors import ConfigError, InfraError
from winci.host.paths import repo_file

UPSTREAM_URL = ("https://opendev.org/openstack/requirements/raw/branch/master/"
                "upper-constraints.txt")
_INCLUDES = ("-c ", "-r ")
_NOT_IN_NAMES = " <>!~"


def upper_constraints() -> Path:
    """The repository's copy of OpenStack's upper constraints (the default everywhere)."""
    return repo_file("constraints", "upper-constraints.txt")


def normalize(name: str) -> str:
    """A distribution name as pip compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Pin:
    name: str       # as the file spells it
    version: str
    marker: str     # "" without one


@dataclass(frozen=True)
class _Line:
    lineno: int
    raw: str
    text: str                  # without its comment, stripped
    pin: Pin | None = None
    include: str | None = None


def _parse(text: str) -> Iterator[_Line]:
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(_INCLUDES):
            yield _Line(lineno, raw, line, include=line.split(None, 1)[1].strip())
        elif line.startswith("--"):
            yield _Line(lineno, raw, line)
        elif "==" in line:
            name = line.split("=", 1)[0].split(";", 1)[0].strip()
            rest = line.split("==", 1)[1].lstrip("=")
            version, _, marker = rest.partition(";")
            yield _Line(lineno, raw, line, pin=Pin(name, version.strip(), marker.strip()))
        else:
            yield _Line(lineno, raw, line)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read constraints file {path}: {exc.strerror}",
                          "run `winci constraints refresh` or restore it from git") from exc


def validate_constraints(path: Path) -> None:
    """Fail early, with a clear message, on a constraints file pip would reject."""
    if not path.is_file():
        raise ConfigError(f"constraints file {path} does not exist",
                          "restore it from git or run `winci constraints refresh`")
    for line in _parse(_read(path)):
        if line.include is not None:
            if not (path.parent / line.include).is_file():
                raise ConfigError(f"{path}:{line.lineno}: includes {line.include!r}, "
                                  "which does not exist")
        elif line.text.startswith("--"):
            continue
        elif line.pin is None:
            raise ConfigError(f"{path}:{line.lineno}: {line.raw.strip()!r} is not a pin",
                              "constraints lines look like `name===1.2.3`")
        elif not line.pin.name or any(c in line.pin.name for c in _NOT_IN_NAMES):
            raise ConfigError(f"{path}:{line.lineno}: {line.raw.strip()!r} is not a valid pin")


def read_pins(path: Path, _seen: frozenset[Path] = frozenset()) -> list[Pin]:
    """Every pin of ``path`` in order, with the files it includes read in their place."""
    here = path.resolve()
    if here in _seen:
        return []
    pins: list[Pin] = []
    for line in _parse(_read(path)):
        if line.include is not None:
            pins += read_pins(path.parent / line.include, _seen | {here})
        elif line.pin is not None:
            pins.append(line.pin)
    return pins


def pinned(path: Path, dist: str) -> str | None:
    """The version ``path`` pins ``dist`` to (its first pin), None when it pins none."""
    want = normalize(dist)
    return next((p.version for p in read_pins(path) if normalize(p.name) == want), None)


def pins_of(path: Path, names: Iterable[str]) -> dict[str, str]:
    """``{name as the file spells it: version}`` for those of ``names`` it pins."""
    wanted = {normalize(n) for n in names}
    found: dict[str, str] = {}
    seen: set[str] = set()
    for pin in read_pins(path):
        key = normalize(pin.name)
        if key in wanted and key not in seen:
            seen.add(key)
            found[pin.name] = pin.version
    return found


def flatten(path: Path, _seen: frozenset[Path] = frozenset()) -> str:
    """The text of ``path`` with each ``-c``/``-r`` include replaced by that file's text,
    so it can be copied elsewhere alone (into an image's build context)."""
    here = path.resolve()
    if here in _seen:
        return ""
    text = _read(path)
    includes = {line.lineno: line.include for line in _parse(text) if line.include}
    out: list[str] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        target = includes.get(lineno)
        if target is None:
            out.append(raw)
        else:
            out.append(f"# {raw.strip()}:")
            out.append(flatten(path.parent / target, _seen | {here}).rstrip("\n"))
    return "\n".join(out) + "\n"


def parse_pins(text: str) -> dict[str, str]:
    """``{normalized name[;marker]: version}`` of the pins in ``text`` (for refresh diffs)."""
    return {normalize(line.pin.name) + (f";{line.pin.marker}" if line.pin.marker else ""):
            line.pin.version for line in _parse(text) if line.pin is not None}


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
    dest = dest or upper_constraints()
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
