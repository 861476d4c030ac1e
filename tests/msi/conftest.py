"""Fixtures of the MSI build's tests: a runner, a tiny stage laid out as the real one
is (python\\, share\\, service\\), and the msitools/wixl programs, installed as
``winci build msi`` installs them (root on Debian) when missing."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from winci.msi.tools import INSTALL_HINT, MsiTools, ensure_msi_tools, find_msi_tools
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


def _can_install() -> bool:
    return (sys.platform != "win32" and os.geteuid() == 0
            and shutil.which("apt-get") is not None)


@pytest.fixture(scope="session")
def msi_tools(tmp_path_factory: pytest.TempPathFactory) -> MsiTools:
    """wixl and msitools, and the mingw compiler (the custom action DLL); skipped only
    where they are missing and cannot be installed (not root on Debian)."""
    tools = find_msi_tools()
    if tools is not None:
        return tools
    if not _can_install():
        pytest.skip(f"the MSI tools are not installed and cannot be installed here: "
                    f"{INSTALL_HINT}")
    with Runner(tmp_path_factory.mktemp("msi-tools"), run_id="test-msi-tools") as runner:
        return ensure_msi_tools(runner)
