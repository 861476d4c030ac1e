"""The Windows patch queue on disk: ``patches/<project>/series`` and its patch files.

Each project folder holds a ``series`` file (one patch file name a line, in the order
they apply; ``#`` starts a comment) and the patches it names, in ``git format-patch``
form. The queue hash identifies the whole queue: it changes whenever a series or a
patch byte changes, and it keys the cache of patched libraries.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from winci.errors import ConfigError, UsageError
from winci.host.paths import repo_file

# The projects the queue may patch, as named under patches/ and as pip knows them.
GLANCE = "glance"
LIBRARY_DISTS = {
    "glance_store": "glance_store",
    "oslo.concurrency": "oslo.concurrency",
    "oslo.log": "oslo.log",
    "keystone": "keystone",
    "os-brick": "os-brick",
}
_DIFF_HEADER = re.compile(r"^diff --git a/(\S+) b/(\S+)$", re.M)
_SUBJECT = re.compile(r"^Subject:\s*(?:\[PATCH[^\]]*\]\s*)?(.+)$", re.M)


def patches_root() -> Path:
    return repo_file("patches")


@dataclass(frozen=True)
class Patch:
    """One patch file of a series."""

    name: str
    path: Path
    subject: str
    files: tuple[str, ...]

    def data(self) -> bytes:
        return self.path.read_bytes()


@dataclass(frozen=True)
class Series:
    """The ordered patches of one project."""

    project: str
    folder: Path
    patches: tuple[Patch, ...]

    def files(self) -> tuple[str, ...]:
        """Every path the series touches (relative to the project's top), in order."""
        seen: dict[str, None] = {}
        for patch in self.patches:
            for f in patch.files:
                seen.setdefault(f, None)
        return tuple(seen)


def _parse_patch(path: Path) -> Patch:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"patch {path} is not UTF-8 text") from exc
    # Both sides: a rename's source must be in the scratch copy too.
    files = tuple(dict.fromkeys(p for pair in _DIFF_HEADER.findall(text) for p in pair))
    if not files:
        raise ConfigError(f"patch {path} contains no `diff --git` section",
                          "make patches with `git format-patch`")
    m = _SUBJECT.search(text)
    subject = m.group(1).strip() if m else path.stem
    return Patch(path.name, path, subject, files)


def load_series(project: str, root: Path | None = None) -> Series:
    """The series of ``project``; a usage error if the project has none."""
    root = root or patches_root()
    folder = root / project
    series_file = folder / "series"
    if not series_file.is_file():
        known = ", ".join(list_projects(root)) or "none"
        raise UsageError(f"no patch series for project {project!r} (known: {known})")
    patches = []
    for lineno, raw in enumerate(series_file.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        path = folder / line
        if not path.is_file():
            raise ConfigError(f"{series_file}:{lineno}: names {line!r}, which does not exist",
                              "add the patch file or remove the line")
        patches.append(_parse_patch(path))
    return Series(project, folder, tuple(patches))


def list_projects(root: Path | None = None) -> list[str]:
    root = root or patches_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "series").is_file())


def load_queue(root: Path | None = None, projects: list[str] | None = None) -> list[Series]:
    """Every series (or the named ones), sorted by project name."""
    names = projects if projects else list_projects(root)
    return [load_series(name, root) for name in sorted(names)]


def queue_hash(queue: list[Series], length: int = 12) -> str:
    """sha256 over each series file and the bytes of its patches, short form."""
    digest = hashlib.sha256()
    for series in sorted(queue, key=lambda s: s.project):
        digest.update(f"project\0{series.project}\0".encode())
        digest.update((series.folder / "series").read_bytes())
        for patch in series.patches:
            digest.update(f"\0patch\0{patch.name}\0".encode())
            digest.update(patch.data())
    return digest.hexdigest()[:length]
