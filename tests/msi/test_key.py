"""The MSI's reproducibility key: every input changes it, nothing else does (bytecode,
build output, Glance's tests); and the build's times from SOURCE_DATE_EPOCH."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from winci.msi import build, inputs, stage, summary

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """Copies of the key's inputs, pointed at by the build: the test edits them."""
    service = tmp_path / "service"
    shutil.copytree(inputs.SERVICE_SOURCE / "glance_windows_service",
                    service / "glance_windows_service",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(inputs.SERVICE_SOURCE / "pyproject.toml", service / "pyproject.toml")
    paths = SimpleNamespace(service=service)
    for name, path in (("wxs", build.WXS), ("ca", build.CUSTOM_ACTION),
                       ("template", stage.TEMPLATE)):
        copy = tmp_path / path.name
        shutil.copyfile(path, copy)
        setattr(paths, name, copy)
    paths.shim = tmp_path / "bcryptprimitives.dll"
    paths.shim.write_bytes(b"shim")
    monkeypatch.setattr(inputs, "SERVICE_SOURCE", service)
    monkeypatch.setattr(build, "WXS", paths.wxs)
    monkeypatch.setattr(build, "CUSTOM_ACTION", paths.ca)
    monkeypatch.setattr(stage, "TEMPLATE", paths.template)
    return paths


def _key(paths: SimpleNamespace, env: str = "msi-glance-abc", interpreter: str = "i1",
         glance: str = "g1") -> str:
    wine: Any = SimpleNamespace(interpreter=SimpleNamespace(key=interpreter))
    return build._key(Path("/envs") / env, wine, paths.shim, glance)


def test_the_same_inputs_give_the_same_key(sources: SimpleNamespace) -> None:
    key = _key(sources)
    assert len(key) == 12 and _key(sources) == key


@pytest.mark.parametrize("change", [
    "wxs", "ca", "template", "shim", "service module", "service pyproject",
    "env", "interpreter", "glance"])
def test_every_input_changes_the_key(sources: SimpleNamespace, change: str) -> None:
    before = _key(sources)
    args = {}
    if change in ("wxs", "ca", "template", "shim"):
        path = getattr(sources, change)
        path.write_bytes(path.read_bytes() + b" ")
    elif change == "service module":
        (sources.service / "glance_windows_service" / "new.py").write_text("x = 1\n")
    elif change == "service pyproject":
        (sources.service / "pyproject.toml").write_text("# changed\n", encoding="utf-8")
    else:
        args = {"env": "msi-glance-def", "interpreter": "i2", "glance": "g2"}
        args = {change: args[change]}
    assert _key(sources, **args) != before


def test_build_output_and_bytecode_do_not_change_the_key(sources: SimpleNamespace) -> None:
    before = _key(sources)
    package = sources.service / "glance_windows_service"
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "settings.cpython-312.pyc").write_bytes(b"pyc")
    (package / "stray.pyc").write_bytes(b"pyc")
    for folder in ("build/lib/glance_windows_service", "dist",
                   "glance_windows_service.egg-info"):
        (sources.service / folder).mkdir(parents=True)
        (sources.service / folder / "x.py").write_text("x\n")
    assert _key(sources) == before


def test_glance_digest_is_the_package_and_its_metadata_not_its_tests(tmp_path: Path) -> None:
    tree = tmp_path / "glance-src"
    for rel in ("glance/__init__.py", "glance/tests/unit/test_a.py", "glance.egg-info/PKG-INFO",
                "doc/index.rst"):
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(rel)
    digest = inputs.glance_digest(tree)
    (tree / "glance/tests/unit/test_a.py").write_text("changed")
    (tree / "doc/index.rst").write_text("changed")
    assert inputs.glance_digest(tree) == digest
    (tree / "glance.egg-info/PKG-INFO").write_text("Version: 33.0.1")
    assert inputs.glance_digest(tree) != digest


def test_glance_requirements_drop_comments(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "# comment\npbr>=2.0 # Apache-2.0\n\noslo.config>=9.0.0\n", encoding="utf-8")
    assert inputs.glance_requirements(tmp_path) == ["pbr>=2.0", "oslo.config>=9.0.0"]


@pytest.mark.parametrize("value,epoch", [
    (None, summary.DEFAULT_EPOCH), ("1700000000", 1700000000), ("", summary.DEFAULT_EPOCH),
    ("yesterday", summary.DEFAULT_EPOCH)])
def test_source_date_epoch(monkeypatch: pytest.MonkeyPatch, value: str | None,
                           epoch: int) -> None:
    if value is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert summary.source_date_epoch() == epoch


def test_product_code_follows_the_version() -> None:
    assert build.product_code("33.0.0") == build.product_code("33.0.0")
    assert build.product_code("33.0.0") != build.product_code("33.0.1")
