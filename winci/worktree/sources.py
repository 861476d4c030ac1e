"""The Glance source under test: a given tree or git checkout, or a release from PyPI.

Lanes never run in the caller's tree: it is synced into a work copy (patched there when
the queue applies), so a Zuul-prepared checkout stays as Zuul left it.
"""

from __future__ import annotations

import configparser
import hashlib
import os
import re
import shutil
import sys
import tarfile
from dataclasses import asdict, dataclass
from pathlib import Path

from winci.errors import InfraError, UsageError
from winci.host.paths import cache_dir
from winci.procs import Runner

DEFAULT_GLANCE_VERSION = "33.0.0"


@dataclass
class GlanceSource:
    kind: str  # "pypi", "path" or "git"
    path: Path
    version: str
    git_ref: str | None = None
    git_sha: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        d = asdict(self)
        d["path"] = str(self.path)
        return d

    def identity(self) -> str:
        """Stable id of where this source comes from (not of its content)."""
        return hashlib.sha256(f"{self.kind}|{self.path.resolve()}".encode()).hexdigest()[:10]


def validate_glance_tree(path: Path) -> None:
    """A one-line usage error unless ``path`` is a Glance source tree."""
    if not path.exists():
        raise UsageError(f"--glance-src {path} does not exist",
                         "give the path of a Glance source tree or git checkout")
    if not path.is_dir():
        raise UsageError(f"--glance-src {path} is not a directory")
    missing = [p for p in ("glance/__init__.py", "setup.cfg", ".stestr.conf")
               if not (path / p).is_file()]
    if missing:
        raise UsageError(f"{path} is not a Glance source tree (missing {', '.join(missing)})",
                         "point --glance-src at the top of a Glance checkout")
    cfg = configparser.ConfigParser()
    try:
        cfg.read(path / "setup.cfg", encoding="utf-8")
    except configparser.Error as exc:
        raise UsageError(f"{path}/setup.cfg cannot be parsed: {exc}") from exc
    name = cfg.get("metadata", "name", fallback="")
    if name.lower() != "glance":
        raise UsageError(f"{path} is a source tree of {name or 'an unknown project'!r}, "
                         "not of Glance")


def _git(runner: Runner, path: Path, *args: str) -> str | None:
    done = runner.run(["git", "-C", path, *args], name=f"git-{args[0]}", timeout=60,
                      check=False)
    return done.tail[-1].strip() if done.ok and done.tail else None


def _pep440(describe: str | None) -> str:
    """pbr wants a PEP 440 version: 33.0.0-12-gabcdef -> 33.0.1.dev12."""
    m = re.match(r"^(\d+)\.(\d+)\.(\d+)(?:-(\d+)-g[0-9a-f]+)?$", describe or "")
    if not m:
        return "0.0.0"
    major, minor, patch, dev = m.groups()
    return f"{major}.{minor}.{int(patch) + 1}.dev{dev}" if dev else f"{major}.{minor}.{patch}"


def _version_of(path: Path, runner: Runner | None) -> tuple[str, str | None, str | None]:
    """(version, git ref, git sha): the sdist's PKG-INFO version, else git describe."""
    version = None
    pkg_info = path / "PKG-INFO"
    if pkg_info.is_file():
        m = re.search(r"^Version:\s*(\S+)", pkg_info.read_text(encoding="utf-8"), re.M)
        version = m.group(1) if m else None
    ref = sha = None
    if (path / ".git").exists() and runner is not None and shutil.which("git"):
        sha = _git(runner, path, "rev-parse", "HEAD")
        ref = _git(runner, path, "rev-parse", "--abbrev-ref", "HEAD")
        if version is None:
            version = _pep440(_git(runner, path, "describe", "--tags", "--always"))
    return version or "0.0.0", ref, sha


def fetch_sdist(runner: Runner, dist: str, version: str, root: Path,
                timeout: float = 900.0) -> Path:
    """The unpacked sdist of ``dist==version`` from PyPI under ``root``, downloaded once.

    Unpacked into a staging folder and moved into place whole, so a killed download
    never leaves a half tree that a later run would trust.
    """
    norm = re.sub(r"[-_.]+", "_", dist).lower()
    tree = root / f"{norm}-{version}"
    if (tree / "PKG-INFO").is_file():
        return tree
    downloads = root / "downloads" / f"{norm}-{version}"
    downloads.mkdir(parents=True, exist_ok=True)
    sdists = sorted(downloads.glob("*.tar.gz"))
    if not sdists:
        runner.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                    ":all:", "-d", downloads, f"{dist}=={version}"],
                   name=f"pip-download-{norm}", timeout=timeout)
        sdists = sorted(downloads.glob("*.tar.gz"))
    if not sdists:
        raise InfraError(f"pip download of {dist}=={version} produced no sdist in {downloads}")
    staging = root / f".{tree.name}.unpack-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(sdists[0]) as tar:
        tar.extractall(staging, filter="data")
    tops = [p for p in staging.iterdir() if p.is_dir()]
    if len(tops) != 1 or not (tops[0] / "PKG-INFO").is_file():
        raise InfraError(f"{sdists[0]} is not an sdist with one top folder and a PKG-INFO")
    if tree.exists():
        shutil.rmtree(tree)
    tops[0].replace(tree)
    shutil.rmtree(staging, ignore_errors=True)
    return tree


def fetch_pypi_release(version: str, runner: Runner) -> Path:
    """Download and unpack ``glance==version`` from PyPI, once (cached)."""
    return fetch_sdist(runner, "glance", version, cache_dir() / "sources")


def resolve(glance_src: Path | None, runner: Runner) -> GlanceSource:
    """The Glance source for this run."""
    if glance_src is None:
        path = fetch_pypi_release(DEFAULT_GLANCE_VERSION, runner)
        return GlanceSource("pypi", path, DEFAULT_GLANCE_VERSION)
    path = glance_src.expanduser().resolve()
    validate_glance_tree(path)
    version, ref, sha = _version_of(path, runner)
    return GlanceSource("git" if (path / ".git").exists() else "path", path, version, ref, sha)
