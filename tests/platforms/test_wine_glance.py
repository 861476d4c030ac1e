"""Glance's own environment under Windows CPython: the one big build (Glance 33.0.0's
requirements and test requirements with the patch queue's library wheels, pinned by
the upper constraints, installed by pip inside Wine; about 2.5 minutes, then cached in
the suite's cache). It holds no Glance: the tree is put first on the Windows
``PYTHONPATH`` and carries its own metadata, as a run does."""

from __future__ import annotations

from pathlib import Path

import pytest

from winci.backends.wine import glance_spec, metadata_env
from winci.envs import ensure_env
from winci.host.paths import venv_python
from winci.platforms.wine.prefix import to_windows_path
from winci.platforms.wine.provision import WinePlatform
from winci.procs import Runner
from winci.worktree.prepared import PreparedTree
from winci.worktree.tree import ensure_tree_metadata, tree_path_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHECK = (
    "import importlib.metadata as md, sys\n"
    "import glance, cryptography.fernet, sqlalchemy, oslo_config, stestr, waitress\n"
    "plugins = sorted(e.name for e in md.entry_points("
    "group='glance.image_import.internal_plugins'))\n"
    "print(sys.platform, md.version('glance'), ','.join(plugins))\n"
    "print(glance.__file__)\n"
)


def test_glance_environment_under_windows_cpython(wine: WinePlatform, glance_tree: PreparedTree,
                                                  tmp_path: Path) -> None:
    env = wine.ensure_env(glance_spec(glance_tree))
    assert not list((env / "Lib" / "site-packages").glob("glance-*"))  # never Glance itself
    tree, version = glance_tree.path, glance_tree.source.version
    with Runner(tmp_path / "logs", run_id=wine.runner.run_id) as runner:
        pbr = ensure_env(metadata_env(glance_tree.constraints), runner)
        ensure_tree_metadata(runner, venv_python(pbr), tree, version)
        assert not ensure_tree_metadata(runner, venv_python(pbr), tree, version)  # stamped
    executor = wine.executor(env, tree_path_env(tree, "", windows_path=to_windows_path))
    with Runner(tmp_path / "logs", run_id=wine.runner.run_id) as runner:
        done = executor.run(runner, [executor.program("python"), "-c", CHECK], name="check",
                            cwd=tmp_path, timeout=300, extra_env={})
    assert done.returncode == 0, done.tail_text(30)
    platform, version_seen, plugins = done.tail[-2].split()
    assert (platform, version_seen) == ("win32", version)
    assert {"web_download", "copy_image", "glance_download"} <= set(plugins.split(","))
    # imported from the tree, by its Windows name, from another working directory
    assert done.tail[-1] == to_windows_path(tree.resolve() / "glance" / "__init__.py")
    assert (env / "Scripts" / "stestr.exe").is_file()
