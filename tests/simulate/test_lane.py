"""lane_env, collect and attribute_failures, and a real stestr run under the simulation."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from winci.errors import UsageError
from winci.simulate import (
    BEHAVIOURS,
    NOT_EMULATED,
    attribute_failures,
    collect,
    hook,
    install_hook,
    lane_env,
)
from winci.simulate.hook import startup


def write_trips(folder: Path, pid: int, trips: list[dict[str, object]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"pid": pid, **t}) for t in trips]
    (folder / f"trips-{pid}.jsonl").write_text("\n".join(lines) + "\n{\"cut short")


def test_lane_env_installs_the_hook_and_names_its_settings(tmp_path: Path) -> None:
    env = lane_env(tmp_path / "rec", disabled={"rename", "open-files"},
                   scope=[tmp_path / "src"], pythonpath="/already/there")
    hook = tmp_path / "rec" / "hook"
    assert env["PYTHONPATH"] == f"{hook.resolve()}{os.pathsep}/already/there"
    assert (hook / "sitecustomize.py").is_file()
    assert (hook / "_winci_posix_api.py").is_file()
    assert env["WINCI_SIMULATE"] == "1"
    assert env["WINCI_SIMULATE_DISABLE"] == "open-files,rename"
    assert env["WINCI_SIMULATE_RECORD_DIR"] == str((tmp_path / "rec").resolve())
    assert env["WINCI_SIMULATE_SCOPE"] == str((tmp_path / "src").resolve())


def test_the_hook_package_is_copied_beside_its_start_up_file(tmp_path: Path) -> None:
    install_hook(tmp_path)
    copied = sorted(p.name for p in (tmp_path / startup.PACKAGE).glob("*.py"))
    shipped = sorted(p.name for p in Path(hook.__file__).parent.glob("*.py"))
    assert copied == [n for n in shipped if n != "startup.py"]
    assert (tmp_path / "sitecustomize.py").read_text() == Path(startup.__file__).read_text()


def test_the_hook_package_imports_only_the_standard_library() -> None:
    """Even imports inside functions: the hook runs in the tested project's venv."""
    for path in sorted(Path(hook.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.partition(".")[0] in sys.stdlib_module_names | {"__future__"}, (
                    f"{path.name} imports {name}")


def test_lane_env_rejects_unknown_behaviours(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="renam"):
        lane_env(tmp_path, disabled={"renam"})


def test_the_hook_file_runs_without_winci(tmp_path: Path) -> None:
    """The copied hook imports only the standard library and its data file."""
    env = lane_env(tmp_path / "rec", scope=[tmp_path])
    script = tmp_path / "prog.py"
    script.write_text("import os, sys\nprint('winci' in sys.modules, hasattr(os, 'fork'))\n")
    clean = {"PATH": os.environ.get("PATH", ""), **env}
    proc = subprocess.run([sys.executable, str(script)], env=clean, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "False"]


def test_collect_groups_trips_by_behaviour(tmp_path: Path) -> None:
    write_trips(tmp_path, 11, [
        {"behaviour": "rename", "detail": "rename onto existing /x", "site": "a.py:3 in f",
         "test_id": "t.A.test_1"},
        {"behaviour": "rename", "detail": "rename onto existing /y", "site": "a.py:3 in f",
         "test_id": "t.A.test_2"},
        {"behaviour": "modules", "detail": "import fcntl", "site": "c.py:1 in <module>",
         "test_id": None, "importing": ["glance.cmd.control", "glance.tests.unit.test_c"]},
    ])
    write_trips(tmp_path, 12, [
        {"behaviour": "rename", "detail": "rename onto existing /x", "site": "a.py:3 in f",
         "test_id": "t.A.test_1"},
    ])
    summary = collect(tmp_path)
    assert summary["total"] == 4
    rename = summary["behaviours"]["rename"]
    assert rename["trips"] == 3
    assert rename["tests"] == ["t.A.test_1", "t.A.test_2"]
    assert rename["sites"] == {"a.py:3 in f": 3}
    assert summary["behaviours"]["modules"]["modules"] == [
        "glance.cmd.control", "glance.tests.unit.test_c"]
    assert list(summary["behaviours"]) == ["modules", "rename"]


def test_attribute_failures(tmp_path: Path) -> None:
    write_trips(tmp_path, 5, [
        {"behaviour": "rename", "detail": "d", "site": "s", "test_id": "t.A.test_1"},
        {"behaviour": "open-files", "detail": "d", "site": "s", "test_id": "t.A.test_1"},
        {"behaviour": "signals", "detail": "d", "site": "s", "test_id": "t.B.test_3"},
        {"behaviour": "modules", "detail": "d", "site": "s", "test_id": None,
         "importing": ["glance.tests.unit.test_c"]},
    ])
    grouped = attribute_failures(collect(tmp_path), [
        "t.A.test_1", "t.B.test_3[id-1234,smoke]", "t.C.test_9",
        "unittest.loader._FailedTest.glance.tests.unit.test_c",
        "glance.tests.unit.test_c.TestC.test_never_loaded",
        "glance.tests.unit.test_cx.T.test_other_module",
    ])
    assert grouped == {
        "open-files": ["t.A.test_1"],
        "rename": ["t.A.test_1"],
        "signals": ["t.B.test_3[id-1234,smoke]"],
        "modules": ["glance.tests.unit.test_c.TestC.test_never_loaded",
                    "unittest.loader._FailedTest.glance.tests.unit.test_c"],
        "unattributed": ["glance.tests.unit.test_cx.T.test_other_module", "t.C.test_9"],
    }


def test_not_emulated_names_the_limits() -> None:
    text = " ".join(NOT_EMULATED)
    for word in ("os.name", "separator", "drive letters", "filesystem", "process model"):
        assert word in text
    assert len(BEHAVIOURS) == 8


def test_stestr_runs_under_the_simulation(tmp_path: Path) -> None:
    """stestr (which itself passes preexec_fn) keeps working; the tests under it do not."""
    stestr = shutil.which("stestr", path=str(Path(sys.executable).parent))
    if stestr is None:
        pytest.skip("stestr is not installed next to this Python")
    proj = tmp_path / "proj"
    (proj / "demo").mkdir(parents=True)
    (proj / "demo" / "__init__.py").write_text("")
    (proj / "demo" / "test_demo.py").write_text(textwrap.dedent("""
        import os, signal, tempfile, unittest

        class T(unittest.TestCase):
            def test_portable(self):
                self.assertTrue(os.getpid())

            def test_sighup(self):
                signal.signal(signal.SIGHUP, signal.SIG_DFL)

            def test_rename(self):
                d = tempfile.mkdtemp()
                a, b = os.path.join(d, "a"), os.path.join(d, "b")
                for p in (a, b):
                    open(p, "w").close()
                os.rename(a, b)
    """))
    (proj / ".stestr.conf").write_text("[DEFAULT]\ntest_path=./demo\ntop_dir=./\n")
    record = tmp_path / "record"
    env = dict(os.environ)
    env.update(lane_env(record, scope=[proj], pythonpath=""))
    proc = subprocess.run([stestr, "run", "--concurrency", "2"], env=env,
                          cwd=proj, capture_output=True, timeout=120)
    assert proc.returncode == 1, proc.stderr.decode()
    failing = subprocess.run([stestr, "failing", "--list"], env=env, cwd=proj,
                             capture_output=True, text=True, timeout=60)
    failed = sorted(line for line in failing.stdout.split() if line.startswith("demo."))
    assert failed == ["demo.test_demo.T.test_rename", "demo.test_demo.T.test_sighup"]
    grouped = attribute_failures(collect(record), failed)
    assert grouped == {"rename": ["demo.test_demo.T.test_rename"],
                       "signals": ["demo.test_demo.T.test_sighup"]}
