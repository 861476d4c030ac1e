"""Fixtures of the MSI build's tests: a runner, a tiny stage laid out as the real one
is (python\\, share\\, service\\), and the msitools/wixl programs when installed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from winci.msi.tools import MsiTools
from winci.procs import Runner

# A small stage: folders nested, one empty, names an XML attribute must quote.
STAGE_FILES = {
    "python/python.exe": b"MZ python",
    "python/python312._pth": b"python312.zip\r\n.\r\nimport site\r\n",
    "python/Lib/site-packages/glance/__init__.py": b"",
    "python/Lib/site-packages/glance/api/v2/images.py": b"# images\n",
    "python/Lib/site-packages/odd & 'quoted' <name>.txt": b"odd\n",
    "share/glance-api-paste.ini": b"[pipeline:glance-api]\n",
    "share/templates/glance-api.conf.j2": b"[DEFAULT]\n",
    "service/glance-api.exe": b"MZ python",
    "service/glance-scrubber.exe": b"MZ python",
}


def make_stage(root: Path) -> Path:
    for rel, data in STAGE_FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "python" / "Lib" / "empty").mkdir()
    return root


@pytest.fixture
def stage_dir(tmp_path: Path) -> Path:
    return make_stage(tmp_path / "stage")


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[Runner]:
    with Runner(tmp_path / "logs", run_id="test-msi") as r:
        yield r


@pytest.fixture
def msi_tools() -> MsiTools:
    """wixl and msitools (the mingw compiler is not needed by these tests)."""
    found = {name: shutil.which(name) for name in ("wixl", "msiinfo", "msibuild")}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (apt-get install wixl msitools)")
    gcc = shutil.which("x86_64-w64-mingw32-gcc") or "x86_64-w64-mingw32-gcc"
    return MsiTools(Path(found["wixl"] or ""), Path(found["msiinfo"] or ""),
                    Path(found["msibuild"] or ""), Path(gcc))
