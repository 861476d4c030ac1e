"""Glance's own environment under Windows CPython: the one big build (Glance 33.0.0's
requirements and test requirements, pinned by the upper constraints, installed by pip
inside Wine; about 2.5 minutes, then cached in the suite's cache)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from winci.envs.specs import glance_env
from winci.host.paths import cache_dir
from winci.platforms.wine.provision import WinePlatform
from winci.procs import Runner
from winci.worktree.sources import resolve

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHECK = (
    "import importlib.metadata as md, sys\n"
    "import glance, cryptography.fernet, sqlalchemy, oslo_config, stestr, waitress\n"
    "plugins = sorted(e.name for e in md.entry_points("
    "group='glance.image_import.internal_plugins'))\n"
    "print(sys.platform, md.version('glance'), ','.join(plugins))\n"
)


def test_glance_environment_under_windows_cpython(wine: WinePlatform, tmp_path: Path) -> None:
    with Runner(tmp_path / "logs", run_id=wine.runner.run_id) as runner:
        source = resolve(None, runner)
    env = wine.ensure_env(glance_env(source.path))
    # The tree at a stable path of the suite's cache: the editable install names it.
    tree = cache_dir() / "wine" / f"test-glance-{source.version}"
    if not (tree / "setup.cfg").is_file():
        shutil.copytree(source.path, tree, dirs_exist_ok=True)
    wine.install_tree(env, tree, source.version)
    assert not wine.install_tree(env, tree, source.version)  # the marker says it is there
    executor = wine.executor(env)
    with Runner(tmp_path / "logs", run_id=wine.runner.run_id) as runner:
        done = executor.run(runner, [executor.program("python"), "-c", CHECK], name="check",
                            cwd=tree, timeout=300, extra_env={})
    assert done.returncode == 0, done.tail_text(30)
    platform, version, plugins = done.tail[-1].split()
    assert (platform, version) == ("win32", source.version)
    assert {"web_download", "copy_image", "glance_download"} <= set(plugins.split(","))
    assert (env / "Scripts" / "stestr.exe").is_file()
