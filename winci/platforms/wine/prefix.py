"""The WINEPREFIX: the environment every wine child gets, a cached template made once
with wineboot, and the per-session copy of it.

Why a copy per session: a prefix has exactly one wineserver, so two runs sharing one
prefix would share one server, and ending it at the end of one run would kill the
other's processes. Making a prefix with ``wineboot --init`` costs about 10 s (measured
here, Wine 8.0); the template is made once (keyed on Wine's version and the settings
below) and each session gets a copy in well under a second: the 630 MB of DLLs and
programs under ``drive_c/windows`` are hard links (Wine never writes to them once the
prefix is made; a cross-device copy falls back to a real copy), the registry and the
rest are real copies.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from winci.errors import InfraError
from winci.host.filelock import FileLock
from winci.host.paths import cache_dir
from winci.platforms.wine.install import WineTools

WINDOWS_VERSION = "win10"
# winemenubuilder writes menu entries into the user's home; Mono and Gecko installers
# would be offered on first start; winedbg would hold a crashed process (e.g. on an
# unimplemented function) waiting for a debugger instead of letting it end.
DLL_OVERRIDES = "winemenubuilder.exe=d;mscoree=d;mshtml=d;winedbg.exe=d"
# Bumped when the way the template is made changes (a new key, so a new template).
TEMPLATE_FORMAT = 2  # 2: ServicesPipeTimeout 30 s (template.py)
TEMPLATE_STAMP = "winci-prefix.json"
# Files the template never hands on: Debian's pointer to the live server's socket folder.
_PER_SESSION = frozenset({"wineserver", TEMPLATE_STAMP})
_LINKED_SUFFIXES = frozenset({".dll", ".exe", ".sys", ".drv", ".ocx", ".cpl", ".acm", ".tlb",
                              ".ax", ".ds", ".nls", ".mui", ".com", ".msstyles", ".ttf",
                              ".fon"})


def wine_env(tools: WineTools, prefix: Path) -> dict[str, str]:
    """The variables every wine child of ``prefix`` gets (on top of the runner's)."""
    return {
        "WINEPREFIX": os.fspath(prefix),
        "WINEARCH": "win64",
        "WINEDEBUG": "-all",
        "WINEDLLOVERRIDES": DLL_OVERRIDES,
        "WINELOADER": os.fspath(tools.wine),
        "WINESERVER": os.fspath(tools.wineserver),
        # No window ever opens on the user's desktop; Wine falls back to its null driver.
        "DISPLAY": "",
        "WAYLAND_DISPLAY": "",
        # A host PYTHONHOME would point the Windows interpreter at a Linux stdlib.
        "PYTHONHOME": "",
    }


def to_windows_path(path: Path | str) -> str:
    """The Windows name of a host path, through the prefix's ``Z:`` drive (``/``)."""
    host = Path(path)
    if not host.is_absolute():
        return os.fspath(host).replace("/", "\\")
    return "Z:" + host.absolute().as_posix().replace("/", "\\")


def template_key(wine_version: str) -> str:
    text = f"{wine_version}|{WINDOWS_VERSION}|{DLL_OVERRIDES}|{TEMPLATE_FORMAT}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def template_dir(wine_version: str) -> Path:
    return cache_dir() / "wine" / f"prefix-{template_key(wine_version)}"


def template_ready(path: Path) -> bool:
    return (path / TEMPLATE_STAMP).is_file()


def template_lock(path: Path) -> FileLock:
    return FileLock(path.parent / f"{path.name}.lock", what="the Wine prefix template")


def mark_template(path: Path, wine_version: str, windows_build: str) -> None:
    """Check what wineboot made and mark it complete (the last step of a build)."""
    if not (path / "drive_c" / "windows" / "system32").is_dir():
        raise InfraError(f"wineboot made no Windows folder in {path}",
                         "Wine cannot start on this machine: see the wineboot log")
    z_drive = path / "dosdevices" / "z:"
    if not z_drive.is_symlink() or z_drive.readlink() != Path("/"):
        raise InfraError(f"the Wine prefix {path} maps no Z: drive to /",
                         "winci reaches host files as Z:\\...")
    (path / TEMPLATE_STAMP).write_text(json.dumps(
        {"wine": wine_version, "windows": WINDOWS_VERSION, "windows_build": windows_build,
         "dll_overrides": DLL_OVERRIDES, "format": TEMPLATE_FORMAT}, indent=1),
        encoding="utf-8")


def _link_or_copy(src: str, dst: str) -> object:
    if Path(src).suffix.lower() in _LINKED_SUFFIXES and "/drive_c/windows/" in src.replace(
            os.sep, "/"):
        try:
            os.link(src, dst)
            return dst
        except OSError:
            pass
    return shutil.copy2(src, dst)


def copy_template(template: Path, dest: Path) -> Path:
    """A session's own prefix at ``dest``, copied from ``template``."""
    if not template_ready(template):
        raise InfraError(f"the Wine prefix template {template} is not complete")
    shutil.rmtree(dest, ignore_errors=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(template, dest, symlinks=True, copy_function=_link_or_copy,
                    ignore=lambda folder, names: [n for n in names if n in _PER_SESSION
                                                  and Path(folder) == template])
    return dest
