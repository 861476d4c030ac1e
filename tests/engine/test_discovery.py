"""A suite that does not import is a FAILURE with its import errors, never "0 tests".

The log parser on the exact text stestr printed under Windows CPython (Wine) for
Glance 33.0.0, and the whole path through the real run script and real stestr on a
tiny project whose test module cannot be imported: verdict FAILURE, the traceback in
summary.json's error, the HTML and the stream, no isolated retry of the placeholders.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.engine.test_lane_inputs import options, stand_in_run, verdict_of
from tests.engine.test_stestr_pass import PASSING, needs_stestr, project
from winci.cli import main
from winci.lanes import discovery
from winci.results import parse_stream
from winci.runs import Run

# Cut from stestr's log of `winci run unit --platform wine` on Glance 33.0.0, queue applied.
WINE_LOG = r"""$ /usr/lib/wine/wine64 C:\venv\Scripts\stestr.exe --test-path ./glance/tests/unit run
Z:\venv\Lib\site-packages\futurist\_utils.py:34: EventletDeprecationWarning:
Eventlet is deprecated.

  import eventlet as _eventlet  # noqa

=========================
Failures during discovery
=========================
--- import errors ---
Failed to import test module: glance.tests.unit.async_.test_utils
Traceback (most recent call last):
  File "unittest\loader.py", line 396, in _find_test_path
  File "Z:\work\glance\tests\unit\base.py", line 20, in <module>
    from glance_store._drivers import cinder
  File "Z:\venv\Lib\site-packages\os_brick\initiator\utils.py", line 26, in check_manual_scan
    putils.execute('grep', '-F', 'node.session.scan', '/sbin/iscsiadm')
  File "subprocess.py", line 1540, in _execute_child
FileNotFoundError: [WinError 2] File not found

Failed to import test module: glance.tests.unit.test_misc
Traceback (most recent call last):
  File "Z:\work\glance\tests\unit\test_misc.py", line 3, in <module>
    import fcntl
ModuleNotFoundError: No module named 'fcntl'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "Z:\work\glance\tests\unit\test_misc.py", line 5, in <module>
    raise ImportError("no fcntl on Windows")
ImportError: no fcntl on Windows

================================================================================
The above traceback was encountered during test discovery which imports all the found test
modules in the specified test_path.
"""


def test_the_import_errors_of_a_wine_log_one_per_module() -> None:
    found = discovery.import_errors(WINE_LOG)
    assert [f.module for f in found] == ["glance.tests.unit.async_.test_utils",
                                         "glance.tests.unit.test_misc"]
    assert found[0].exception == "FileNotFoundError: [WinError 2] File not found"
    assert found[0].traceback.startswith("Traceback (most recent call last):")
    assert "check_manual_scan" in found[0].traceback
    # a chained traceback is kept whole, and its last exception is the one named
    assert "No module named 'fcntl'" in found[1].traceback
    assert found[1].exception == "ImportError: no fcntl on Windows"
    assert "====" not in found[1].traceback
    assert found[0].test_id == "unittest.loader._FailedTest.glance.tests.unit.async_.test_utils"
    assert discovery.describe(found) == (
        "test discovery failed: 2 test modules did not import; first "
        "(glance.tests.unit.async_.test_utils): FileNotFoundError: [WinError 2] File not found")


def test_a_bare_traceback_is_the_discovery_itself() -> None:
    log = ("Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\n"
           "RuntimeError: the loader broke\nNon-zero exit code (1) from test listing.\n")
    [only] = discovery.import_errors(log)
    assert only.module == "" and only.exception == "RuntimeError: the loader broke"
    assert only.test_id == "unittest.loader._FailedTest.discovery"
    assert discovery.describe([only]).startswith("test discovery failed: the suite did not")


def test_a_log_without_import_errors_gives_none() -> None:
    assert discovery.import_errors("error: testr failed (3)\nsomething else\n") == []


def test_the_stream_holds_the_failures_with_their_tracebacks(tmp_path: Path) -> None:
    found = discovery.import_errors(WINE_LOG)
    cases = discovery.write_stream(found, tmp_path / "results.subunit")
    assert [(c.test_id, c.status) for c in cases] == [(f.test_id, "fail") for f in found]
    assert "FileNotFoundError: [WinError 2]" in cases[0].details
    assert parse_stream(tmp_path / "results.subunit") == cases


BROKEN_IMPORT = """\
    import unittest

    import winci_no_such_module_here

    class T(unittest.TestCase):
        def test_never_runs(self):
            pass
"""


@needs_stestr
def test_a_suite_that_does_not_import_fails_with_its_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    tree = project(tmp_path / "unit", BROKEN_IMPORT)
    (tree / "proj" / "tests" / "test_fine.py").write_text(
        PASSING.replace("\n    ", "\n").lstrip())
    stand_in_run(monkeypatch, tmp_path, {"unit": tree})
    out = tmp_path / "run"
    result = Run(options(out, "unit")).execute()
    text = capsys.readouterr().out
    assert result.exit_code == 1
    assert "re-running" not in text  # placeholders are not retried
    lane = verdict_of(out)["lanes"]["unit"]
    assert lane["verdict"] == "FAILURE" and lane["failed"] == 1
    assert lane["error"] == ("test discovery failed: 1 test module did not import; first "
                             "(proj.tests.test_things): ModuleNotFoundError: No module "
                             "named 'winci_no_such_module_here'")
    summary = json.loads((out / "unit" / "summary.json").read_text())
    assert summary["verdict"] == "FAILURE" and summary["error"] == lane["error"]
    html = (out / "unit" / "testr_results.html").read_text()
    assert "unittest.loader._FailedTest.proj.tests.test_things" in html
    assert "Traceback (most recent call last):" in html
    assert "No module named &#x27;winci_no_such_module_here&#x27;" in html
    # the stream holds the failure: regenerating the reports gives it again
    assert main(["report", str(out)]) == 0
    again = json.loads((out / "unit" / "summary.json").read_text())
    assert again["failed"] == 1
