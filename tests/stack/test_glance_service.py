"""How the stack serves Glance (winci/stack/services.py), without starting it: the
queue's ``glance.cmd.api_waitress`` with its workers when the tree carries it, the
launcher's waitress otherwise; the folders the config gives Glance, read back."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from winci.errors import InfraError
from winci.procs import Runner
from winci.stack.services import (
    API_SERVER,
    DEFAULT_WORKERS,
    Glance,
    GlancePlaces,
    HostPython,
    Place,
    configured_folders,
)
from winci.stack.settings import StackSettings


def _glance(tmp_path: Path, runner: Runner, *, queue: bool, **kw: object) -> Glance:
    tree = tmp_path / "tree"
    (tree / "etc").mkdir(parents=True, exist_ok=True)
    (tree / "etc" / "glance-api-paste.ini").write_text("[pipeline:x]\n", encoding="utf-8")
    if queue:
        (tree / "glance" / "cmd").mkdir(parents=True, exist_ok=True)
        (tree / "glance" / "cmd" / "api_waitress.py").write_text("", encoding="utf-8")
    settings = StackSettings(run_id="r1", state_dir=tmp_path / "state",
                             log_dir=tmp_path / "logs", glance_port=21002,
                             glance_remote_port=21003)
    return Glance(settings, HostPython(runner, tmp_path / "venv"), tree, **kw)  # type: ignore[arg-type]


def test_a_tree_with_the_queue_is_served_by_its_workers(tmp_path: Path) -> None:
    with Runner(tmp_path / "logs") as runner:
        glance = _glance(tmp_path, runner, queue=True)
    args = glance.server_args()
    assert args[args.index("--module") + 1] == API_SERVER
    assert args[args.index("--") + 1:] == ["--bind", "127.0.0.1:21002", "--workers",
                                           str(DEFAULT_WORKERS), "--access-log"]
    assert f"OS_GLANCE_CONFIG_DIR={glance.config_dir.as_posix()}" in args
    assert DEFAULT_WORKERS >= 2
    assert glance.serving_facts() == {}  # not started
    assert glance.worker_processes() == []


@pytest.mark.parametrize("queue", [False])
def test_a_tree_without_it_by_the_launchers_waitress(tmp_path: Path, queue: bool) -> None:
    with Runner(tmp_path / "logs") as runner:
        glance = _glance(tmp_path, runner, queue=queue)
    args = glance.server_args()
    assert "--module" not in args
    assert args[args.index("--app") + 1] == "glance.wsgi.api:application"
    assert args[args.index("--port") + 1] == "21002"


def test_places_reach_the_config(tmp_path: Path) -> None:
    places = GlancePlaces(store=Place(tmp_path / "share" / "images",
                                      "\\\\sofs\\glance\\images"),
                          state=Place(tmp_path / "share" / "node", "S:\\node"))
    with Runner(tmp_path / "logs") as runner:
        glance = _glance(tmp_path, runner, queue=True, places=places, workers=3)
    glance.configure()
    folders = configured_folders(glance.config)
    assert folders == glance.folders  # kept: the config goes with the run's private dir
    assert folders["file1"] == "\\\\sofs\\glance\\images/file1"
    assert folders["file2"] == "\\\\sofs\\glance\\images/file2"
    assert folders["os_glance_staging_store"] == "S:\\node/staging"
    assert folders["os_glance_tasks_store"] == "S:\\node/tasks"
    assert folders["image_cache_dir"] == "S:\\node/image-cache"
    assert folders["lock_path"] == "S:\\node/locks"
    for sub in ("staging", "tasks", "image-cache", "locks"):  # made on the host side
        assert (tmp_path / "share" / "node" / sub).is_dir()
    assert "--workers" in (args := glance.server_args()) and args[
        args.index("--workers") + 1] == "3"
    assert configured_folders(tmp_path / "missing.conf") == {}


def test_default_places_are_the_host_folders(tmp_path: Path) -> None:
    with Runner(tmp_path / "logs") as runner:
        glance = _glance(tmp_path, runner, queue=False)
    glance.configure()
    folders = configured_folders(glance.config)
    assert folders["file1"] == f"{glance.settings.store_dir.as_posix()}/file1"
    assert folders["image_cache_dir"] == f"{glance.config_dir.as_posix()}/image-cache"


def _conf(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    return parser


def test_the_second_api_shares_the_stores_not_the_node_state(tmp_path: Path) -> None:
    with Runner(tmp_path / "logs") as runner:
        first = _glance(tmp_path, runner, queue=True)
        second = Glance(first.settings, first.python, first.tree, remote=True, workers=1)
    first.configure()
    second.configure()
    one, two = _conf(first.config), _conf(second.config)
    # each API names itself: the proxying of distributed import goes by these
    assert one["DEFAULT"]["worker_self_reference_url"] == "http://127.0.0.1:21002"
    assert two["DEFAULT"]["worker_self_reference_url"] == "http://127.0.0.1:21003"
    assert two["DEFAULT"]["public_endpoint"] == "http://127.0.0.1:21003"
    assert two["import_filtering_opts"]["allowed_ports"].endswith(",21003]")
    # the same database and image stores...
    assert one["database"]["connection"] == two["database"]["connection"]
    assert first.folders["file1"] == second.folders["file1"]
    assert first.folders["file2"] == second.folders["file2"]
    # ...but staging, tasks, the image cache, the locks and the logs of its own
    for key in ("os_glance_staging_store", "os_glance_tasks_store", "image_cache_dir",
                "lock_path"):
        assert first.folders[key] != second.folders[key], key
    assert second.config_dir != first.config_dir
    assert second.own_log.parent == first.own_log.parent / "glance-remote"
    assert two["DEFAULT"]["log_file"] == second.own_log.as_posix()
    args = second.server_args()
    assert args[args.index("--") + 1:] == ["--bind", "127.0.0.1:21003", "--workers", "1",
                                           "--access-log"]
    assert args[args.index("--name") + 1] == "glance-remote-api"


def test_a_second_api_needs_its_port(tmp_path: Path) -> None:
    settings = StackSettings(run_id="r1", state_dir=tmp_path / "state",
                             log_dir=tmp_path / "logs")
    assert settings.glance_remote_url is None  # a stack has none unless given a port
    with Runner(tmp_path / "logs") as runner, pytest.raises(InfraError, match="no port"):
        Glance(settings, HostPython(runner, tmp_path / "venv"), tmp_path, remote=True)
