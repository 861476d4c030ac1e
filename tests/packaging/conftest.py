"""The Windows service package (packaging/windows/service), imported from the source
tree: it is not installed into winci's environment (the MSI carries it)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVICE_SOURCE = REPO / "packaging" / "windows" / "service"
if str(SERVICE_SOURCE) not in sys.path:
    sys.path.insert(0, str(SERVICE_SOURCE))

from glance_windows_service.layout import Layout  # noqa: E402

TEMPLATE = REPO / "winci" / "templates" / "glance-api.conf.j2"


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    """An install folder as the MSI lays it out: the shipped template and paste config."""
    root = Layout(tmp_path / "Glance")
    root.templates.mkdir(parents=True)
    shutil.copyfile(TEMPLATE, root.templates / TEMPLATE.name)
    (root.share / "glance-api-paste.ini").write_text("[pipeline:glance-api]\n",
                                                    encoding="utf-8")
    return root
