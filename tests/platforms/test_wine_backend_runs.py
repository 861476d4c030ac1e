"""The wine backend for real, as ``winci run --platform wine`` drives it: Glance's unit
and functional tests by stestr under Windows CPython under Wine (the stack with
Glance's API: test_wine_glance_api.py). Each test ends its backend and checks that
nothing of its run is left: not a process (Wine's own included), not its prefix."""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from winci.backends import BackendConfig
from winci.backends.wine import WineBackend
from winci.platforms.wine.install import WineTools
from winci.platforms.wine.prefix import to_windows_path
from winci.procs import Runner
from winci.results.stream import parse_stream
from winci.ui import Progress
from winci.worktree.prepared import PreparedTree

from .conftest import nothing_left_of_run

pytestmark = [pytest.mark.integration]

PROBE = ("import sys, os, glance, importlib.metadata as md; "
         "print(sys.platform, os.name, md.version('glance')); print(glance.__file__)")


@pytest.fixture
def backend_for(wine_tools: WineTools, glance_tree: PreparedTree, tmp_path: Path
                ) -> Iterator[tuple[str, list[WineBackend]]]:
    """A run id and the backends made for it; at the end every one is down, its
    runner closed, and nothing of the run is left."""
    run_id = f"test-wine-backend-{secrets.token_hex(4)}"
    made: list[WineBackend] = []
    yield run_id, made
    for backend in made:
        backend.down()
        assert backend.runner.close()
        assert not (backend.config.private_dir / "wine-prefix").exists()
    assert nothing_left_of_run(run_id) == []


def _backend(tmp_path: Path, run_id: str, lanes: tuple[str, ...],
             made: list[WineBackend]) -> WineBackend:
    runner = Runner(tmp_path / "out" / "logs", run_id=run_id)
    backend = WineBackend(BackendConfig(run_id=run_id, out_dir=tmp_path / "out",
                                        private_dir=tmp_path / "private", lanes=lanes,
                                        platform="wine"), runner)
    made.append(backend)
    return backend


def test_unit_tests_run_under_windows_cpython(
        backend_for: tuple[str, list[WineBackend]], glance_tree: PreparedTree,
        tmp_path: Path) -> None:
    run_id, made = backend_for
    backend = _backend(tmp_path, run_id, ("unit",), made)
    backend.prepare(glance_tree, Progress(io.StringIO()))
    info = backend.platform_info()
    assert (info["sys_platform"], info["what"]) == ("win32", "Windows CPython under Wine")
    assert str(info["wine"]).startswith("wine-")
    executor = backend.executor("unit")
    assert executor.name == "wine"
    tree = glance_tree.path
    with Runner(tmp_path / "out" / "unit" / "logs", run_id=run_id) as lane_runner:
        # the child is Windows CPython, importing Glance from the tree (never the env)
        done = executor.run(lane_runner, [executor.program("python"), "-c", PROBE],
                            name="probe", cwd=tree, timeout=300, extra_env={})
        assert done.returncode == 0, done.tail_text()
        assert done.tail[-2].split() == ["win32", "nt", glance_tree.source.version]
        assert done.tail[-1] == to_windows_path(tree.resolve() / "glance" / "__init__.py")
        # stestr as the unit lane runs it (--test-path/--top-dir: .stestr.conf is not
        # shell-expanded on Windows), the stream through the FIFO: the whole suite
        # discovered (every module imports on Windows CPython: the queue's os-brick
        # patches), then Glance's tests of its commands (the patch queue's waitress
        # launcher among them) and the housekeeping tests through Glance's test base
        # (glance_store's cinder driver, os-brick) and patch 0008's expectations
        stream = tmp_path / "unit.subunit"
        done = executor.run(lane_runner, [
            executor.program("stestr"), "--test-path", "./glance/tests/unit",
            "--top-dir", "./", "run", "--concurrency", "2", "--subunit",
            r"glance\.tests\.unit\.(cmd\.|test_housekeeping\.)"],
            name="stestr-unit", cwd=tree, timeout=900,
            extra_env={"PYTHONHASHSEED": "0"}, stdout_path=stream)
    assert done.returncode == 0, done.tail_text(30)
    cases = {case.test_id: case.status for case in parse_stream(stream)}
    assert not [t for t, s in cases.items() if s == "fail"], cases
    housekeeping = {t: s for t, s in cases.items()
                    if t.startswith("glance.tests.unit.test_housekeeping.")}
    assert len(housekeeping) >= 10 and set(housekeeping.values()) == {"success"}, housekeeping
    assert len([t for t in cases if t.startswith("glance.tests.unit.cmd.")]) >= 10, cases
    prefix = "glance.tests.unit.cmd.test_api_waitress.TestSocketHandover."
    assert cases[prefix + "test_windows_shares_socket_through_stdin"] == "success"
    # a test only POSIX runs: skipped, because the worker is not POSIX
    assert cases[prefix + "test_linux_real_worker_serves_inherited_socket"] == "skip"


# One test of each cause the functional lane met on Windows CPython (patches/glance 0009,
# 0010, the qemu-img relay). Discovery takes the whole functional suite, as the lane
# does: its modules register the options (e.g. [database]) the v2 tests use.
FUNCTIONAL_SLICE = (
    # the test base's staging URI (file:///C:/...), the staging check
    "v2.test_images.TestImagesSingleStore.test_image_import_using_glance_direct",
    # qemu-img run by name through the relay
    "v2.test_images.TestImagesSingleStore.test_image_upload_qcow_virtual_size_calculation",
    # a staged file closed before it is deleted
    "v2.test_parallel_store_import.TestParallelStoreImport.test_parallel_partial_success_not_all_must",
)
# oslo.db's opportunistic tests: MySQL against the native MariaDB, and SQLite.
MIGRATIONS_SLICE = (
    "db.migrations.test_mitaka01.TestMitaka01MySQL.test_walk_versions",
    "db.migrations.test_mitaka01.TestMitaka01Sqlite.test_walk_versions",
)


def test_functional_tests_run_under_windows_cpython(
        backend_for: tuple[str, list[WineBackend]], glance_tree: PreparedTree,
        tmp_path: Path) -> None:
    """A slice of the functional suite, discovered whole as the lane does: the import
    causes above, and oslo.db's opportunistic MySQL tests reaching the run's private
    MariaDB (a native process) on 127.0.0.1 from Windows CPython."""
    run_id, made = backend_for
    backend = _backend(tmp_path, run_id, ("functional",), made)
    backend.prepare(glance_tree, Progress(io.StringIO()))
    expected = dict.fromkeys(FUNCTIONAL_SLICE, "success")
    env: dict[str, str] = {}
    if backend.resolve_db_mode() == "mysql":
        backend.ensure_database()
        citest = backend.citest_url()
        assert citest is not None and "@127.0.0.1:" in citest
        env["OS_TEST_DBAPI_ADMIN_CONNECTION"] = (
            f"sqlite:///{(tmp_path / 'placeholder.db').as_posix()};{citest}")
        expected.update(dict.fromkeys(MIGRATIONS_SLICE, "success"))
    executor = backend.executor("functional")
    stream = tmp_path / "functional.subunit"
    regex = "|".join(name.replace(".", r"\.") for name in expected)
    with Runner(tmp_path / "out" / "functional" / "logs", run_id=run_id) as lane_runner:
        done = executor.run(lane_runner, [
            executor.program("stestr"), "--test-path", "./glance/tests/functional",
            "--top-dir", "./", "run", "--concurrency", "2", "--subunit", f"({regex})$"],
            name="stestr-functional", cwd=glance_tree.path, timeout=900, extra_env=env,
            stdout_path=stream)
    cases = {case.test_id.split("functional.", 1)[-1]: case.status
             for case in parse_stream(stream)}
    assert cases == expected, done.tail_text(40)
