"""``winci run --backend docker`` end to end through the real engine (podman's Docker API
here): images built or reused, MariaDB, Keystone and patched Glance in containers, the
unit lane in the Glance image, tempest in the tempest image, then nothing labelled left
(or, with ``--keep``, everything left until ``winci down``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import docker
import pytest

from tests.docker.conftest import linux_base_image
from winci.docker.cleanup import leftovers
from winci.envs.constraints import upper_constraints

pytestmark = pytest.mark.integration

WINCI = Path(sys.executable).with_name("winci")
UNIT_AND_IMAGES = (r"glance\.tests\.unit\.test_versions"
                   r"|tempest\.api\.image\.v2\.test_images\.BasicOperationsImagesTest"
                   r"|tempest\.api\.image\.v2\.test_images\.ImportImagesTest\.test_remote_")
ONE_TEMPEST_TEST = (r"tempest\.api\.image\.v2\.test_images\.BasicOperationsImagesTest"
                    r"\.test_delete_image")


def _winci(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    done = subprocess.run([str(WINCI), *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=1500, check=False)
    print(done.stdout[-3000:], done.stderr[-2000:])
    return done


def _docker_run(engine: docker.DockerClient, tmp_path: Path,
                *args: str) -> tuple[subprocess.CompletedProcess[str], Path, str]:
    """``winci run ARGS --backend docker`` into tmp_path/run: (process, run folder, run id)."""
    linux_base_image(engine)
    out = tmp_path / "run"
    done = _winci("run", *args, "--backend", "docker", "--no-history", "--out", str(out),
                  cwd=tmp_path)
    return done, out, str(json.loads((out / "manifest.json").read_text())["run_id"])


def test_docker_backend_run_passes_and_leaves_nothing(engine: docker.DockerClient,
                                                      tmp_path: Path) -> None:
    # --constraints reaches the docker backend: a copy of the default (same pins, so the
    # engine's layer cache holds; tests/docker/test_backend_constraints.py changes a pin)
    constraints = tmp_path / "constraints.txt"
    shutil.copyfile(upper_constraints(), constraints)
    done, out, run_id = _docker_run(engine, tmp_path, "unit", "tempest",
                                    "--filter", UNIT_AND_IMAGES,
                                    "--constraints", str(constraints))
    try:
        assert done.returncode == 0, done.stdout[-3000:]
        # the tree is prepared once, before the images are built from it
        started = [line.split("] ", 1)[1] for line in done.stdout.splitlines()
                   if line.startswith("[") and line.endswith(" ...")]
        assert started.count("patch queue ...") == 1, started
        assert started.count("patched libraries ...") == 1, started
        assert started.index("patched libraries ...") < started.index(
            "images (cached layers are reused) ...")
        verdict = json.loads((out / "verdict.json").read_text())
        assert verdict["verdict"] == "SUCCESS"
        unit, tempest = verdict["lanes"]["unit"], verdict["lanes"]["tempest"]
        assert unit["passed"] > 20 and unit["failed"] == 0
        assert tempest["passed"] >= 3 and tempest["failed"] == 0
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["backend"] == "docker"
        assert manifest["options"]["constraints"] == str(constraints)
        assert list(manifest["timings"]["phases_s"]).count("patch queue") == 1
        assert manifest["images"]["glance"].startswith("winci/glance:")
        for lane in ("unit", "tempest"):
            for name in ("results.subunit", "summary.json", "junit.xml", "testr_results.html"):
                assert (out / lane / name).stat().st_size > 0, (lane, name)
        # The runners ran in containers: their logs are the containers' output.
        assert (out / "unit" / "logs" / "stestr-unit.log").is_file()
        # Every container's log, saved on the way down; the services' own log files.
        for service, line in (("mysql", "mysql: serving on 127.0.0.1"),
                              ("keystone", "keystone: serving keystone.wsgi.api"),
                              ("glance", "glance: serving glance.wsgi.api"),
                              ("glance-remote", "glance: serving glance.wsgi.api")):
            text = (out / "logs" / f"{service}.log").read_text()
            assert text.startswith(f"# container winci-{run_id}-{service}")
            assert line in text, service
        assert (out / "logs" / "services" / "glance-api.log").stat().st_size > 0
        # the second Glance container (image_remote): tempest's remote import and delete
        # ran through it, and it proxied them to the first
        junit = (out / "tempest" / "junit.xml").read_text()
        assert "test_remote_import" in junit and "test_remote_delete" in junit
        assert tempest["skipped"] == 0, tempest
        remote_log = out / "logs" / "services" / "glance-remote" / "glance-api.log"
        assert "Proxying POST request to host" in remote_log.read_text()
        assert (out / "logs" / "keystone-bootstrap.log").is_file()
        conf = (out / "config" / "glance" / "glance-api.conf").read_text()
        assert "/var/lib/winci/images/file1" in conf  # the image-store volume
    finally:
        left = leftovers(engine, run_id)
        _winci("down", "--run-id", run_id, cwd=tmp_path)
    assert left == []


def test_kept_docker_run_is_ended_by_winci_down(engine: docker.DockerClient,
                                                tmp_path: Path) -> None:
    done, _, run_id = _docker_run(engine, tmp_path, "tempest", "--keep",
                                  "--filter", ONE_TEMPEST_TEST)
    try:
        assert done.returncode == 0, done.stdout[-3000:]
        assert "the stack stays up" in done.stdout
        kept = leftovers(engine, run_id)
        for what in ("container winci-{}-mysql", "container winci-{}-keystone",
                     "container winci-{}-glance", "container winci-{}-glance-remote",
                     "volume winci-{}-images"):
            assert what.format(run_id) in kept, kept
    finally:
        down = _winci("down", "--run-id", run_id, cwd=tmp_path)
    assert down.returncode == 0
    assert f"removed container winci-{run_id}-glance" in down.stdout
    assert f"removed container winci-{run_id}-glance-remote" in down.stdout
    assert leftovers(engine, run_id) == []
    again = _winci("down", "--run-id", run_id, cwd=tmp_path)
    assert "nothing labelled or kept" in again.stdout


def test_winci_down_ends_a_kept_local_run_without_an_engine(tmp_path: Path) -> None:
    """A local-backend run kept with --keep: its registry record lists a live process
    and a private folder; ``winci down --run-id`` ends and removes both, even when no
    container engine answers."""
    from winci.procs import Runner
    from winci.procs.registry import Registry

    cache = tmp_path / "cache"
    env = {**os.environ, "WINCI_CACHE_DIR": str(cache),
           "DOCKER_HOST": f"unix://{tmp_path / 'no-engine.sock'}"}
    private = tmp_path / "private"
    private.mkdir()
    registry = Registry(cache / "state", "kept-local-1")
    registry.add_path(private)
    runner = Runner(tmp_path / "logs", run_id="kept-local-1", registry=registry,
                    detach_services=True)
    service = runner.start([sys.executable, "-c", "import time; time.sleep(120)"],
                           name="sleeper", lifetime=None)
    registry.mark_keep()
    try:
        done = subprocess.run([str(WINCI), "down", "--run-id", "kept-local-1"], env=env,
                              text=True, capture_output=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "ended local run kept-local-1: 1 process(es), 1 folder(s) removed" in done.stdout
        assert "containers not checked: no container engine answers" in done.stdout
        assert service.wait(timeout=10) != 0  # ended by winci down, not finished
        assert not private.exists()
        nothing = subprocess.run([str(WINCI), "down", "--run-id", "kept-local-1"], env=env,
                                 text=True, capture_output=True, timeout=120, check=False)
        assert nothing.returncode == 3 and "no container engine answers" in nothing.stderr
    finally:
        runner.close()
