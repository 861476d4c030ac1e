"""A file share as a Windows host sees it, in a Wine prefix: a UNC name and a drive letter.

On a Hyper-V host, Glance's images live on a Scale-Out File Server share,
``\\\\<server>\\<share>``; a container reaches it through ``New-SmbGlobalMapping``, which
maps the share to a drive letter. Wine resolves both kinds of name through the prefix's
``dosdevices`` folder (measured here, Wine 8.0):

- ``dosdevices/unc/<server>/<share>`` -> a host folder: ``\\\\<server>\\<share>\\x`` is
  ``<folder>/x`` for every Windows program of the prefix;
- ``dosdevices/<letter>:`` -> a host folder: ``S:\\x`` is ``<folder>/x``.

So a folder of the run, mapped both ways, is the share: Windows CPython opens, lists,
renames and deletes its files through the UNC and drive-letter code paths of the
interpreter and of Glance (``ntpath``, ``file://server/share/x`` URIs), while the bytes
land in a host folder the test can read. Not SMB: no network, no SMB locking or
permissions, no continuous availability.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from winci.errors import UsageError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_RESERVED_DRIVES = frozenset("cz")  # the prefix's system drive and the host's root


@dataclass(frozen=True)
class MappedShare:
    """``\\\\server\\share`` (and, if given, ``drive``) over the host folder ``folder``."""

    server: str
    share: str
    folder: Path
    drive: str | None = None

    @property
    def unc(self) -> str:
        return f"\\\\{self.server}\\{self.share}"

    def unc_path(self, *parts: str) -> str:
        """``\\\\server\\share\\part\\...``, as Windows names a file of the share."""
        return "\\".join([self.unc, *parts])

    def drive_path(self, *parts: str) -> str:
        """``S:\\part\\...``: the same file through the drive letter."""
        if self.drive is None:
            raise UsageError(f"the share {self.unc} is mapped to no drive letter")
        return "\\".join([self.drive, *parts]) if parts else self.drive + "\\"

    def host_path(self, *parts: str) -> Path:
        return self.folder.joinpath(*parts)


def _link(link: Path, target: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        if link.is_symlink() and link.readlink() == target:
            return
        raise UsageError(f"{link} already maps something else",
                         "use another server, share or drive letter")
    link.symlink_to(target, target_is_directory=True)


def map_share(prefix: Path, server: str, share: str, folder: Path, *,
              drive: str | None = None) -> MappedShare:
    """Map ``\\\\server\\share`` (and ``drive``, e.g. ``"S:"``) to ``folder`` in the Wine
    prefix ``prefix``; the folder is made if missing. Names are checked before anything
    changes: a bad one is a UsageError."""
    for what, name in (("server", server), ("share", share)):
        if not _NAME.match(name):
            raise UsageError(f"{what} name {name!r} is not a plain host or share name",
                             "use letters, digits, '.', '_' and '-'")
    letter = None
    if drive is not None:
        if not re.fullmatch(r"[A-Za-z]:?", drive) or drive[0].lower() in _RESERVED_DRIVES:
            raise UsageError(f"drive {drive!r} is not a free drive letter",
                             "C: and Z: are the prefix's own; use e.g. S:")
        letter = drive[0].upper() + ":"
    folder.mkdir(parents=True, exist_ok=True)
    devices = prefix / "dosdevices"
    # Wine matches UNC names without regard to case; its own folders are lower case.
    _link(devices / "unc" / server.lower() / share.lower(), folder.resolve())
    if letter is not None:
        _link(devices / letter.lower(), folder.resolve())
    return MappedShare(server, share, folder, letter)
