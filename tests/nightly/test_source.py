"""Where a nightly's Glance comes from: a tree, git master, or the PyPI release as a fallback."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest

from winci.errors import InfraError
from winci.nightly.run import NightlyOptions, checkout, choose_source, probe
from winci.procs import Runner


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                           *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def test_unreachable_master_falls_back_to_pypi_with_a_note(tmp_path: Path) -> None:
    url = f"https://127.0.0.1:{closed_port()}/openstack/glance"
    said: list[str] = []
    t0 = time.monotonic()
    with Runner(tmp_path / "logs") as runner:
        tree, notes = choose_source(NightlyOptions(git_url=url), runner, said.append)
    assert time.monotonic() - t0 < 6  # detected fast
    assert tree is None
    assert "not reachable here" in notes[0] and "33.0.0 release from PyPI" in notes[0]
    assert said == [f"note: {notes[0]}"]


def test_explicit_ref_unreachable_is_an_infra_error(tmp_path: Path) -> None:
    url = f"https://127.0.0.1:{closed_port()}/openstack/glance"
    with Runner(tmp_path / "logs") as runner, pytest.raises(InfraError, match="--glance-src"):
        choose_source(NightlyOptions(git_url=url, glance_ref="master"), runner, print)


def test_glance_src_wins(tmp_path: Path) -> None:
    with Runner(tmp_path / "logs") as runner:
        tree, notes = choose_source(NightlyOptions(glance_src=tmp_path, git_url="x://nowhere"),
                                    runner, print)
    assert tree == tmp_path and str(tmp_path) in notes[0]


def test_probe() -> None:
    assert probe("/some/local/path") is None
    assert probe("file:///srv/git/glance") is None
    why = probe(f"http://127.0.0.1:{closed_port()}/x", timeout=2)
    assert why is not None and "did not answer" in why


def test_checkout_clones_then_updates(tmp_path: Path, monkeypatch) -> None:
    """A local git repository stands in for the Glance remote (same git commands)."""
    monkeypatch.setenv("WINCI_CACHE_DIR", str(tmp_path / "cache"))
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "master")
    (origin / "setup.cfg").write_text("[metadata]\nname = glance\n")
    git(origin, "add", ".")
    git(origin, "commit", "-q", "-m", "one")
    with Runner(tmp_path / "logs") as runner:
        tree, notes = choose_source(NightlyOptions(git_url=str(origin)), runner, print)
        assert tree == tmp_path / "cache" / "sources" / "glance-git"
        assert (tree / "setup.cfg").is_file() and notes[0].startswith("Glance source: master")
        (origin / "new.txt").write_text("2")
        git(origin, "add", ".")
        git(origin, "commit", "-q", "-m", "two")
        (tree / "stray.pyc").write_text("left over")
        assert checkout(str(origin), "master", runner) == tree
    assert (tree / "new.txt").read_text() == "2"
    assert not (tree / "stray.pyc").exists()
    assert git(tree, "rev-parse", "HEAD") == git(origin, "rev-parse", "HEAD")


def test_mirror_token_is_masked(tmp_path: Path) -> None:
    url = f"https://ci:s3cr3t-token@127.0.0.1:{closed_port()}/glance"
    said: list[str] = []
    with Runner(tmp_path / "logs") as runner, pytest.raises(InfraError) as err:
        choose_source(NightlyOptions(git_url=url, glance_ref="stable/2026.2"), runner,
                      said.append)
    assert "s3cr3t-token" not in str(err.value) and "127.0.0.1" in str(err.value)
