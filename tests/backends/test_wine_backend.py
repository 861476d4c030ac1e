"""The wine backend's shape, without Wine: the interface, where each lane's programs
run, how host paths reach the Windows interpreter, and its set-up errors (one line,
exit code 3, nothing left running). tests/platforms/ runs it for real."""

from __future__ import annotations

import inspect
import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from winci.backends import BackendConfig, make_backend, wine
from winci.backends.base import Backend
from winci.backends.wine import LABEL, WineBackend
from winci.errors import EXIT_INFRA, InfraError
from winci.lanes.executor import LocalExecutor
from winci.patches import QueueState
from winci.platforms.wine import install
from winci.platforms.wine.executor import WineExecutor, WinePython
from winci.platforms.wine.install import WineTools
from winci.platforms.wine.shares import map_share
from winci.procs import Runner
from winci.runfolder import Manifest
from winci.stack import launcher
from winci.stack.api_logs import interpreter_of
from winci.stack.services import Glance, HostPython, Place
from winci.stack.settings import StackSettings
from winci.ui import Progress
from winci.worktree.prepared import PreparedTree
from winci.worktree.sources import GlanceSource
from winci.worktree.tree import tree_path_env

INTERFACE = sorted(name for name in dir(Backend) if not name.startswith("_"))


def _config(tmp_path: Path, lanes: tuple[str, ...] = ("unit", "tempest")) -> BackendConfig:
    return BackendConfig(run_id="r1", out_dir=tmp_path / "out", private_dir=tmp_path / "p",
                         lanes=lanes, keystone_port=21001, glance_port=21002,
                         platform="wine", python="3.12")


def _tree(tmp_path: Path) -> PreparedTree:
    source = GlanceSource("path", tmp_path / "src", "33.0.0")
    return PreparedTree(source, tmp_path / "tree", True, QueueState((), "0" * 12),
                        tmp_path / "constraints.txt")


class _Session:
    """What the executors ask of a Wine session, recorded."""

    def __init__(self, logs: Path) -> None:
        self.runner = Runner(logs, run_id="stub")
        self.calls: list[dict[str, Any]] = []

    def run(self, runner: Runner, args: Sequence[object], **kw: Any) -> str:
        self.calls.append({"what": "run", "runner": runner, "args": list(args), **kw})
        return "done"

    def start_service(self, args: Sequence[object], **kw: Any) -> str:
        self.calls.append({"what": "start", "args": list(args), **kw})
        return "service"


def test_the_wine_platform_is_the_local_backend_with_windows_cpython(tmp_path: Path) -> None:
    with Runner(tmp_path / "logs", run_id="r1") as runner:
        backend = make_backend("local", _config(tmp_path), runner)
    assert isinstance(backend, WineBackend)
    assert (backend.name, backend.platform) == ("local", "wine")
    assert [m for m in INTERFACE if not hasattr(backend, m)] == []
    for member in INTERFACE:
        proto = inspect.getattr_static(Backend, member)
        if inspect.isfunction(proto):
            ours = inspect.signature(getattr(type(backend), member))
            assert list(ours.parameters) == list(inspect.signature(proto).parameters), member
    assert (backend.settings.keystone_port, backend.settings.glance_port) == (21001, 21002)
    # before prepare(): nothing to publish or end, no database, no Windows executor
    backend.publish_configs(tmp_path / "config")
    backend.down()
    assert backend.citest_url() is None
    with pytest.raises(InfraError, match="the unit lane needs the wine platform"):
        backend.executor("unit")
    tempest = backend.executor("tempest")  # tempest is a native venv
    assert isinstance(tempest, LocalExecutor)
    with pytest.raises(InfraError, match="no environment for it on this host"):
        tempest.program("tempest")
    info = backend.platform_info()
    assert (info["name"], info["label"]) == ("wine", "Windows CPython under Wine") == (
        "wine", LABEL)
    manifest = Manifest()
    backend.record(manifest)  # the run records platform_info() itself
    assert manifest == Manifest()


def test_the_tree_on_a_windows_pythonpath(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/host/only")

    def windows(path: Path) -> str:
        return "Z:" + path.as_posix().replace("/", "\\")

    tree = tmp_path / "tree"
    assert tree_path_env(tree, windows_path=windows) == {"PYTHONPATH": windows(tree.resolve())}
    env = tree_path_env(tree, "C:\\extra;;D:\\more", windows_path=windows)
    assert env == {"PYTHONPATH": f"{windows(tree.resolve())};C:\\extra;D:\\more"}
    # the host's own form is unchanged: this process's PYTHONPATH follows the tree
    assert tree_path_env(tree) == {
        "PYTHONPATH": os.pathsep.join([str(tree.resolve()), "/host/only"])}


def test_the_wine_executor_carries_the_tree_and_the_lane_wins(tmp_path: Path) -> None:
    session = _Session(tmp_path / "logs")
    executor = WineExecutor(session, tmp_path / "env",  # type: ignore[arg-type]
                            {"PYTHONPATH": "Z:\\tree", "KEEP": "1"})
    with Runner(tmp_path / "logs") as runner:
        executor.run(runner, ["stestr", "run"], name="s", cwd=tmp_path, timeout=5,
                     extra_env={"KEEP": "lane"})
    (call,) = session.calls
    assert call["extra_env"] == {"PYTHONPATH": "Z:\\tree", "KEEP": "lane"}
    assert call["runner"] is runner and call["check"] is False  # the lane reads the code


def test_the_windows_python_of_a_service(tmp_path: Path) -> None:
    session = _Session(tmp_path / "logs")
    python = WinePython(session, tmp_path / "env")  # type: ignore[arg-type]
    assert python.executable == "Z:" + (tmp_path / "env" / "python.exe").as_posix().replace(
        "/", "\\")
    assert python.path(Path("/srv/x")) == "Z:\\srv\\x"
    assert python.tree_env(tmp_path) == {"PYTHONPATH": python.path(tmp_path.resolve())}
    python.run(["-m", "glance.cmd.manage", "db_sync"], name="m", timeout=9, cwd=tmp_path,
               extra_env={"A": "1"})
    python.start(["launcher.py"], name="api", extra_env={})
    run, start = session.calls
    assert run["args"] == [tmp_path / "env" / "python.exe", "-m", "glance.cmd.manage",
                           "db_sync"]
    assert run["runner"] is session.runner and "check" not in run  # failures raise
    assert start["args"] == [tmp_path / "env" / "python.exe", "launcher.py"]
    assert start["lifetime"] is None


@pytest.mark.parametrize("db", ["mysql", "sqlite"])
def test_glance_config_names_paths_as_its_python_does(tmp_path: Path, db: str) -> None:
    tree = tmp_path / "tree"
    (tree / "etc").mkdir(parents=True)
    (tree / "etc" / "glance-api-paste.ini").write_text("[pipeline:x]\n", encoding="utf-8")
    settings = StackSettings(run_id="r1", state_dir=tmp_path / "state",
                             log_dir=tmp_path / "logs", db=db)
    wine = Glance(settings, WinePython(_Session(tmp_path / "logs"), tmp_path / "env"),  # type: ignore[arg-type]
                  tree)
    wine.configure()
    conf = (wine.config_dir / "glance-api.conf").read_text(encoding="utf-8")
    state = "Z:" + wine.config_dir.as_posix().replace("/", "\\")
    assert f"image_cache_dir = {state}/image-cache" in conf
    assert f"config_file = {state}/glance-api-paste.ini" in conf
    assert "log_file = Z:" in conf and "filesystem_store_datadir = Z:" in conf
    assert "python_interpreter = Z:" in conf and "python.exe" in conf
    if db == "sqlite":
        db_file = (settings.state_dir / "sqlite" / "glance.db").as_posix()
        assert f"connection = sqlite:///Z:{db_file}\n" in conf
    else:
        assert "connection = mysql+pymysql://glance:" in conf
    assert (wine.config_dir / "glance-api-paste.ini").is_file()
    # the same template for the host's venv: host paths, its own interpreter
    with Runner(tmp_path / "logs") as runner:
        local = Glance(settings, HostPython(runner, tmp_path / "venv"), tree)
    local.configure()
    conf = (local.config_dir / "glance-api.conf").read_text(encoding="utf-8")
    assert f"image_cache_dir = {local.config_dir.as_posix()}/image-cache" in conf
    assert f"python_interpreter = {(tmp_path / 'venv').as_posix()}/" in conf


def test_the_launcher_says_which_interpreter_serves(tmp_path: Path) -> None:
    """Its first line names the interpreter (read back for the manifest), even when the
    application then cannot be loaded."""
    with Runner(tmp_path / "logs") as runner:
        done = runner.run([sys.executable, launcher.__file__, "--app", "winci_no_such:app",
                           "--port", "1", "--name", "probe-api"], name="probe-api",
                          timeout=60, check=False)
    assert done.returncode != 0
    facts = interpreter_of(done.log)
    assert facts["sys_platform"] == sys.platform
    assert facts["sys_version"] == sys.version
    assert interpreter_of(tmp_path / "missing.log") == {}


def _no_wine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(install, "find_tools", lambda search=None: None)
    monkeypatch.setattr(install, "missing_debian_packages", lambda runner: ["wine", "wine64"])
    monkeypatch.setattr(install, "_is_root", lambda: False)


def _broken_wine(monkeypatch: pytest.MonkeyPatch) -> None:
    false = Path("/bin/false")
    monkeypatch.setattr(install, "find_tools",
                        lambda search=None: WineTools(false, false, Path("/bin/true")))


@pytest.mark.skipif(sys.platform == "win32", reason="the wine platform runs on Linux hosts")
@pytest.mark.parametrize(("breakage", "says"), [
    (_no_wine, "missing Debian packages wine wine64 and not root to install them"),
    (_broken_wine, "Wine cannot start on this machine: `/bin/false --version` failed"),
])
def test_no_usable_wine_is_a_one_line_infra_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, breakage: Any, says: str) -> None:
    breakage(monkeypatch)
    runner = Runner(tmp_path / "logs", run_id="r1")
    backend = make_backend("local", _config(tmp_path, ("unit",)), runner)
    with pytest.raises(InfraError) as err:
        backend.prepare(_tree(tmp_path), Progress(io.StringIO()))
    assert err.value.exit_code == EXIT_INFRA
    assert "\n" not in str(err.value) and says in str(err.value)
    assert isinstance(backend, WineBackend) and backend.wine is None
    assert runner._services == []  # nothing left running
    assert runner.close()



def test_glance_on_the_share_by_unc_path_and_drive_letter(tmp_path: Path) -> None:
    """The wine stack's Glance: file stores on \\\\winci-sofs\\glance\\images, its state
    on S:\\node (one host folder mapped both ways); its own logs apart from Linux's."""
    share = map_share(tmp_path / "prefix", wine.SHARE_SERVER, wine.SHARE_NAME,
                      tmp_path / "sofs", drive=wine.SHARE_DRIVE)
    places = wine.glance_places(share)
    assert places.store == Place(tmp_path / "sofs" / "images",
                                 "\\\\winci-sofs\\glance\\images")
    assert places.state == Place(tmp_path / "sofs" / "node", "S:\\node")
    with Runner(tmp_path / "logs", run_id="r1") as runner:
        backend = WineBackend(_config(tmp_path), runner)
    assert backend.settings.log_dir == tmp_path / "out" / "logs" / "wine" / "services"
    assert wine.WORKERS >= 2
