"""``winci run --backend docker --constraints FILE``: the tree is prepared once, the
patched library wheels are built from FILE, and FILE reaches the image contexts.

No container engine is needed: the run (in this process) prepares its tree, builds the
wheels for real (``git apply`` and ``pip wheel`` on a tiny library whose version only
FILE pins) and then stops at the engine, which is absent here (``DOCKER_HOST`` names a
socket nobody serves). The staging test takes the tree the same preparation makes.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.docker.fakequeue import LIB_VERSION, PATCHED_LINE, FakeQueue, fake_queue
from winci.backends import BackendConfig, make_backend
from winci.backends.docker import DockerBackend
from winci.docker.images import make_plan
from winci.docker.prepare import glance_info, stage
from winci.envs.constraints import upper_constraints
from winci.procs import Runner
from winci.runfolder import Verdict
from winci.runs import Run, RunOptions
from winci.ui import Progress
from winci.worktree.prepared import prepare_tree
from winci.worktree.sources import resolve

WHEEL = f"oslo_log-{LIB_VERSION}-py3-none-any.whl"


@pytest.fixture
def queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeQueue:
    return fake_queue(tmp_path, monkeypatch)


def test_docker_run_builds_the_wheels_from_its_constraints_and_patches_once(
        queue: FakeQueue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'no-engine.sock'}")
    out = tmp_path / "run"
    opts = RunOptions(lanes=["unit"], glance_src=queue.glance_src, out=out, backend="docker",
                      constraints=queue.constraints, history=False)
    result = Run(opts, Progress()).execute()
    printed = capsys.readouterr().out

    assert result.verdict is Verdict.ERROR
    assert "no container engine answers" in (result.error or "")
    # the wheel of the version only FILE pins, built by the real pip from the patched tree
    built = sorted(queue.cache.glob(f"patched/oslo-log-{LIB_VERSION}-*/dist/*.whl"))
    assert [w.name for w in built] == [WHEEL]
    with zipfile.ZipFile(built[0]) as zf:
        assert zf.read("oslo_log/log.py").decode() == PATCHED_LINE
    assert not list(queue.cache.glob("patched/oslo-log-8.*"))  # not the default pin
    assert f"  oslo.log: {WHEEL}" in printed
    # one preparation: each of its phases once, before the backend's own
    phases = [line.split("] ", 1)[1].removesuffix(" ...") for line in printed.splitlines()
              if line.startswith("[") and line.endswith(" ...")]
    assert phases == ["glance source", "work tree", "patch queue", "patched libraries",
                      "container engine"], phases
    manifest = json.loads((out / "manifest.json").read_text())
    assert [p for p in manifest["timings"]["phases_s"] if p.startswith("patch queue")] == [
        "patch queue"]
    assert manifest["patches"]["applied"] is True
    assert manifest["options"]["constraints"] == str(queue.constraints)
    assert manifest["pins"]["oslo.log"] == LIB_VERSION
    assert len(list((out / "logs").glob("pip-wheel-*.log"))) == 1
    assert list(queue.cache.glob("work/*.lock")) == []  # the work tree is free again


def test_the_prepared_tree_and_its_constraints_reach_the_image_contexts(
        queue: FakeQueue, tmp_path: Path) -> None:
    with Runner(tmp_path / "logs", run_id="test-stage") as runner:
        source = resolve(queue.glance_src, runner)
        tree = prepare_tree(runner, Progress(), source, tmp_path / "work", patches=True,
                            constraints=queue.constraints)
        config = BackendConfig(run_id="r1", out_dir=tmp_path / "out",
                               private_dir=tmp_path / "private", lanes=("unit", "tempest"))
        backend = make_backend("docker", config, runner)
    assert isinstance(backend, DockerBackend)  # the test's own check, not the run's
    assert tree.wheels["oslo.log"].name == WHEEL and tree.constraints == queue.constraints
    prepared = stage(backend.build_options(), tree)

    glance = prepared.plan.image("glance").context
    assert (glance / "src" / WHEEL).is_file()
    assert "(windows)" in (glance / "src" / "glance" / "glance/common/wsgi_app.py").read_text()
    base = prepared.plan.image("base").context
    staged = (base / "constraints" / "upper-constraints.txt").read_text()
    assert staged == queue.constraints.read_text()
    assert (base / "constraints" / "winci.txt").is_file()
    # the base image (and every image on it) is keyed on the constraints it is built with
    default = make_plan(backend.build_options(), glance_info(tree.source, tree.path))
    assert prepared.plan.image("base").ref != default.image("base").ref
    assert prepared.plan.options.constraints == queue.constraints
    assert upper_constraints().read_text() != staged
