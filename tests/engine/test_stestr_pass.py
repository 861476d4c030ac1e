"""stestr_pass with the real stestr on a tiny project: the stream is the run's own, and
an interrupted run keeps the tests that finished."""

from __future__ import annotations

import _thread
import json
import os
import secrets
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.engine.test_lanes_integration import processes_of
from winci.lanes import stestr_repo
from winci.lanes.base import LaneContext, LaneInterrupted, Pass, run_lane, stestr_pass
from winci.procs import Runner
from winci.procs.signals import stop_requests_interrupt
from winci.results import parse_stream
from winci.runfolder import Verdict
from winci.ui import Progress

STESTR = Path(sys.executable).with_name("stestr")
needs_stestr = pytest.mark.skipif(not STESTR.exists(), reason="stestr not in this venv")


def project(root: Path, body: str) -> Path:
    """A tiny stestr project at ``root``: ``proj/tests/test_things.py`` holds ``body``."""
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


PASSING = """\
    import unittest

    class T(unittest.TestCase):
        def test_ok(self):
            pass

        def test_also_ok(self):
            pass
"""

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


@needs_stestr
def test_stream_is_the_runs_own_and_matches_stestr_last(tmp_path: Path) -> None:
    tree = project(tmp_path / "tree", GOOD)
    code, cases, stream = _pass(tmp_path, tree, "first")
    assert code != 0
    assert cases == [("test_bad", "fail"), ("test_ok", "success"), ("test_skip", "skip")]
    last = subprocess.run([STESTR, "last", "--subunit"], cwd=tree, capture_output=True,
                          check=False).stdout
    assert stream.read_bytes() == last
    # read in this process, not by a second `stestr last`
    assert not (tmp_path / "first" / "logs" / "stestr-unit-last.log").exists()


@needs_stestr
@pytest.mark.parametrize("workers", [1, 2])
def test_no_stale_stream_when_the_tests_do_not_import(tmp_path: Path, workers: int) -> None:
    tree = project(tmp_path / "tree", GOOD)
    _pass(tmp_path, tree, "first")
    # The test package no longer imports. With one worker stestr stores a run holding
    # the import failure; with two it fails while listing and stores no run at all.
    (tree / "proj" / "tests" / "__init__.py").write_text("import no_such_module\n")
    next_before = (tree / ".stestr" / "next-stream").read_text()
    code, cases, _stream = _pass(tmp_path, tree, "second", concurrency=workers)
    assert code != 0
    assert ("test_ok", "success") not in cases, "the previous run's results came back"
    # Either way the import failure is a failed case, never the earlier run's stream:
    # stored by stestr, or (no run stored) read from its log by winci.lanes.discovery.
    assert cases and all(status == "fail" for _, status in cases)
    if (tree / ".stestr" / "next-stream").read_text() == next_before:
        assert [name for name, _ in cases] == ["tests"]  # _FailedTest.proj.tests


# 1000 tests of 20 ms on two workers: ~10 s, interrupted well before the end
SLOW = """\
    import time
    import unittest

    class T(unittest.TestCase):
        pass

    for i in range(1000):
        def test(self, i=i):
            time.sleep(0.02)
            if i == 3:
                self.fail("planted")
        setattr(T, "test_%04d" % i, test)
"""


def lane_body(tree: Path) -> Callable[[LaneContext, Path, list[str] | None], Pass]:
    """A lane body running the real stestr on ``tree`` (the run's --filter, if any)."""
    def body(ctx: LaneContext, stream: Path, ids: list[str] | None) -> Pass:
        return stestr_pass(ctx, stestr=STESTR, cwd=tree, stream=stream, ids=ids,
                           run_args=["run"], env={}, label=f"stestr-{ctx.name}",
                           test_filter=ctx.filter)
    return body


@contextmanager
def interrupt_when(log: Path, finished: int, how: str) -> Iterator[None]:
    """Once ``log`` shows ``finished`` tests done: Ctrl-C (SIGINT through Python's own
    handler) or SIGTERM to this process (stop_requests_interrupt makes it a
    KeyboardInterrupt, as in a run)."""
    def watch() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if log.read_text(errors="replace").count("... ok") >= finished:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        if how == "SIGINT":
            _thread.interrupt_main()
        else:
            os.kill(os.getpid(), signal.SIGTERM)

    # a background job of a shell starts with SIGINT ignored: Python's handler, here
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with stop_requests_interrupt():
            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            yield
            watcher.join(timeout=5)
    finally:
        signal.signal(signal.SIGINT, previous)


@needs_stestr
@pytest.mark.skipif(sys.platform == "win32", reason="sends POSIX signals")
@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_an_interrupted_lane_keeps_the_tests_that_finished(tmp_path: Path, how: str) -> None:
    tree = project(tmp_path / "tree", SLOW)
    out = tmp_path / "unit"
    run_id = f"test-interrupt-{secrets.token_hex(3)}"
    ctx = LaneContext(name="unit", out_dir=out, runner=Runner(out / "logs", run_id=run_id),
                      progress=Progress(), glance_tree=tree, concurrency=2)
    with interrupt_when(out / "logs" / "stestr-unit.log", 20, how), \
            pytest.raises(LaneInterrupted) as stopped:
        run_lane(ctx, lane_body(tree))
    assert processes_of(run_id) == [], "the runner ended stestr's tree"
    outcome = stopped.value.outcome
    assert outcome is not None and outcome.verdict is Verdict.INTERRUPTED
    expected = "SIGINT" if how == "SIGINT" else "SIGTERM"
    assert expected in (outcome.error or "")
    # the partial stream: every test in it finished, and the reports say what it holds
    cases = parse_stream(out / "results.subunit")
    assert 20 <= len(cases) < 1000
    assert all(c.finished for c in cases)
    assert ("proj.tests.test_things.T.test_0003", "fail") in {(c.test_id, c.status)
                                                              for c in cases}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["verdict"] == "INTERRUPTED"
    assert summary["total"] == len(cases) and summary["passed"] == len(cases) - 1
    assert summary["failed"] == 1 and outcome.summary is not None
    assert outcome.summary.passed == summary["passed"]
    assert (out / "junit.xml").stat().st_size > 0
    assert (out / "testr_results.html").stat().st_size > 0
    assert not (out / "retry.subunit").exists(), "no flaky retry after an interrupt"
    # stestr's temporary stream was read and removed, not left in its repository
    assert stestr_repo.temp_streams(tree / ".stestr") == set()


def test_a_record_the_interrupt_cut_off_is_left_out(tmp_path: Path) -> None:
    """stestr's v1 writer flushes after "test: X" and after X's outcome: a signal
    between the two leaves X without an outcome; a cut line is no line at all."""
    v1 = (b"time: 2026-12-02 06:42:05.000000Z\n"
          b"test: proj.T.test_a\n"
          b"time: 2026-12-02 06:42:05.100000Z\n"
          b"successful: proj.T.test_a [ multipart\n]\n"
          b"some output of a worker\n"
          b"test: proj.T.test_b\n"
          b"failure: proj.T.test_b [ multipart\n"
          b"Content-Type: text/x-traceback;charset=utf8\n")
    stream = tmp_path / "partial.subunit"
    stestr_repo.v1_to_v2(v1, stream)
    assert [(c.test_id, c.status) for c in parse_stream(stream)] == [("proj.T.test_a",
                                                                      "success")]
    stestr_repo.v1_to_v2(v1[:v1.index(b"some output")] + b"successful: proj.T.te", stream)
    assert [c.test_id for c in parse_stream(stream)] == ["proj.T.test_a"]
    complete = v1[:v1.index(b"test: proj.T.test_b")] + b"test: proj.T.test_b\n" \
        b"successful: proj.T.test_b\n"
    stestr_repo.v1_to_v2(complete, stream)
    assert [c.test_id for c in parse_stream(stream)] == ["proj.T.test_a", "proj.T.test_b"]


def test_a_partial_stream_stestr_stored_itself_is_read_from_its_run(tmp_path: Path) -> None:
    """Sent Ctrl-C too (a terminal's whole process group), stestr may finish storing
    the run: then that run is the partial stream, not an older one."""
    tree = project(tmp_path / "tree", GOOD)
    _pass(tmp_path, tree, "first")
    repo = tree / ".stestr"
    before = stestr_repo.next_stream(repo)
    stream = tmp_path / "partial.subunit"
    assert not stestr_repo.save_partial_stream(repo, stream, before=before,
                                               temps_before=set())
    assert not stream.exists(), "an older run is not this run's partial stream"
    _pass(tmp_path, tree, "second")
    assert stestr_repo.save_partial_stream(repo, stream, before=before, temps_before=set())
    assert {c.status for c in parse_stream(stream)} == {"success", "fail", "skip"}
