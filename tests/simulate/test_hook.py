"""The simulation hook, run for real: a child Python with the hook on PYTHONPATH.

Each test writes a small program into a scope folder, runs it with the environment from
``winci.simulate.lane_env`` and checks what the program saw and what the hook recorded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from winci.simulate import BEHAVIOURS, collect, lane_env, read_trips


def run_child(tmp_path: Path, code: str, disabled: tuple[str, ...] = (),
              argv: tuple[str, ...] = (), files: dict[str, str] | None = None,
              script_dir: str = "proj") -> tuple[dict[str, object], list[dict[str, object]]]:
    """Run ``code`` (which fills a dict ``out``) under the simulation; return out, trips."""
    proj = tmp_path / "proj"
    proj.mkdir(parents=True, exist_ok=True)
    for name, text in (files or {}).items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
    script = tmp_path / script_dir / "prog.py"
    script.parent.mkdir(parents=True, exist_ok=True)
    body = textwrap.dedent(code)
    script.write_text(
        "import json, sys\nout = {}\n"
        "def attempt(name, fn):\n"
        "    try:\n"
        "        out[name] = ['ok', repr(fn())]\n"
        "    except BaseException as exc:\n"
        "        out[name] = [type(exc).__name__, str(exc)]\n"
        f"{body}\n"
        "print('RESULT=' + json.dumps(out))\n"
    )
    record = tmp_path / "record"
    env = dict(os.environ)
    env.update(lane_env(record, disabled=disabled, scope=[proj], pythonpath=str(tmp_path)))
    proc = subprocess.run([sys.executable, str(script), *argv], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT="))
    return json.loads(line[len("RESULT="):]), read_trips(record)


def kinds(out: dict[str, object]) -> dict[str, object]:
    """Exception name (or 'ok') of each attempt; plain values as they are."""
    return {k: v[0] if isinstance(v, list) else v for k, v in out.items()}


def test_posix_os_functions_are_gone(tmp_path: Path) -> None:
    out, trips = run_child(tmp_path, """
        import os
        attempt("fork", lambda: os.fork)
        attempt("setsid", lambda: os.setsid)
        attempt("wnohang", lambda: os.WNOHANG)
        attempt("statvfs", lambda: os.statvfs)
        attempt("getpid", lambda: os.getpid() > 0)
        out["hasattr"] = hasattr(os, "getuid")
        out["getattr_default"] = getattr(os, "killpg", None) is None
        out["spawn_helper_kept"] = "fork" in os._spawnvef.__code__.co_names
    """)
    assert kinds(out) == {
        "fork": "AttributeError", "setsid": "AttributeError", "wnohang": "AttributeError",
        "statvfs": "AttributeError", "getpid": "ok", "hasattr": False,
        "getattr_default": True, "spawn_helper_kept": True,
    }
    assert out["fork"][1] == "module 'os' has no attribute 'fork'"  # type: ignore[index]
    assert {t["detail"] for t in trips} >= {"os.fork", "os.setsid", "os.WNOHANG"}
    assert all(t["behaviour"] == "os-functions" for t in trips)


def test_missing_signals(tmp_path: Path) -> None:
    out, trips = run_child(tmp_path, """
        import signal
        attempt("sighup", lambda: signal.SIGHUP)
        attempt("sigusr1", lambda: signal.SIGUSR1)
        attempt("alarm", lambda: signal.alarm)
        attempt("setitimer", lambda: signal.setitimer)
        attempt("sigterm", lambda: int(signal.SIGTERM))
        attempt("sigint", lambda: int(signal.SIGINT))
        from signal import SIGTERM
        attempt("from_import", lambda: __import__("signal").SIGCHLD)
    """)
    assert kinds(out) == {
        "sighup": "AttributeError", "sigusr1": "AttributeError", "alarm": "AttributeError",
        "setitimer": "AttributeError", "sigterm": "ok", "sigint": "ok",
        "from_import": "AttributeError",
    }
    assert {t["behaviour"] for t in trips} == {"signals"}


def test_from_import_of_posix_name_fails(tmp_path: Path) -> None:
    out, _ = run_child(tmp_path, """
        def imp():
            from os import fork
        attempt("from_os_import_fork", imp)
        def imp2():
            from os import path
        attempt("from_os_import_path", imp2)
    """)
    assert kinds(out) == {"from_os_import_fork": "ImportError", "from_os_import_path": "ok"}


def test_posix_modules_fail_to_import(tmp_path: Path) -> None:
    out, trips = run_child(tmp_path, """
        import importlib
        for name in ("fcntl", "pwd", "grp", "resource", "termios", "pty", "syslog"):
            attempt(name, lambda n=name: __import__(n))
        attempt("import_module", lambda: importlib.import_module("fcntl"))
        attempt("json", lambda: __import__("json").dumps(1))
        import tarfile   # the standard library imports pwd/grp itself: not affected
        out["stdlib_pwd"] = tarfile.pwd is not None
        try:
            import fcntl
        except ImportError:
            fcntl = None
        out["guarded"] = fcntl is None
    """)
    k = kinds(out)
    assert all(k[m] == "ModuleNotFoundError" for m in ("fcntl", "pwd", "grp", "resource",
                                                        "termios", "pty", "syslog"))
    assert k["import_module"] == "ModuleNotFoundError"
    assert k["json"] == "ok"
    assert out["stdlib_pwd"] is True
    assert out["guarded"] is True
    assert out["pwd"][1] == "No module named 'pwd'"  # type: ignore[index]
    assert {t["behaviour"] for t in trips} == {"modules"}


def test_rename_onto_existing_target(tmp_path: Path) -> None:
    out, trips = run_child(tmp_path, """
        import os, pathlib, shutil, tempfile
        d = tempfile.mkdtemp()
        a, b, c = (os.path.join(d, n) for n in "abc")
        for p in (a, b):
            open(p, "w").close()
        attempt("rename_existing", lambda: os.rename(a, b))
        attempt("path_rename_existing", lambda: pathlib.Path(a).rename(b))
        attempt("rename_new", lambda: os.rename(a, c))
        attempt("replace", lambda: os.replace(c, b))
        open(a, "w").close()
        attempt("shutil_move", lambda: shutil.move(a, b))  # falls back to copy, as on Windows
    """)
    assert kinds(out) == {"rename_existing": "FileExistsError",
                          "path_rename_existing": "FileExistsError", "rename_new": "ok",
                          "replace": "ok", "shutil_move": "ok"}
    assert [t["behaviour"] for t in trips].count("rename") == 3


def test_open_files_cannot_be_removed_or_renamed(tmp_path: Path) -> None:
    out, trips = run_child(tmp_path, """
        import os, shutil, tempfile
        d = tempfile.mkdtemp()
        p, q = os.path.join(d, "p"), os.path.join(d, "q")
        open(q, "w").close()
        f = open(p, "w")
        attempt("remove_open", lambda: os.remove(p))
        attempt("unlink_open", lambda: os.unlink(p))
        attempt("rename_open", lambda: os.rename(p, os.path.join(d, "r")))
        attempt("replace_onto_open", lambda: os.replace(q, p))
        f.close()
        attempt("remove_closed", lambda: os.remove(p))
        fd = os.open(q, os.O_RDONLY)
        attempt("remove_fd_open", lambda: os.remove(q))
        os.close(fd)
        attempt("remove_fd_closed", lambda: os.remove(q))
        tmp = tempfile.NamedTemporaryFile(dir=d, delete=False)
        attempt("remove_named_temp_open", lambda: os.remove(tmp.name))
        tmp.close()
        sub = os.path.join(d, "sub")
        os.mkdir(sub)
        g = open(os.path.join(sub, "held"), "w")
        attempt("rmtree_with_open_file", lambda: shutil.rmtree(sub))
        g.close()
        attempt("rmtree_after_close", lambda: shutil.rmtree(sub))
        h = open(q, "w")
        raw = h.detach()            # the buffer is gone, its raw file is not tracked
        attempt("remove_after_detach", lambda: os.remove(q))
        raw.close()
    """)
    assert kinds(out) == {
        "remove_open": "PermissionError", "unlink_open": "PermissionError",
        "rename_open": "PermissionError", "replace_onto_open": "PermissionError",
        "remove_closed": "ok", "remove_fd_open": "PermissionError", "remove_fd_closed": "ok",
        "remove_named_temp_open": "PermissionError", "rmtree_with_open_file": "PermissionError",
        "rmtree_after_close": "ok", "remove_after_detach": "ok",
    }
    assert "being used by another process" in out["remove_open"][1]  # type: ignore[index]
    assert {t["behaviour"] for t in trips} == {"open-files"}


def test_subprocess_rejects_posix_arguments(tmp_path: Path) -> None:
    out, trips = run_child(tmp_path, """
        import subprocess, sys
        exe = [sys.executable, "-c", "pass"]
        attempt("preexec_fn", lambda: subprocess.run(exe, preexec_fn=lambda: None))
        attempt("pass_fds", lambda: subprocess.run(exe, pass_fds=(0,)))
        attempt("start_new_session", lambda: subprocess.Popen(exe, start_new_session=True))
        attempt("plain", lambda: subprocess.run(exe).returncode)
        attempt("check_output", lambda: subprocess.check_output(exe) == b"")
    """)
    assert kinds(out) == {"preexec_fn": "ValueError", "pass_fds": "ValueError",
                          "start_new_session": "ValueError", "plain": "ok",
                          "check_output": "ok"}
    assert out["preexec_fn"][1] == "preexec_fn is not supported on Windows platforms"  # type: ignore[index]
    assert [t["detail"] for t in trips] == [
        "Popen(preexec_fn=...)", "Popen(pass_fds=...)", "Popen(start_new_session=...)"]


def test_connecting_to_any_address_fails(tmp_path: Path) -> None:
    out, trips = run_child(tmp_path, """
        import errno, socket
        server = socket.socket()
        server.bind(("0.0.0.0", 0))      # binding to 0.0.0.0 is fine on Windows too
        server.listen()
        port = server.getsockname()[1]
        def connect(host):
            with socket.socket() as s:
                s.connect((host, port))
        attempt("any", lambda: connect("0.0.0.0"))
        attempt("loopback", lambda: connect("127.0.0.1"))
        attempt("create_connection", lambda: socket.create_connection(("0.0.0.0", port)))
        with socket.socket() as s:
            out["connect_ex"] = s.connect_ex(("0.0.0.0", port)) == errno.EADDRNOTAVAIL
    """)
    assert kinds(out) == {"any": "OSError", "loopback": "ok", "create_connection": "OSError",
                          "connect_ex": True}
    assert "not valid in its context" in out["any"][1]  # type: ignore[index]
    assert {t["behaviour"] for t in trips} == {"connect-any"}


EXAMPLES = {
    "os-functions": "import os\nattempt('x', lambda: os.fork)",
    "signals": "import signal\nattempt('x', lambda: signal.SIGHUP)",
    "modules": "attempt('x', lambda: __import__('fcntl'))",
    "rename": ("import os, tempfile\nd = tempfile.mkdtemp()\n"
               "a, b = os.path.join(d, 'a'), os.path.join(d, 'b')\n"
               "open(a, 'w').close(); open(b, 'w').close()\n"
               "attempt('x', lambda: os.rename(a, b))"),
    "open-files": ("import os, tempfile\nd = tempfile.mkdtemp()\np = os.path.join(d, 'p')\n"
                   "f = open(p, 'w')\nattempt('x', lambda: os.remove(p))"),
    "subprocess": ("import subprocess, sys\n"
                   "attempt('x', lambda: subprocess.run([sys.executable, '-c', 'pass'],"
                   " preexec_fn=lambda: None))"),
    "programs": "import subprocess\nattempt('x', lambda: subprocess.run(['true']))",
    "connect-any": ("import socket\ns = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
                    "attempt('x', lambda: socket.create_connection(('0.0.0.0',"
                    " s.getsockname()[1])).close())"),
}


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_each_behaviour_switches_off_on_its_own(tmp_path: Path, behaviour: str) -> None:
    on, trips_on = run_child(tmp_path / "on", EXAMPLES[behaviour])
    off, trips_off = run_child(tmp_path / "off", EXAMPLES[behaviour], disabled=(behaviour,))
    assert kinds(on)["x"] != "ok"
    assert [t["behaviour"] for t in trips_on] == [behaviour]
    assert kinds(off)["x"] == "ok"
    assert trips_off == []


def test_code_outside_the_scope_is_not_held_to_windows_rules(tmp_path: Path) -> None:
    lib = """
        import os, signal
        def probe():
            import fcntl
            return os.fork is not None and signal.SIGHUP is not None and fcntl is not None
    """
    out, trips = run_child(tmp_path, """
        sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent.parent / "lib"))
        import lib_mod
        attempt("library", lib_mod.probe)
    """, files={"lib/lib_mod.py": lib})
    assert kinds(out) == {"library": "ok"}
    assert trips == []


def test_os_behaviours_apply_when_the_scope_is_anywhere_on_the_stack(tmp_path: Path) -> None:
    lib = """
        import os, subprocess, sys
        def move(a, b):
            os.rename(a, b)
        def execute():  # like oslo.concurrency 7's processutils.execute
            subprocess.run([sys.executable, "-c", "pass"], preexec_fn=lambda: None)
    """
    out, trips = run_child(tmp_path, """
        import os, tempfile
        sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent.parent / "lib"))
        import lib_mod
        d = tempfile.mkdtemp()
        a, b = os.path.join(d, "a"), os.path.join(d, "b")
        open(a, "w").close(); open(b, "w").close()
        attempt("via_library", lambda: lib_mod.move(a, b))
        attempt("execute", lib_mod.execute)
    """, files={"lib/lib_mod.py": lib})
    assert kinds(out) == {"via_library": "FileExistsError", "execute": "ValueError"}
    assert [t["behaviour"] for t in trips] == ["rename", "subprocess"]
    assert trips[0]["site"].endswith("in <lambda>")  # type: ignore[union-attr]
    assert trips[0]["caller"].endswith("lib_mod.py:4 in move")  # type: ignore[union-attr]
    assert trips[1]["caller"].endswith("lib_mod.py:6 in execute")  # type: ignore[union-attr]


def test_listing_tests_runs_without_the_simulation(tmp_path: Path) -> None:
    out, trips = run_child(tmp_path, "attempt('x', lambda: __import__('fcntl'))",
                           argv=("--list",))
    assert kinds(out) == {"x": "ok"}
    assert trips == []


def test_trips_carry_the_test_id(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    (proj / "pkg").mkdir(parents=True)
    (proj / "pkg" / "__init__.py").write_text("")
    (proj / "pkg" / "test_demo.py").write_text(textwrap.dedent("""
        import os, unittest
        class T(unittest.TestCase):
            def test_forks(self):
                os.fork
            def test_fine(self):
                self.assertTrue(os.getpid())
    """))
    record = tmp_path / "record"
    env = dict(os.environ)
    env.update(lane_env(record, scope=[proj], pythonpath=""))
    proc = subprocess.run([sys.executable, "-m", "unittest", "pkg.test_demo"], env=env,
                          cwd=proj, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "AttributeError: module 'os' has no attribute 'fork'" in proc.stderr
    trips = read_trips(record)
    assert [t["test_id"] for t in trips] == ["pkg.test_demo.T.test_forks"]
    assert trips[0]["pid"] == trips[0]["pid"] and isinstance(trips[0]["pid"], int)
    summary = collect(record)
    assert summary["behaviours"]["os-functions"]["tests"] == ["pkg.test_demo.T.test_forks"]


def test_without_the_switch_the_hook_does_nothing(tmp_path: Path) -> None:
    record = tmp_path / "record"
    env = dict(os.environ)
    env.update(lane_env(record, scope=[tmp_path]))
    env["WINCI_SIMULATE"] = "0"
    proc = subprocess.run([sys.executable, "-c", "import os, fcntl; print(os.fork)"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "built-in function fork" in proc.stdout


def test_star_import_and_a_shadowed_sitecustomize_still_work(tmp_path: Path) -> None:
    """``from os import *`` does not ask for removed names; a sitecustomize later on
    PYTHONPATH (Debian ships one) still runs after the hook."""
    other = tmp_path / "other"
    other.mkdir()
    (other / "sitecustomize.py").write_text("import os\nos.environ['CHAINED'] = 'yes'\n")
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "prog.py").write_text(
        "from os import *\nimport os\nprint(os.environ.get('CHAINED'), 'fork' in dir())\n")
    env = dict(os.environ)
    env.update(lane_env(tmp_path / "record", scope=[proj], pythonpath=str(other)))
    proc = subprocess.run([sys.executable, str(proj / "prog.py")], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["yes", "False"]


def test_an_unwritable_record_folder_does_not_change_the_error(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "prog.py").write_text("import os\ntry:\n    os.fork\nexcept AttributeError as e:\n"
                                  "    print(type(e).__name__)\n")
    env = dict(os.environ)
    env.update(lane_env(tmp_path / "record", scope=[proj], pythonpath=""))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    env["WINCI_SIMULATE_RECORD_DIR"] = str(blocker)
    proc = subprocess.run([sys.executable, str(proj / "prog.py")], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "AttributeError"
