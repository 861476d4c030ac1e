"""Shared fixtures for winci's tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def tool_bin(venv_name: str, exe: str) -> Path:
    """An executable from a tool environment prepared by scripts/test.

    ``requirements/tools-<venv_name>.txt`` lists what goes into
    ``.venv-tools/<venv_name>``. Tests that need it skip with a clear reason when
    it has not been prepared (run them through scripts/test).
    """
    path = REPO / ".venv-tools" / venv_name / "bin" / exe
    if not path.exists():
        found = shutil.which(exe)
        if found:
            return Path(found)
        reason = f"{exe} not found: run scripts/test to prepare .venv-tools/{venv_name}"
        if os.environ.get("WINCI_REQUIRE_TOOLS"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture
def repo_root() -> Path:
    return REPO
