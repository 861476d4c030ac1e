"""Where a lane's Python runs: this host's own interpreter (the default), or another
platform's, such as Windows CPython under Wine (:mod:`winci.platforms.wine`).

A platform provides an interpreter, environments built with it, and a
:class:`~winci.lanes.executor.TestExecutor` that runs their programs. A lane runs on
one platform; its id says which, so that results of different platforms are never
taken for the same lane (in the run folder, the history and ``winci compare``):
``unit`` is the unit lane on Linux, ``unit@wine`` the same lane on Windows CPython
under Wine, ``unit@windows`` on a Windows host (where ``winci run unit`` means that).

Labels say exactly what ran, never more: Wine is not Windows.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from winci.errors import UsageError


@dataclass(frozen=True)
class Platform:
    name: str
    label: str          # what the output, the run folder and the docs call it
    windows: bool       # a Windows interpreter (os.name == "nt" in the lanes)
    host: str           # the sys.platform winci itself must run on

    def check_host(self) -> None:
        here = "win32" if sys.platform == "win32" else "linux"
        if self.host != here:
            hints = {"windows": "run it on a Windows host (scripts/winci.ps1); here, "
                                "--platform wine runs Windows CPython under Wine",
                     "wine": "on a Windows host, --platform windows runs natively",
                     "linux": "on a Windows host, --platform windows runs natively"}
            raise UsageError(f"--platform {self.name} does not run on this host "
                             f"({sys.platform})", hints[self.name])


PLATFORMS: dict[str, Platform] = {p.name: p for p in (
    Platform("linux", "Linux", windows=False, host="linux"),
    Platform("wine", "Windows CPython under Wine", windows=True, host="linux"),
    Platform("windows", "Windows", windows=True, host="win32"),
)}


def host_platform() -> str:
    """The platform lanes run on when nothing says otherwise: this host's own."""
    return "windows" if sys.platform == "win32" else "linux"


def platform(name: str) -> Platform:
    try:
        return PLATFORMS[name]
    except KeyError:
        raise UsageError(f"--platform {name!r} is not one of {', '.join(PLATFORMS)}",
                         "linux and windows run on their own hosts; wine runs Windows "
                         "CPython under Wine on Linux") from None


@dataclass(frozen=True)
class LaneId:
    """A lane on a platform: ``unit`` (the host's platform) or ``unit@wine``."""

    lane: str
    platform: str

    def __str__(self) -> str:
        # Linux lanes keep their plain names (and the history they have); every other
        # platform is named, on its own host too, so a history shared by Linux and
        # Windows nodes never mixes them
        return self.lane if self.platform == "linux" else f"{self.lane}@{self.platform}"


def parse_lane(spec: str, default_platform: str | None = None) -> LaneId:
    """``unit`` (on ``default_platform``, else the host's) or ``unit@wine``."""
    lane, sep, name = spec.partition("@")
    if sep and not name:
        raise UsageError(f"lane {spec!r} names no platform after '@'",
                         f"write it as {lane}@wine, for example")
    chosen = name if sep else (default_platform or host_platform())
    platform(chosen)  # a usage error for an unknown name
    return LaneId(lane, chosen)


__all__ = ["PLATFORMS", "LaneId", "Platform", "host_platform", "parse_lane", "platform"]
