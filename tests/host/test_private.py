"""Private folders and files: owner-only on POSIX, written whole."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from winci.host.private import private_dir, write_private

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX modes; Windows uses ACLs")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_private_writes_the_text_and_replaces_an_old_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "credentials.json"
    write_private(path, '{"password": "one"}')
    write_private(path, '{"password": "two"}')
    assert path.read_text(encoding="utf-8") == '{"password": "two"}'
    assert [p.name for p in path.parent.iterdir()] == ["credentials.json"], "no temp file left"


@posix_only
def test_private_file_is_0600_even_with_a_lax_umask_over_a_readable_file(
        tmp_path: Path) -> None:
    path = tmp_path / "glance-api.conf"
    path.write_text("password = old\n", encoding="utf-8")
    path.chmod(0o644)
    old = os.umask(0)
    try:
        write_private(path, "password = new\n")
    finally:
        os.umask(old)
    assert _mode(path) == 0o600
    assert path.read_text(encoding="utf-8") == "password = new\n"


@posix_only
def test_private_dir_is_0700_and_tightens_an_existing_one(tmp_path: Path) -> None:
    fresh = private_dir(tmp_path / "runs" / "20261201-000000-abcd")
    assert _mode(fresh) == 0o700
    existing = tmp_path / "state"
    existing.mkdir(mode=0o755)
    existing.chmod(0o755)
    private_dir(existing)
    assert _mode(existing) == 0o700
