"""Set-up errors of the wine platform: one clear line each, with the right exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from winci.errors import EXIT_INFRA, EXIT_USAGE, InfraError, UsageError
from winci.platforms.wine import install
from winci.platforms.wine.install import ensure_tools, find_tools
from winci.platforms.wine.provision import validate_python
from winci.procs import Runner


def test_missing_wine_is_a_one_line_infra_error(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    assert find_tools(str(empty)) is None
    with Runner(tmp_path / "logs") as runner, pytest.raises(InfraError) as err:
        ensure_tools(runner, install=False, search=str(empty))
    assert err.value.exit_code == EXIT_INFRA
    text = str(err.value)
    assert "\n" not in text
    assert text.startswith("Wine is not installed")
    assert "apt-get install wine wine64 gcc-mingw-w64-x86-64" in text


def test_missing_wine_and_not_root_says_so(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setattr(install, "_is_root", lambda: False)
    monkeypatch.setattr(install, "missing_debian_packages", lambda runner: ["wine", "wine64"])
    with Runner(tmp_path / "logs") as runner, pytest.raises(InfraError) as err:
        ensure_tools(runner, search=str(empty))
    text = str(err.value)
    assert "\n" not in text
    assert "missing Debian packages wine wine64 and not root to install them" in text
    assert "as root: apt-get install" in text


def test_found_tools_are_the_loaders_not_the_wrappers(tmp_path: Path) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in ("wine", "wine64", "wineserver", "wineserver64", "x86_64-w64-mingw32-gcc"):
        (folder / name).write_text("#!/bin/sh\n", encoding="utf-8")
        (folder / name).chmod(0o755)
    tools = find_tools(str(folder))
    assert tools is not None
    assert (tools.wine.name, tools.wineserver.name) == ("wine64", "wineserver64")
    assert tools.mingw_gcc == folder / "x86_64-w64-mingw32-gcc"


@pytest.mark.parametrize(("given", "minor"), [(None, "3.12"), ("3.12", "3.12"),
                                               ("3.12.9", "3.12"), ("3.11", "3.11"),
                                               ("3.13", "3.13")])
def test_python_versions_with_an_embeddable_build(given: str | None, minor: str) -> None:
    assert validate_python(given) == minor


@pytest.mark.parametrize("given", ["3.14", "3.10", "2.7", "3", "three", "3.x"])
def test_python_without_an_embeddable_build_is_a_usage_error(given: str) -> None:
    with pytest.raises(UsageError) as err:
        validate_python(given)
    assert err.value.exit_code == EXIT_USAGE
    text = str(err.value)
    assert "\n" not in text
    assert text.startswith(f"--python {given}: no embeddable Windows CPython")
    assert "3.11, 3.12, 3.13" in text
