"""The docker code against a real engine (podman's Docker API here): image builds, the
layer cache across a Glance source change, winci down, and a run's containers
(RunContainers).
"""

from __future__ import annotations

import getpass
import os
import shutil
import time
import uuid
from pathlib import Path

import docker
import pytest
import requests

from tests.docker.conftest import Built, ca_bundle, linux_base_image
from winci.docker import labels as lbl
from winci.docker.build import build_plan
from winci.docker.cleanup import down, leftovers
from winci.docker.containers import RunContainers, ServiceSpec, host_user
from winci.docker.images import SERVICES, BuildOptions, GlanceInfo, make_plan, stage_contexts
from winci.host.netutil import free_port
from winci.stack.services import KeystoneAPI
from winci.stack.settings import StackSettings, render

pytestmark = pytest.mark.integration


def test_linux_images_are_built_and_labelled(engine: docker.DockerClient, built: Built) -> None:
    print(f"\nbuilt {len(built.images)} images in {built.seconds:.1f}s:")
    for name in ("base", *SERVICES):
        b = built.images[name]
        print(f"  {b.ref}: {b.duration_s:.1f}s, {len(b.rebuilt)} of {len(b.layer_steps)} "
              "layers built")
        image = engine.images.get(b.ref)
        labels = image.labels
        assert labels[lbl.IMAGE] == name
        assert labels[lbl.PLATFORM] == "linux"
    glance = engine.images.get(built.images["glance"].ref).labels
    assert glance[lbl.QUEUE_HASH] == built.plan.options.queue_hash
    assert glance[lbl.GLANCE_VERSION] == built.plan.glance.version
    # Each image imports what its service needs; Glance is the patched tree.
    imports = {
        "glance": "import glance.api.v2.router, glance.wsgi, glance_store, waitress, pymysql,"
                  " stestr, winci.commands.serve as s; import glance; print(glance.__file__)",
        "keystone": "import keystone.server.flask, waitress, pymysql, winci.commands.serve",
        "tempest": "import tempest.lib, winci",
        "mysql": "import winci.stack.mariadb, shutil; assert shutil.which('mariadbd')",
    }
    for name, code in imports.items():
        out = engine.containers.run(built.images[name].ref, ["-c", code], entrypoint=["python"],
                                    remove=True, network_mode="host")
        if name == "glance":
            assert out.strip() == b"/opt/winci/src/glance/glance/__init__.py"


def test_source_change_rebuilds_only_the_layers_after_the_dependencies(
        engine: docker.DockerClient, built: Built, tmp_path: Path) -> None:
    """Same requirements, one changed source file: the dependency layer comes from the
    cache and only ``COPY src/`` and what follows run again."""
    tree = tmp_path / "glance"
    shutil.copytree(built.glance_tree, tree)
    opts = BuildOptions(work_dir=tmp_path / "work", repo_prefix="winci-cachetest",
                        images=("base", "glance"), ca_bundle=ca_bundle(),
                        linux_base_image=linux_base_image(engine),
                        queue_hash=built.plan.options.queue_hash, patches_applied=True)
    plan = make_plan(opts, GlanceInfo(built.plan.glance.version, tree=tree))
    try:
        stage_contexts(plan, glance_tree=tree, wheels=built.wheels)
        # A first build under this test's own tags: their labels differ from the session
        # build's (and from a build of an earlier commit), so it may run cold.
        start = time.monotonic()
        build_plan(engine, plan, tmp_path / "logs-first")
        first_s = time.monotonic() - start
        start = time.monotonic()
        same = build_plan(engine, plan, tmp_path / "logs-same")[-1]
        unchanged_s = time.monotonic() - start
        # Same sources: every layer up to winci's own is from the cache (winci's layer
        # rebuilds only if the checkout changed since the session build staged it).
        layers = same.layer_steps
        winci_at = next(i for i, s in enumerate(layers) if s.instruction.startswith("COPY winci/"))
        assert winci_at == 4 and all(s.cached for s in layers[:winci_at]), same.rebuilt

        with open(tree / "glance" / "version.py", "a", encoding="utf-8") as f:
            f.write(f"\n# winci layer-cache test {uuid.uuid4()}\n")
        stage_contexts(plan, glance_tree=tree, wheels=built.wheels)
        start = time.monotonic()
        changed = build_plan(engine, plan, tmp_path / "logs-changed")[-1]
        changed_s = time.monotonic() - start
    finally:
        for spec in plan.images:
            try:
                engine.images.remove(spec.ref)
            except docker.errors.APIError:
                pass
    cached = [s.instruction for s in changed.steps if s.cached]
    ran = [s.instruction for s in changed.rebuilt]
    assert any(s.startswith("RUN winci-install deps") for s in cached), cached
    first = changed.first_rebuilt()
    assert first is not None and first.instruction.startswith("COPY src/"), ran
    assert all(not s.cached for s in changed.layer_steps if s.number >= first.number)
    cold = built.images["glance"].duration_s
    print(f"\nglance image: session build {cold:.1f}s; first build of this test's tags "
          f"{first_s:.1f}s; unchanged source {unchanged_s:.1f}s "
          f"(dependency and source layers cached); one source file changed {changed_s:.1f}s "
          f"(built {len(ran)} layers from '{first.instruction}')")


def test_down_removes_only_what_is_labelled(engine: docker.DockerClient, built: Built,
                                            run_id: str) -> None:
    image = built.images["base"].ref
    sleep = ["python", "-c", "import time; time.sleep(300)"]
    tag = uuid.uuid4().hex[:8]
    other_run = f"{run_id}-other"
    unlabelled = engine.containers.run(image, sleep, name=f"winci-test-unlabelled-{tag}",
                                       detach=True, network_mode="host")
    other = engine.containers.run(image, sleep, name=f"winci-test-other-{tag}", detach=True,
                                  network_mode="host", labels={lbl.RUN_ID: other_run})
    try:
        engine.containers.run(image, sleep, name=f"winci-test-mine-{tag}", detach=True,
                              network_mode="host", labels={lbl.RUN_ID: run_id})
        engine.volumes.create(name=f"winci-test-vol-{tag}", labels={lbl.RUN_ID: run_id})
        engine.volumes.create(name=f"winci-test-keep-{tag}")
        assert len(leftovers(engine, run_id)) == 2

        removed = down(engine, run_id)

        assert removed.containers == [f"winci-test-mine-{tag}"]
        assert removed.volumes == [f"winci-test-vol-{tag}"]
        assert leftovers(engine, run_id) == []
        unlabelled.reload()
        other.reload()
        assert unlabelled.status == "running" and other.status == "running"
        engine.volumes.get(f"winci-test-keep-{tag}")  # still there
    finally:
        for c in (unlabelled, other):
            c.remove(force=True)
        for name in (f"winci-test-keep-{tag}",):
            try:
                engine.volumes.get(name).remove(force=True)
            except docker.errors.NotFound:
                pass


def test_run_containers_start_wait_and_save_logs(engine: docker.DockerClient, built: Built,
                                                  run_id: str, tmp_path: Path) -> None:
    """MariaDB for real through ``winci serve mysql``; a stand-in HTTP server in the
    Glance image (the lead's end-to-end run serves the real Glance)."""
    run_dir = tmp_path / "run"
    db_port, web_port = free_port(), free_port()
    with RunContainers(engine, run_id=run_id, run_dir=run_dir) as stack:
        mysql = stack.start(ServiceSpec("mysql", built.images["mysql"].ref, db_port,
                                        health_timeout=120))
        glance = stack.start(ServiceSpec(
            "glance", built.images["glance"].ref, web_port, image_store=True,
            entrypoint=["python", "-m", "http.server"],
            command=[str(web_port), "--bind", "127.0.0.1"]))
        assert mysql.health in ("engine", "exec") and glance.health in ("engine", "exec")
        names = {c.name for c in engine.containers.list(filters=lbl.run_filter(run_id))}
        assert names == {stack.container_name("mysql"), stack.container_name("glance")}
        code, out = stack.exec("glance", ["sh", "-c", "id -un && touch /var/lib/winci/images/x"
                                          " && ls /var/lib/winci/images"])
        assert code == 0 and out.split() == ["winci", "x"], out
        code, out = stack.exec("mysql", ["mariadb", "-h", "127.0.0.1", "-P", str(db_port),
                                         "-u", "root", "-e", "SELECT 42"])
        assert code == 0 and "42" in out, out
        code, log = stack.run_task(
            "lane", built.images["base"].ref,
            ["-c", "import sys, pathlib; pathlib.Path('/out/done').write_text('ok');"
                   " print('lane ran'); sys.exit(3)"],
            entrypoint=["python"], binds={str(tmp_path): "/out"}, user=host_user())
        assert code == 3 and (tmp_path / "done").read_text() == "ok"
        assert (tmp_path / "done").stat().st_uid == os.getuid()
        assert "lane ran" in log.read_text()
    assert leftovers(engine, run_id) == []
    mysql_log = (run_dir / "logs" / "mysql.log").read_text()
    assert "mysql: serving on 127.0.0.1" in mysql_log
    assert (run_dir / "logs" / "glance.log").read_text().startswith("# container ")


def test_doctor_reports_this_engine(engine: docker.DockerClient, tmp_path: Path) -> None:
    from winci.docker.doctor import FAIL, run_doctor
    from winci.procs import Runner

    with Runner(tmp_path) as runner:
        checks = run_doctor(platform="linux", base="ltsc2022", share_drive=None,
                            runner=runner, connect_fn=lambda: engine)
    assert checks[0].name == "engine" and "OS type linux" in checks[0].detail
    assert not [c for c in checks if c.status == FAIL]
    with Runner(tmp_path) as runner:
        checks = run_doctor(platform="windows", base="ltsc2022", share_drive=None,
                            runner=runner, connect_fn=lambda: engine)
    assert any(c.name == "engine OS type" and c.status == FAIL for c in checks)


def _keystone_up(stack: RunContainers, settings: StackSettings, image: str,
                 binds: dict[str, str]) -> None:
    """keystone-manage steps as one-shot containers, then ``winci serve keystone``."""
    kdir = settings.service_dir("keystone")
    conf = render("keystone.conf.j2", settings, kdir / "keystone.conf",
                  database_url=settings.database_url("keystone"), state_dir=kdir.as_posix())
    me = ["--keystone-user", getpass.getuser(), "--keystone-group", getpass.getuser()]
    url = f"{settings.keystone_url}/v3"
    for step in (["db_sync"], ["fernet_setup", *me], ["credential_setup", *me],
                 ["bootstrap", f"--bootstrap-password={settings.admin_password}",
                  "--bootstrap-admin-url", url, "--bootstrap-internal-url", url,
                  "--bootstrap-public-url", url, "--bootstrap-region-id", "RegionOne"]):
        code, log = stack.run_task(f"keystone-{step[0]}", image,
                                   ["--config-file", str(conf), *step],
                                   entrypoint=["keystone-manage"], binds=binds)
        assert code == 0, log.read_text()[-2000:]
    keystone = stack.start(ServiceSpec("keystone", image, settings.keystone_port,
                                       config_dir=kdir, binds=binds, health_timeout=120))
    assert keystone.url == settings.keystone_url


def _settings(run_id: str, tmp_path: Path) -> tuple[StackSettings, dict[str, str]]:
    settings = StackSettings(run_id=run_id, state_dir=tmp_path / "state",
                             log_dir=tmp_path / "logs", db="sqlite")
    settings.log_dir.mkdir(parents=True)
    binds = {str(settings.state_dir): str(settings.state_dir),
             str(settings.log_dir): str(settings.log_dir)}
    return settings, binds


def test_keystone_serves_from_its_image_with_the_shared_template(
        engine: docker.DockerClient, built: Built, run_id: str, tmp_path: Path) -> None:
    """``winci serve keystone`` in the keystone image, configured by the same template
    as the local backend (SQLite here; MariaDB is the lead's end-to-end run), with the
    run folders bind-mounted at their host paths and the caller's uid."""
    settings, binds = _settings(run_id, tmp_path)
    with RunContainers(engine, run_id=run_id, run_dir=tmp_path / "run", user=host_user()) as stack:
        _keystone_up(stack, settings, built.images["keystone"].ref, binds)
        api = KeystoneAPI(f"{settings.keystone_url}/v3", settings.admin_password)
        assert api.ensure("projects", {"name": "service", "domain_id": "default"})
    log = (tmp_path / "run" / "logs" / "keystone.log").read_text()
    assert "keystone: serving keystone.wsgi.api:application" in log
    assert settings.admin_password not in log


def test_glance_stores_an_image_in_the_store_volume(
        engine: docker.DockerClient, built: Built, run_id: str, tmp_path: Path) -> None:
    """Keystone and the patched Glance in their containers; an image uploaded through
    the API lands in the image-store volume mounted at /var/lib/winci/images."""
    settings, binds = _settings(run_id, tmp_path)
    gdir = settings.service_dir("glance")
    for sub in ("image-cache", "staging", "tasks", "locks"):
        (gdir / sub).mkdir()
    store = "/var/lib/winci/images"   # the image store volume, inside the container
    conf = render("glance-api.conf.j2", settings, gdir / "glance-api.conf",
                  database_url=settings.database_url("glance"), state_dir=gdir.as_posix(),
                  store_dir=store, config_dir=gdir.as_posix(),
                  python="/opt/winci/venv/bin/python")
    shutil.copyfile(built.glance_tree / "etc" / "glance-api-paste.ini",
                    gdir / "glance-api-paste.ini")
    image = built.images["glance"].ref
    with RunContainers(engine, run_id=run_id, run_dir=tmp_path / "run", user=host_user()) as stack:
        _keystone_up(stack, settings, built.images["keystone"].ref, binds)
        api = KeystoneAPI(f"{settings.keystone_url}/v3", settings.admin_password)
        project = api.ensure("projects", {"name": "service", "domain_id": "default"})
        user = api.ensure("users", {"name": "glance", "domain_id": "default",
                                    "password": settings.glance_password})
        for role in ("admin", "service"):
            api.put(f"/projects/{project}/users/{user}/roles/"
                    f"{api.ensure('roles', {'name': role})}")
        code, log = stack.run_task("glance-db-sync", image, ["--config-file", str(conf),
                                                             "db_sync"],
                                   entrypoint=["glance-manage"], binds=binds)
        assert code == 0, log.read_text()[-2000:]
        stack.start(ServiceSpec("glance", image, settings.glance_port, config_dir=gdir,
                                binds=binds, image_store=True, health_timeout=120))
        headers = {"X-Auth-Token": api.headers["X-Auth-Token"]}
        url = f"{settings.glance_url}/v2/images"
        created = requests.post(url, json={"name": "cirros", "disk_format": "raw",
                                           "container_format": "bare"},
                                headers=headers, timeout=30)
        assert created.status_code == 201, created.text
        image_id = created.json()["id"]
        data = b"winci" * 1000
        put = requests.put(f"{url}/{image_id}/file", data=data, timeout=60,
                           headers={**headers, "Content-Type": "application/octet-stream"})
        assert put.status_code == 204, put.text
        got = requests.get(f"{url}/{image_id}/file", headers=headers, timeout=60)
        assert got.content == data
        code, out = stack.exec("glance", ["sh", "-c", f"ls -R {store}"])
        assert code == 0 and image_id in out, out
    assert "glance: serving glance.wsgi.api:application" in (
        tmp_path / "run" / "logs" / "glance.log").read_text()
