"""Windows CPython under Wine, for real: Debian's Wine and python.org's embeddable
CPython. Wine is installed when root on Debian (as CI runs); elsewhere, without it,
these tests skip and say why.

The costly parts (the prefix template, the shims, the interpreter, the Glance
environment) live in the suite's cache (``$WINCI_CACHE_DIR``, set by tests/conftest.py)
and are made once per machine; each test session starts its own Wine session from them.
The Glance tree these tests run (:func:`glance_tree`: Glance 33.0.0 with the patch
queue, as a run prepares it) is the tests' own, at a stable path of that cache, so its
metadata and bytecode are reused too.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from winci.envs.constraints import upper_constraints
from winci.host.filelock import FileLock
from winci.host.paths import cache_dir
from winci.platforms.wine.install import INSTALL_HINT, WineTools, ensure_tools, find_tools
from winci.platforms.wine.provision import WinePlatform, start_wine
from winci.procs import Runner
from winci.procs.registry import RUN_ID_ENV
from winci.ui import Progress
from winci.worktree.prepared import PreparedTree, prepare_tree
from winci.worktree.sources import resolve


def _can_install() -> bool:
    return (sys.platform != "win32" and os.geteuid() == 0
            and shutil.which("apt-get") is not None and shutil.which("dpkg-query") is not None)


@pytest.fixture(scope="session")
def wine_tools(tmp_path_factory: pytest.TempPathFactory) -> WineTools:
    found = find_tools()
    if (found is None or found.mingw_gcc is None) and not _can_install():
        pytest.skip(f"Wine is not installed and cannot be installed here (not root on "
                    f"Debian): {INSTALL_HINT}")
    with Runner(tmp_path_factory.mktemp("wine-install")) as runner:
        return ensure_tools(runner)


@pytest.fixture(scope="session")
def wine(wine_tools: WineTools, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[WinePlatform]:
    """This test session's Wine platform (interpreter 3.12), ended at the end."""
    base = tmp_path_factory.mktemp("wine")
    runner = Runner(base / "logs", run_id=f"test-wine-{os.getpid()}")
    platform = start_wine(runner, base / "private")
    try:
        yield platform
    finally:
        platform.close()
        runner.close()


@pytest.fixture(scope="session")
def glance_tree(wine_tools: WineTools, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[PreparedTree]:
    """Glance 33.0.0 from PyPI, synced into the tests' own tree and patched by the
    queue, with the queue's library wheels: what ``winci run`` hands its backend."""
    base = tmp_path_factory.mktemp("wine-glance-tree")
    with Runner(base / "logs", run_id=f"test-wine-tree-{os.getpid()}") as runner:
        source = resolve(None, runner)
        path = cache_dir() / "wine" / f"test-glance-{source.version}-patched"
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(path.parent / f"{path.name}.lock", what="the tests' Glance tree"):
            yield prepare_tree(runner, Progress(io.StringIO()), source, path, patches=True,
                               constraints=upper_constraints())


def live_processes(var: str, value: str) -> list[tuple[int, str]]:
    """(pid, name) of running, non-zombie processes whose environment has var=value."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and proc.environ().get(var) == value:
                found.append((proc.pid, proc.name()))
        except (psutil.Error, OSError):
            continue
    return found


def processes_of_run(run_id: str) -> list[tuple[int, str]]:
    return live_processes(RUN_ID_ENV, run_id)


def nothing_left_of_run(run_id: str, timeout: float = 10) -> list[tuple[int, str]]:
    """The processes of ``run_id`` still running after ``timeout`` seconds (Wine's own
    take a moment to go): ``[]`` when the run left nothing."""
    deadline = time.monotonic() + timeout
    while (left := processes_of_run(run_id)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def make_wheel(folder: Path, name: str = "winci_tiny", version: str = "1.0") -> Path:
    """A pure-Python wheel made here (no index needed): module ``name`` with
    ``VALUE = 42`` and a console script ``<name>-cli`` printing it."""
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": "VALUE = 42\n\ndef main():\n    print('tiny', VALUE)\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: winci-tests\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n",
        f"{info}/entry_points.txt": f"[console_scripts]\n{name}-cli = {name}:main\n",
    }
    record = "".join(f"{path},,\n" for path in files) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
        zf.writestr(f"{info}/RECORD", record)
    return wheel
