"""Wine and the mingw-w64 cross compiler on this host: found, or installed from Debian.

Debian's packages (``wine``, ``wine64``, ``gcc-mingw-w64-x86-64``) are installed when
root and missing, the same way scripts/_bootstrap.sh's ``ensure_debian_packages`` does
for winci's own needs (the same apt-get update stamp, so a machine updates its package
lists at most every six hours for both). Not root, or not Debian: one clear line saying
what to install.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from winci.errors import InfraError
from winci.procs import Runner

DEBIAN_PACKAGES = ("wine", "wine64", "gcc-mingw-w64-x86-64")
MINGW_GCC = "x86_64-w64-mingw32-gcc"
# Debian puts wineserver and the 64-bit loader here, not on PATH.
_WINE_LIBEXEC = ("/usr/lib/wine", "/usr/lib/x86_64-linux-gnu/wine")
# Shared with scripts/_bootstrap.sh: apt-get update runs at most every six hours.
_APT_STAMP = Path("/var/lib/apt/periodic/winci-update-stamp")
_APT_STAMP_MAX_AGE_S = 6 * 3600
INSTALL_HINT = "as root: apt-get install wine wine64 gcc-mingw-w64-x86-64"


@dataclass(frozen=True)
class WineTools:
    """The host programs a Wine platform needs."""

    wine: Path  # the 64-bit loader that runs a Windows .exe (Debian: /usr/lib/wine/wine64)
    wineserver: Path  # the server binary itself (Debian's wrapper script adds -p0)
    mingw_gcc: Path | None  # None when only running, not building the shim


def default_search_path() -> str:
    """PATH, then the folders where distributions keep Wine's loader and server."""
    return os.pathsep.join([os.environ.get("PATH", os.defpath), *_WINE_LIBEXEC])


def find_tools(search: str | None = None) -> WineTools | None:
    """Wine's programs on this host (looked up in ``search``, by default
    :func:`default_search_path`), or None when Wine is not installed."""
    path = search if search is not None else default_search_path()

    def _which(name: str) -> Path | None:
        found = shutil.which(name, path=path)
        return Path(found) if found else None

    # The loaders themselves, not Debian's /usr/bin wrappers: `wine` execs wine64 after a
    # warning about wine32, and `wineserver` forces -p0 (exit as soon as idle).
    wine = _which("wine64") or _which("wine")
    wineserver = _which("wineserver64") or _which("wineserver")
    if wine is None or wineserver is None:
        return None
    return WineTools(wine=wine, wineserver=wineserver, mingw_gcc=_which(MINGW_GCC))


def _is_root() -> bool:
    if sys.platform == "win32":
        return False
    return os.geteuid() == 0


def missing_debian_packages(runner: Runner) -> list[str] | None:
    """The packages of :data:`DEBIAN_PACKAGES` not installed; None off Debian."""
    if sys.platform == "win32" or shutil.which("dpkg-query") is None:
        return None
    missing = []
    for pkg in DEBIAN_PACKAGES:
        done = runner.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                          name="wine-dpkg-query", timeout=60, check=False)
        if not (done.ok and "install ok installed" in done.tail_text()):
            missing.append(pkg)
    return missing


def _apt_get(runner: Runner, packages: list[str]) -> None:
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    fresh = (_APT_STAMP.is_file()
             and time.time() - _APT_STAMP.stat().st_mtime < _APT_STAMP_MAX_AGE_S)
    if not fresh:
        runner.run(["apt-get", "update", "-qq"], name="wine-apt-update", timeout=900,
                   extra_env=env)
        _APT_STAMP.parent.mkdir(parents=True, exist_ok=True)
        _APT_STAMP.touch()
    runner.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
               name="wine-apt-install", timeout=1800, extra_env=env)


def ensure_tools(runner: Runner, *, install: bool = True, need_compiler: bool = True,
                 search: str | None = None) -> WineTools:
    """Wine (and the cross compiler when ``need_compiler``), installing them if we may.

    Raises :class:`InfraError` with one line when they are missing and cannot be
    installed here (not root, not Debian, or apt-get failed).
    """
    tools = find_tools(search)
    if tools and (tools.mingw_gcc or not need_compiler):
        return tools
    missing = missing_debian_packages(runner) if install else None
    if missing is None:
        what = "Wine is not installed" if tools is None else f"{MINGW_GCC} is not installed"
        raise InfraError(f"{what}: the wine platform needs it", INSTALL_HINT)
    if not _is_root():
        raise InfraError(f"missing Debian packages {' '.join(missing) or 'for Wine'} "
                         "and not root to install them", INSTALL_HINT)
    if missing:
        print(f"  installing Debian packages: {' '.join(missing)}", flush=True)
        try:
            _apt_get(runner, missing)
        except InfraError as exc:
            raise InfraError(f"could not install {' '.join(missing)} with apt-get",
                             str(exc)) from exc
    tools = find_tools(search)
    if tools is None or (need_compiler and tools.mingw_gcc is None):
        raise InfraError("Wine is still not usable after installing its Debian packages",
                         "check `wine --version` and `wineserver` (in /usr/lib/wine)")
    return tools
