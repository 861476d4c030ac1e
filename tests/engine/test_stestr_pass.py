"""stestr_pass with the real stestr on a tiny project: the stream is the run's own."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from winci.lanes.base import LaneContext, stestr_pass
from winci.procs import Runner
from winci.ui import Progress

STESTR = Path(sys.executable).with_name("stestr")


def _project(root: Path, body: str) -> Path:
    pkg = root / "proj" / "tests"
    pkg.mkdir(parents=True, exist_ok=True)
    (root / "proj" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "test_things.py").write_text(textwrap.dedent(body))
    (root / ".stestr.conf").write_text("[DEFAULT]\ntest_path=./proj/tests\ntop_dir=./\n")
    return root


def _pass(tmp: Path, tree: Path, lane: str,
          concurrency: int = 1) -> tuple[int, list[tuple[str, str]], Path]:
    out = tmp / lane
    ctx = LaneContext(name="unit", out_dir=out, runner=Runner(out / "logs"),
                      progress=Progress(), glance_tree=tree, concurrency=concurrency)
    stream = out / "results.subunit"
    done = stestr_pass(ctx, stestr=STESTR, cwd=tree, stream=stream, ids=None,
                       run_args=["run"], env={}, label="stestr-unit", test_filter=None)
    return done.returncode, sorted((c.test_id.rsplit(".", 1)[1], c.status)
                                   for c in done.cases), stream


GOOD = """\
    import unittest

    class T(unittest.TestCase):
        def test_ok(self):
            pass

        def test_bad(self):
            self.fail("planted")

        @unittest.skip("because")
        def test_skip(self):
            pass
"""


@pytest.mark.skipif(not STESTR.exists(), reason="stestr not in this venv")
def test_stream_is_the_runs_own_and_matches_stestr_last(tmp_path: Path) -> None:
    tree = _project(tmp_path / "tree", GOOD)
    code, cases, stream = _pass(tmp_path, tree, "first")
    assert code != 0
    assert cases == [("test_bad", "fail"), ("test_ok", "success"), ("test_skip", "skip")]
    last = subprocess.run([STESTR, "last", "--subunit"], cwd=tree, capture_output=True,
                          check=False).stdout
    assert stream.read_bytes() == last
    # read in this process, not by a second `stestr last`
    assert not (tmp_path / "first" / "logs" / "stestr-unit-last.log").exists()


@pytest.mark.skipif(not STESTR.exists(), reason="stestr not in this venv")
@pytest.mark.parametrize("workers", [1, 2])
def test_no_stale_stream_when_the_tests_do_not_import(tmp_path: Path, workers: int) -> None:
    tree = _project(tmp_path / "tree", GOOD)
    _pass(tmp_path, tree, "first")
    # The test package no longer imports. With one worker stestr stores a run holding
    # the import failure; with two it fails while listing and stores no run at all.
    (tree / "proj" / "tests" / "__init__.py").write_text("import no_such_module\n")
    next_before = (tree / ".stestr" / "next-stream").read_text()
    code, cases, stream = _pass(tmp_path, tree, "second", concurrency=workers)
    assert code != 0
    assert ("test_ok", "success") not in cases, "the previous run's results came back"
    if (tree / ".stestr" / "next-stream").read_text() == next_before:
        assert cases == [] and not stream.exists()
    else:
        assert cases and all(status == "fail" for _, status in cases)
