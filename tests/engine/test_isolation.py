"""winci's own tests stay out of the user's cache and history (tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_CACHE, USER_CACHE
from tests.results.streams import write_stream
from winci.history.db import default_url
from winci.host.paths import cache_dir


def _snapshot(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns


def test_the_cache_and_history_are_the_suites_own() -> None:
    assert cache_dir() == TEST_CACHE != USER_CACHE
    url = default_url()
    assert url.startswith("sqlite:///") and USER_CACHE.as_posix() not in url
    assert TEST_CACHE.as_posix() not in url, "a history of its own for each test"


def test_a_winci_child_records_into_the_tests_history_not_the_users(tmp_path: Path) -> None:
    user_history = USER_CACHE / "history.sqlite"
    before = _snapshot(user_history)
    stream = write_stream(tmp_path / "results.subunit", [
        ("glance.tests.unit.test_isolation.T.test_one", "success", 0.1, {})])
    winci = [sys.executable, "-m", "winci", "history"]
    imported = subprocess.run([*winci, "import", str(stream), "--lane", "unit",
                               "--run-id", "isolation-check"],
                              capture_output=True, text=True, timeout=120, env=os.environ)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    listed = subprocess.run([*winci, "list"], capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert "isolation-check" in listed.stdout
    own = Path(default_url().removeprefix("sqlite:///"))
    assert own.is_file()
    assert _snapshot(user_history) == before, f"{user_history} was touched"
