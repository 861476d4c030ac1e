"""Known-failure lists: YAML in the repo, one file per lane.

Each entry names a test id pattern (a regular expression matched against the test id
without its ``[...]`` attributes), the reason, and the condition under which the
failure is expected::

    - id: '^glance\\.tests\\.unit\\.v2\\.test_images_resource\\..*test_new_image_with_location$'
      reason: needs DNS to resolve storeurl.com
      condition: no-dns

A known failure only excuses a *failing* test, and only while its condition holds:
on a machine with DNS, the entry above does not hide a real failure.
"""

from __future__ import annotations

import os
import re
import socket
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from winci.errors import ConfigError
from winci.host.paths import repo_file


def _resolves(host: str) -> bool:
    try:
        socket.getaddrinfo(host, 80)
        return True
    except OSError:
        return False


@cache
def _condition_holds(name: str, platform: str) -> bool:
    return CONDITIONS[name][0](platform)


# A condition holds (or not) for the platform the lane's tests run on (winci.platforms:
# linux, wine, windows), which is not always winci's own: under --platform wine winci
# runs on Linux and the tests on Windows CPython. "windows" excuses a failure on every
# Windows interpreter (a Windows behaviour); "wine" only under Wine (a limitation of
# Wine itself, which the entry's reason must name).
CONDITIONS: dict[str, tuple[Callable[[str], bool], str]] = {
    "always": (lambda _p: True, "always expected"),
    "no-dns": (lambda _p: not _resolves("example.com"), "no DNS for public names"),
    "no-localhost-dot": (lambda _p: not _resolves("localhost."),
                         "'localhost.' (trailing dot) does not resolve"),
    "linux": (lambda p: p == "linux", "on Linux"),
    "windows": (lambda p: p in ("windows", "wine"), "on a Windows interpreter"),
    "wine": (lambda p: p == "wine", "under Wine"),
}


def host_platform() -> str:
    return "windows" if sys.platform == "win32" else "linux"


@dataclass(frozen=True)
class KnownFailure:
    pattern: re.Pattern[str]
    reason: str
    condition: str
    source: str

    def active(self, platform: str | None = None) -> bool:
        return _condition_holds(self.condition, platform or host_platform())


KNOWN_FAILURES_ENV = "WINCI_KNOWN_FAILURES_DIR"


def default_dir() -> Path:
    """``jobs/known-failures``, or the folder ``$WINCI_KNOWN_FAILURES_DIR`` names (a
    site's own lists, or a test's)."""
    override = os.environ.get(KNOWN_FAILURES_ENV)
    return Path(override) if override else repo_file("jobs", "known-failures")


def load(lane: str, directory: Path | None = None) -> list[KnownFailure]:
    """The entries for ``lane`` (``<dir>/<lane>.yaml``; a missing file means none)."""
    path = (directory or default_dir()) / f"{lane}.yaml"
    if not path.is_file():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {_yaml_problem(exc)}",
                          "fix the file or restore it from git") from None
    if not isinstance(data, list):
        raise ConfigError(f"{path} must be a list of entries with id, reason, condition")
    entries = []
    for i, item in enumerate(data, 1):
        where = f"{path} entry {i}"
        if not isinstance(item, dict) or not {"id", "reason"} <= item.keys():
            raise ConfigError(f"{where} needs at least 'id' and 'reason'")
        condition = str(item.get("condition", "always"))
        if condition not in CONDITIONS:
            raise ConfigError(f"{where}: unknown condition {condition!r}",
                              f"use one of: {', '.join(sorted(CONDITIONS))}")
        try:
            pattern = re.compile(str(item["id"]))
        except re.error as exc:
            raise ConfigError(f"{where}: id is not a valid regular expression: {exc}") from exc
        entries.append(KnownFailure(pattern, str(item["reason"]), condition, where))
    return entries


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """PyYAML's several-line message as one line: what, and where."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{problem}{where}"


def check_lists(lanes: Iterable[str], directory: Path | None = None) -> None:
    """Read every lane's list before a run starts: a broken one is a ConfigError then,
    not after the lane's tests ran."""
    for lane in lanes:
        load(lane, directory)


def match(entries: Iterable[KnownFailure], failed_ids: Iterable[str],
          platform: str | None = None) -> dict[str, str]:
    """Map each failed test id that an entry active on ``platform`` (the lane's; default
    this host's) covers to its reason."""
    active = [e for e in entries if e.active(platform)]
    found: dict[str, str] = {}
    for test_id in failed_ids:
        base = test_id.split("[", 1)[0]
        for entry in active:
            if entry.pattern.search(base):
                found[test_id] = f"{entry.reason} ({CONDITIONS[entry.condition][1]})"
                break
    return found
