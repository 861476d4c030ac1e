"""Two runs at once on one cache, of two different Glance trees: each tests its own.

Tree A (tempest lane: the whole stack) and tree B (unit lane) are copies of the cached
Glance 33.0.0 source that differ by a marker: ``glance/winci_marker.py`` says which
tree it is, A's ``glance/__init__.py`` announces itself on stderr (so every Glance
process of A's stack logs it), and B has a unit test of its own that asserts its
marker and that Glance's metadata is the one beside it. B starts once A has its
Glance environment, so B's environment work happens while A's stack comes up and
serves: a run that put its tree into a shared environment would hand A's services B's
code (or none, once B's private tree is gone).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from winci.host.paths import cache_dir
from winci.procs import Runner
from winci.worktree.mirror import mirror_tree
from winci.worktree.sources import DEFAULT_GLANCE_VERSION, fetch_pypi_release

pytestmark = pytest.mark.integration

TEMPEST_FILTER = (r"^tempest\.api\.image\.v2\.(test_versions|"
                  r"test_images\.BasicOperationsImagesTest)")
# the marker test, and tests that load Glance's import plugins by entry point
UNIT_FILTER = r"^glance\.tests\.unit\.(test_winci_marker|async_\.test_async)\."

MARKER_MODULE = "glance/winci_marker.py"
MARKER_TEST = "glance/tests/unit/test_winci_marker.py"
ANNOUNCE = "winci-concurrency-marker: tree {tree} imported from "
ANNOUNCE_CODE = ('\nimport sys as _winci_sys\n'
                 '_winci_sys.stderr.write("winci-concurrency-marker: tree {tree} "\n'
                 '                        "imported from " + __file__ + "\\n")\n')
MARKER_TEST_CODE = '''"""Only in tree {tree}: its own marker, and Glance's metadata beside it."""

import importlib.metadata
import os
import unittest

from glance import winci_marker


class TestWinciMarker(unittest.TestCase):
    def test_the_tree_under_test_is_{lower}(self):
        self.assertEqual("{tree}", winci_marker.TREE)

    def test_the_metadata_is_the_trees_own(self):
        dist = importlib.metadata.distribution("glance")
        self.assertTrue(os.path.samefile(dist.locate_file("{module}"),
                                         winci_marker.__file__))
        self.assertEqual("{version}", dist.version)
        plugins = importlib.metadata.entry_points(group="glance.image_import.plugins")
        self.assertIn("image_conversion", [e.name for e in plugins])
'''


def _write_if_changed(path: Path, text: str) -> None:
    """Unchanged content keeps its mtime (so the work tree keeps its copy)."""
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def make_tree(tree: str, with_test: bool, with_announce: bool) -> Path:
    """A copy of the cached Glance release, marked as ``tree``, at a stable path in the
    test cache (so its work tree is reused from session to session)."""
    with Runner(cache_dir() / "test-trees" / "logs", run_id="test-trees") as runner:
        release = fetch_pypi_release(DEFAULT_GLANCE_VERSION, runner)
    dest = cache_dir() / "test-trees" / f"concurrent-{tree.lower()}"
    files = {MARKER_MODULE: f'TREE = "{tree}"\n'}
    if with_test:
        files[MARKER_TEST] = MARKER_TEST_CODE.format(
            tree=tree, lower=tree.lower(), module=MARKER_MODULE, version=DEFAULT_GLANCE_VERSION)
    if with_announce:
        init = (release / "glance" / "__init__.py").read_text(encoding="utf-8")
        files["glance/__init__.py"] = init + ANNOUNCE_CODE.format(tree=tree)
    mirror_tree(release, dest, keep=list(files))
    for rel, text in files.items():
        _write_if_changed(dest / rel, text)
    return dest


def _winci_run(out: Path, log: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "winci", "run", "--out", str(out), *args],
                            stdout=log.open("w", encoding="utf-8"),
                            stderr=subprocess.STDOUT, text=True)


def _wait_for(log: Path, text: str, proc: subprocess.Popen[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text(encoding="utf-8", errors="replace"):
            return
        if proc.poll() is not None:
            pytest.fail(f"the run ended (exit {proc.returncode}) before {text!r}:\n"
                        + log.read_text(encoding="utf-8", errors="replace")[-3000:])
        time.sleep(1)
    proc.kill()
    pytest.fail(f"no {text!r} within {timeout}s")


def test_two_runs_of_two_trees_at_once_each_test_their_own(tmp_path: Path) -> None:
    tree_a = make_tree("A", with_test=False, with_announce=True)
    tree_b = make_tree("B", with_test=True, with_announce=False)
    out_a, out_b = tmp_path / "run-a", tmp_path / "run-b"
    log_a, log_b = tmp_path / "a.out", tmp_path / "b.out"

    run_a = _winci_run(out_a, log_a, "tempest", "--glance-src", str(tree_a),
                       "--filter", TEMPEST_FILTER)
    try:
        _wait_for(log_a, "glance environment: done", run_a, timeout=1800)
        run_b = _winci_run(out_b, log_b, "unit", "--glance-src", str(tree_b),
                           "--filter", UNIT_FILTER)
        try:
            code_b = run_b.wait(timeout=1800)
        finally:
            if run_b.poll() is None:
                run_b.kill()
        code_a = run_a.wait(timeout=1800)
    finally:
        if run_a.poll() is None:
            run_a.kill()
    text_a = log_a.read_text(encoding="utf-8", errors="replace")
    text_b = log_b.read_text(encoding="utf-8", errors="replace")
    assert code_b == 0, text_b[-3000:]
    assert code_a == 0, text_a[-3000:]

    # B: its own marker test ran and passed (A has no such test), beside entry-point tests
    verdict_b = json.loads((out_b / "verdict.json").read_text(encoding="utf-8"))
    assert verdict_b["verdict"] == "SUCCESS"
    junit_b = (out_b / "unit" / "junit.xml").read_text(encoding="utf-8")
    assert "test_the_tree_under_test_is_b" in junit_b
    assert "test_the_metadata_is_the_trees_own" in junit_b
    assert "test_get_flow_with_all_plugins_enabled" in junit_b
    summary_b = json.loads((out_b / "unit" / "summary.json").read_text(encoding="utf-8"))
    assert summary_b["failed"] == 0 and summary_b["passed"] >= 3
    manifest_b = json.loads((out_b / "manifest.json").read_text(encoding="utf-8"))
    assert manifest_b["glance"]["path"] == str(tree_b)

    # A: the whole stack served A's code, never B's
    verdict_a = json.loads((out_a / "verdict.json").read_text(encoding="utf-8"))
    assert verdict_a["verdict"] == "SUCCESS"
    assert verdict_a["lanes"]["tempest"]["passed"] >= 3
    manifest_a = json.loads((out_a / "manifest.json").read_text(encoding="utf-8"))
    assert manifest_a["glance"]["path"] == str(tree_a)
    for service_log in ("glance-api.log", "glance-db-sync.log", "glance-load-metadefs.log"):
        text = (out_a / "logs" / service_log).read_text(encoding="utf-8", errors="replace")
        assert ANNOUNCE.format(tree="A") in text, service_log
        assert ANNOUNCE.format(tree="B") not in text, service_log
    # ... from A's work tree: where glance-manage ran, never the caller's tree nor B's
    api_log = (out_a / "logs" / "glance-api.log").read_text(encoding="utf-8", errors="replace")
    imported_from = Path(api_log.split(ANNOUNCE.format(tree="A"), 1)[1].split("\n", 1)[0])
    sync_log = (out_a / "logs" / "glance-db-sync.log").read_text(encoding="utf-8")
    work_tree = Path(sync_log.split("# cwd: ", 1)[1].split("\n", 1)[0])
    assert imported_from.resolve() == (work_tree / "glance" / "__init__.py").resolve()
    assert not imported_from.is_relative_to(tree_a) and not imported_from.is_relative_to(tree_b)
