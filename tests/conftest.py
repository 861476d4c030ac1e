"""Shared fixtures for winci's tests.

Tests never touch the user's own winci cache or history:

- at start-up ``$WINCI_CACHE_DIR`` is set to the suite's own cache, a sibling of the
  user's (``~/.cache/winci-tests``; ``$WINCI_TEST_CACHE_DIR`` chooses another). Its
  big parts (venvs, Glance sources, work trees, patched wheels, image build folders)
  are kept from test to test and session to session, at stable paths: a venv's
  scripts name its interpreter by path, and a work tree keeps its metadata and
  bytecode;
- every test gets its own history database (``$WINCI_HISTORY_URL``, a SQLite file in
  pytest's temporary folder), so nothing a test records is seen by ``winci history``
  or by another test.

Child ``winci`` processes inherit both. A test that sets its own (``monkeypatch``, or
an ``env=`` of its own) wins.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from winci.host.paths import cache_dir

REPO = Path(__file__).resolve().parent.parent

#: The user's own cache, as winci would find it without the tests' override.
USER_CACHE = cache_dir()
TEST_CACHE = Path(os.environ.get("WINCI_TEST_CACHE_DIR")
                  or USER_CACHE.with_name(USER_CACHE.name + "-tests")).resolve()
os.environ["WINCI_CACHE_DIR"] = str(TEST_CACHE)
os.environ.pop("WINCI_HISTORY_URL", None)  # never a history database of the user's

_history_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def _history_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("history")


@pytest.fixture(autouse=True)
def _own_history(_history_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    db = _history_dir / f"{next(_history_numbers):05d}.sqlite"
    monkeypatch.setenv("WINCI_HISTORY_URL", f"sqlite:///{db.as_posix()}")
    monkeypatch.setenv("WINCI_CACHE_DIR", str(TEST_CACHE))
    yield


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
