"""A run folder exactly as winci wrote it before the run folder had its models.

``data/20261124-020000-ab12`` was written by that code (winci/runs.py's
``_write_manifest``/``_write_results`` and ``write_lane_reports``, December 2026): a
unit lane that FAILED (known, flaky and unexpected failures), a functional lane in
ERROR before any test ran, a tempest lane NOT_RUN, under Zuul. Only the dates, the
output path, the kernel release and the timings were set by hand.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

TODAY = Path(__file__).parent / "data" / "20261124-020000-ab12"


@pytest.fixture
def old_run(tmp_path: Path) -> Path:
    """A copy of the old run folder, free to change."""
    return Path(shutil.copytree(TODAY, tmp_path / TODAY.name))


def read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
