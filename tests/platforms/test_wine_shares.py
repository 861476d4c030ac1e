"""A share in a Wine prefix (winci/platforms/wine/shares.py): the dosdevices links a
UNC name and a drive letter need, their Windows names, and bad names refused before
anything changes. Wine itself resolving them: test_wine_glance_api.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from winci.errors import UsageError
from winci.platforms.wine.shares import map_share


def test_unc_and_drive_letter_name_one_folder(tmp_path: Path) -> None:
    prefix, folder = tmp_path / "prefix", tmp_path / "sofs"
    (prefix / "dosdevices").mkdir(parents=True)
    share = map_share(prefix, "Winci-SOFS", "Glance", folder, drive="s")
    assert folder.is_dir()
    assert (prefix / "dosdevices" / "unc" / "winci-sofs" / "glance").readlink() == \
        folder.resolve()
    assert (prefix / "dosdevices" / "s:").readlink() == folder.resolve()
    assert share.unc == "\\\\Winci-SOFS\\Glance"
    assert share.unc_path("images", "x") == "\\\\Winci-SOFS\\Glance\\images\\x"
    assert share.drive_path("node") == "S:\\node" and share.drive_path() == "S:\\"
    assert share.host_path("images") == folder / "images"
    # again: the same links are fine; another folder under the same names is not
    assert map_share(prefix, "winci-sofs", "glance", folder, drive="S:") is not None
    with pytest.raises(UsageError, match="already maps something else"):
        map_share(prefix, "winci-sofs", "glance", tmp_path / "other")


@pytest.mark.parametrize(("server", "share", "drive", "says"), [
    ("bad name", "glance", None, "server name 'bad name'"),
    ("sofs", "../x", None, "share name '../x'"),
    ("sofs", "glance", "C:", "drive 'C:' is not a free drive letter"),
    ("sofs", "glance", "z", "drive 'z' is not a free drive letter"),
    ("sofs", "glance", "SS:", "drive 'SS:'"),
])
def test_bad_names_change_nothing(tmp_path: Path, server: str, share: str,
                                  drive: str | None, says: str) -> None:
    prefix = tmp_path / "prefix"
    with pytest.raises(UsageError, match=says):
        map_share(prefix, server, share, tmp_path / "sofs", drive=drive)
    assert not prefix.exists() and not (tmp_path / "sofs").exists()


def test_no_drive_letter(tmp_path: Path) -> None:
    share = map_share(tmp_path / "prefix", "sofs", "glance", tmp_path / "sofs")
    with pytest.raises(UsageError, match="mapped to no drive letter"):
        share.drive_path("x")
