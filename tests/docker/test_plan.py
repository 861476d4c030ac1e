"""The build plan, its tags and labels, staging, and ``winci build --dry-run``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from winci import __version__
from winci.docker import labels as lbl
from winci.docker.images import (
    BuildOptions,
    GlanceInfo,
    make_plan,
    plan_table,
    sanitize_tag,
    stage_contexts,
)
from winci.errors import UsageError


def _glance_tree(root: Path, marker: str = "") -> Path:
    tree = root / "glance-src"
    (tree / "glance").mkdir(parents=True)
    (tree / "glance" / "__init__.py").write_text(f"# {marker}\n")
    (tree / "setup.cfg").write_text("[metadata]\nname = glance\n")
    (tree / ".stestr.conf").write_text("[DEFAULT]\ntest_path=./glance/tests/unit\n")
    (tree / "requirements.txt").write_text("pbr>=2.0\noslo.config>=9.0 # Apache-2.0\n")
    (tree / "test-requirements.txt").write_text("hacking>=6\nstestr>=2\n")
    return tree


def test_tags_come_from_glance_queue_and_winci(tmp_path: Path) -> None:
    opts = BuildOptions(work_dir=tmp_path, queue_hash="a1b2c3d4e5f6", patches_applied=True)
    plan = make_plan(opts, GlanceInfo("33.0.1.dev4", kind="git", git_ref="refs/changes/1/2",
                                      git_sha="abc123"))
    glance = plan.image("glance")
    assert glance.ref == f"winci/glance:33.0.1.dev4-a1b2c3d4-{__version__}"
    assert glance.labels[lbl.QUEUE_HASH] == "a1b2c3d4e5f6"
    assert glance.labels[lbl.GLANCE_REF] == "refs/changes/1/2"
    assert glance.labels[lbl.GLANCE_SHA] == "abc123"
    assert glance.labels[lbl.PATCHES_APPLIED] == "true"
    assert glance.buildargs["PBR_VERSION"] == "33.0.1.dev4"
    base = plan.image("base")
    assert [s.name for s in plan.images] == ["base", "mysql", "keystone", "glance", "tempest"]
    assert all(s.buildargs["WINCI_BASE"] == base.ref for s in plan.images[1:])
    assert plan.image("keystone").tag.startswith("30.0.0-a1b2c3d4-")
    assert all(s.dockerfile == "Dockerfile" for s in plan.images)


def test_windows_plan_uses_the_base_tag(tmp_path: Path) -> None:
    plan = make_plan(BuildOptions(platform="windows", base="ltsc2025", work_dir=tmp_path),
                     GlanceInfo("33.0.0"))
    assert all(s.tag.endswith("-ltsc2025") for s in plan.images)
    assert all(s.dockerfile == "Dockerfile.windows" for s in plan.images)
    assert plan.image("base").buildargs["BASE_TAG"] == "ltsc2025"
    assert "PIP_CERT" not in plan.image("glance").buildargs
    assert plan.image("mysql").installer is not None


def test_a_new_queue_changes_only_the_service_tags(tmp_path: Path) -> None:
    one = make_plan(BuildOptions(work_dir=tmp_path, queue_hash="1" * 12), GlanceInfo("33.0.0"))
    two = make_plan(BuildOptions(work_dir=tmp_path, queue_hash="2" * 12), GlanceInfo("33.0.0"))
    assert one.image("base").ref == two.image("base").ref
    assert one.image("glance").ref != two.image("glance").ref


@pytest.mark.parametrize("bad", [dict(platform="macos"), dict(platform="windows", base="1809"),
                                 dict(images=("nova",))])
def test_bad_options_are_usage_errors(tmp_path: Path, bad: dict[str, object]) -> None:
    with pytest.raises(UsageError):
        make_plan(BuildOptions(work_dir=tmp_path, **bad), GlanceInfo("33.0.0"))  # type: ignore[arg-type]


def test_sanitize_tag() -> None:
    assert sanitize_tag("33.0.1.dev4+g1234") == "33.0.1.dev4-g1234"
    assert sanitize_tag("--") == "unknown"


def test_staging_is_stable_and_follows_the_source(tmp_path: Path) -> None:
    tree = _glance_tree(tmp_path)
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    opts = BuildOptions(work_dir=tmp_path / "work", ca_bundle=ca)
    plan = make_plan(opts, GlanceInfo("33.0.0", tree=tree, kind="path"))
    stage_contexts(plan, glance_tree=tree)
    ctx = plan.image("glance").context
    for name in ("Dockerfile", "Dockerfile.windows"):
        last = (ctx / name).read_text().rstrip().splitlines()[-1]
        assert last.startswith("LABEL org.openstack.winci.base-tag=")  # sorted, one step
        assert 'org.openstack.winci.glance.version="33.0.0"' in last
    assert (ctx / "src" / "glance" / "glance" / "__init__.py").is_file()
    assert (ctx / "winci" / "pyproject.toml").is_file()
    assert (ctx / "winci" / "winci" / "docker" / "health.py").is_file()
    reqs = (ctx / "requirements.txt").read_text().splitlines()
    assert "pbr>=2.0" in reqs and "stestr>=2" in reqs and "hacking>=6" not in reqs
    base = plan.image("base").context
    assert (base / "build-ca" / "ca-bundle.crt").read_text() == ca.read_text()
    assert (base / "constraints" / "upper-constraints.txt").is_file()
    assert os.access(base / "winci-install", os.X_OK)
    mtimes = {p: p.stat().st_mtime_ns for p in ctx.rglob("*") if p.is_file()}
    stage_contexts(plan, glance_tree=tree)
    assert mtimes == {p: p.stat().st_mtime_ns for p in ctx.rglob("*") if p.is_file()}
    (tree / "glance" / "new.py").write_text("x = 1\n")
    (tree / "glance" / "__init__.py").write_text("# changed\n")
    stage_contexts(plan, glance_tree=tree)
    assert (ctx / "src" / "glance" / "glance" / "new.py").is_file()
    assert (ctx / "src" / "glance" / "glance" / "__init__.py").read_text() == "# changed\n"
    assert (ctx / "requirements.txt").stat().st_mtime_ns == mtimes[ctx / "requirements.txt"]


def test_windows_staging_needs_the_installers(tmp_path: Path) -> None:
    tree = _glance_tree(tmp_path)
    plan = make_plan(BuildOptions(platform="windows", work_dir=tmp_path / "w",
                                  installers=tmp_path / "inst", images=("base",)),
                     GlanceInfo("33.0.0", tree=tree))
    with pytest.raises(UsageError, match=r"python-3\.12\.10-amd64\.exe"):
        stage_contexts(plan, glance_tree=tree)
    (tmp_path / "inst").mkdir()
    (tmp_path / "inst" / "python-3.12.10-amd64.exe").write_bytes(b"MZ fake installer")
    stage_contexts(plan, glance_tree=tree)
    args = plan.image("base").buildargs
    assert args["PYTHON_VERSION"] == "3.12.10"
    assert len(args["PYTHON_SHA256"]) == 64


def test_plan_table_lists_every_image(tmp_path: Path) -> None:
    plan = make_plan(BuildOptions(work_dir=tmp_path), GlanceInfo("33.0.0"))
    table = plan_table(plan)
    for spec in plan.images:
        assert spec.ref.split(":")[0] in table and spec.tag in table
    assert "BUILD ARGS" in table and "org.openstack.winci.run-id" not in table


def test_dry_run_cli_builds_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "WINCI_CACHE_DIR": str(tmp_path / "cache"),
           "DOCKER_HOST": "unix:///nonexistent/winci-test.sock"}
    out = subprocess.run([sys.executable, "-m", "winci", "build", "--dry-run",
                          "--platform", "windows", "--base", "ltsc2025"],
                         capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "winci/glance" in out.stdout and "-ltsc2025" in out.stdout
    assert "Dockerfile.windows" in out.stdout and "MISSING" in out.stdout
    # Nothing staged, nothing downloaded: the engine address does not even exist.
    assert not (tmp_path / "cache" / "build" / "windows").exists()
    assert not (tmp_path / "cache" / "sources").exists()


def test_down_needs_a_run_or_all(tmp_path: Path) -> None:
    env = {**os.environ, "WINCI_CACHE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "winci", "down"], capture_output=True,
                         text=True, env=env, cwd=REPO, timeout=60)
    assert out.returncode == 2 and "--run-id" in out.stderr


def test_down_reports_an_unreachable_engine_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "WINCI_CACHE_DIR": str(tmp_path),
           "DOCKER_HOST": "unix:///nonexistent/winci-test.sock"}
    out = subprocess.run([sys.executable, "-m", "winci", "down", "--run-id", "x"],
                         capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    assert out.returncode == 3
    assert out.stderr.startswith("winci down: error: no container engine answers")
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
