"""A work tree served by path: first on PYTHONPATH, with metadata of its own.

These use a tiny stand-in "glance" built by plain setuptools (``setup.py egg_info``, as
pbr's is), so the mechanism is checked without the Glance environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from winci.procs import Runner
from winci.worktree.tree import EGG_INFO, ensure_tree_metadata, tree_path_env

SETUP_PY = "import setuptools\nsetuptools.setup()\n"
SETUP_CFG = """[metadata]
name = glance
version = {version}

[options]
packages = glance

[options.entry_points]
glance.image_import.plugins =
    {plugin} = glance.plugin:get_flow
"""


def make_tree(root: Path, marker: str, version: str = "33.0.0",
              plugin: str = "image_conversion") -> Path:
    (root / "glance").mkdir(parents=True)
    (root / "glance" / "__init__.py").write_text(f"MARKER = {marker!r}\n", encoding="utf-8")
    (root / "setup.py").write_text(SETUP_PY, encoding="utf-8")
    (root / "setup.cfg").write_text(SETUP_CFG.format(version=version, plugin=plugin),
                                    encoding="utf-8")
    (root / "requirements.txt").write_text("", encoding="utf-8")
    return root


PROBE = ("import importlib.metadata as m, json, glance; print(json.dumps({"
         "'marker': glance.MARKER, 'file': glance.__file__, 'version': m.version('glance'),"
         "'plugins': sorted(e.name for e in m.entry_points("
         "group='glance.image_import.plugins'))}))")


def probe(tree: Path, cwd: Path) -> dict[str, object]:
    """What a Python process started with the tree's environment imports and finds."""
    env = {**os.environ, **tree_path_env(tree, pythonpath="")}
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=cwd,
                          capture_output=True, text=True, check=True, timeout=120)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_the_tree_goes_first_on_the_path_before_what_was_there(tmp_path: Path) -> None:
    env = tree_path_env(tmp_path / "tree", pythonpath=os.pathsep.join(["/x", "", "/y"]))
    assert env["PYTHONPATH"].split(os.pathsep) == [
        str((tmp_path / "tree").resolve()), "/x", "/y"]
    assert tree_path_env(tmp_path, pythonpath="") == {"PYTHONPATH": str(tmp_path.resolve())}


def test_metadata_is_written_once_and_again_when_setup_cfg_changes(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "a", "A")
    with Runner(tmp_path / "logs", run_id="meta") as runner:
        assert ensure_tree_metadata(runner, sys.executable, tree, "33.0.0") is True
        assert (tree / EGG_INFO / "entry_points.txt").is_file()
        assert ensure_tree_metadata(runner, sys.executable, tree, "33.0.0") is False
        assert probe(tree, tmp_path)["plugins"] == ["image_conversion"]
        # a new entry point in setup.cfg: the metadata is made again and shows it
        (tree / "setup.cfg").write_text(
            SETUP_CFG.format(version="33.0.0", plugin="inject_image_metadata"),
            encoding="utf-8")
        assert ensure_tree_metadata(runner, sys.executable, tree, "33.0.0") is True
        assert probe(tree, tmp_path)["plugins"] == ["inject_image_metadata"]
        # another version asked for: made again too
        assert ensure_tree_metadata(runner, sys.executable, tree, "33.0.1") is True


def test_two_trees_each_serve_only_their_own_processes(tmp_path: Path) -> None:
    a = make_tree(tmp_path / "a", "A", version="33.0.0", plugin="from_a")
    b = make_tree(tmp_path / "b", "B", version="34.0.0", plugin="from_b")
    with Runner(tmp_path / "logs", run_id="two") as runner:
        ensure_tree_metadata(runner, sys.executable, a, "33.0.0")
        ensure_tree_metadata(runner, sys.executable, b, "34.0.0")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    seen_a, seen_b = probe(a, elsewhere), probe(b, elsewhere)
    assert (seen_a["marker"], seen_a["version"], seen_a["plugins"]) == ("A", "33.0.0",
                                                                       ["from_a"])
    assert (seen_b["marker"], seen_b["version"], seen_b["plugins"]) == ("B", "34.0.0",
                                                                       ["from_b"])
    assert Path(str(seen_b["file"])).is_relative_to(b)
