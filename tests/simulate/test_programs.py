"""The ``programs`` behaviour, run for real: POSIX-only programs are not found."""

from __future__ import annotations

from pathlib import Path

from tests.simulate.test_hook import kinds, run_child
from winci.portability.families.subprocesses import POSIX_TOOLS
from winci.simulate.hook import missing_programs


def test_posix_programs_started_by_name_are_not_found(tmp_path: Path) -> None:
    out, trips = run_child(tmp_path, """
        import os, shutil, subprocess
        me = os.path.abspath(__file__)
        attempt("grep", lambda: subprocess.run(["grep", "-q", "x", me]))
        attempt("which", lambda: subprocess.check_output(["which", "ls"]))
        attempt("exe_suffix", lambda: subprocess.Popen(["grep.exe", "x", me]))
        attempt("posix_path", lambda: subprocess.run(["/usr/bin/grep", "-q", "x", me]))
        attempt("command_line", lambda: subprocess.run("grep -q x " + me))
        attempt("executable", lambda: subprocess.run(["x", "-c", "true"],
                                                     executable="/bin/sh"))
        attempt("python", lambda: subprocess.run([sys.executable, "-c", "pass"]).returncode)
        attempt("not_listed", lambda: subprocess.run(["echo"], capture_output=True).returncode)
        # cmd.exe runs a shell command and answers 9009 instead: not imitated
        attempt("shell", lambda: subprocess.run("grep -q zzz " + me, shell=True).returncode)
        out["which_grep"] = shutil.which("grep")
        out["which_exe"] = shutil.which("grep.exe")
        out["which_python"] = shutil.which(os.path.basename(sys.executable),
                                           path=os.path.dirname(sys.executable)) is not None
    """)
    assert kinds(out) == {
        "grep": "FileNotFoundError", "which": "FileNotFoundError",
        "exe_suffix": "FileNotFoundError", "posix_path": "FileNotFoundError",
        "command_line": "FileNotFoundError", "executable": "FileNotFoundError",
        "python": "ok", "not_listed": "ok", "shell": "ok",
        "which_grep": None, "which_exe": None, "which_python": True,
    }
    assert out["grep"][1] == "[Errno 2] The system cannot find the file specified: 'grep'"  # type: ignore[index]
    assert [t["detail"] for t in trips] == [
        "run grep", "run which", "run grep", "run grep", "run grep", "run sh",
        "shutil.which('grep')", "shutil.which('grep')"]
    assert {t["behaviour"] for t in trips} == {"programs"}


def test_a_library_running_grep_at_import_fails_to_import(tmp_path: Path) -> None:
    """os-brick 7.1.0's pattern: ``execute('grep', ...)`` at import, catching only the
    library's own error, so a missing program takes the import (and its importers) down."""
    lib = """
        import subprocess
        def execute(*cmd):
            return subprocess.run(list(cmd), check=True, capture_output=True)
        try:
            execute("grep", "-F", "node.session.scan", "/sbin/iscsiadm")
            MANUAL_SCAN = True
        except subprocess.CalledProcessError:
            MANUAL_SCAN = False
    """
    code = """
        sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent.parent / "lib"))
        attempt("import", lambda: __import__("brick_like").MANUAL_SCAN)
    """
    out, trips = run_child(tmp_path / "on", code, files={"lib/brick_like.py": lib})
    off, trips_off = run_child(tmp_path / "off", code, disabled=("programs",),
                               files={"lib/brick_like.py": lib})
    assert kinds(out) == {"import": "FileNotFoundError"}
    assert [t["detail"] for t in trips] == ["run grep"]
    assert trips[0]["caller"].endswith("brick_like.py:4 in execute")  # type: ignore[union-attr]
    assert trips[0]["site"].endswith("in <lambda>")  # type: ignore[union-attr]
    assert kinds(off) == {"import": "ok"} and trips_off == []


def test_windows_checks_the_popen_arguments_before_looking_for_the_program(
        tmp_path: Path) -> None:
    out, trips = run_child(tmp_path, """
        import subprocess
        attempt("both", lambda: subprocess.run(["grep", "x"], preexec_fn=lambda: None))
    """)
    assert kinds(out) == {"both": "ValueError"}
    assert [t["behaviour"] for t in trips] == ["subprocess"]


def test_the_programs_are_posix_only_tools_the_checker_knows() -> None:
    """Every refused program is one WP504 reports; none is a name Windows has."""
    assert missing_programs.POSIX_PROGRAMS <= POSIX_TOOLS
    assert not missing_programs.POSIX_PROGRAMS & {
        "find", "sort", "hostname", "whoami", "tar", "curl", "timeout", "where", "more",
        "ping", "python", "git", "qemu-img", "sqlite3"}


def test_which_program_a_popen_call_names() -> None:
    name = missing_programs.posix_program
    assert [name(p) for p in ("grep", "GREP.EXE".lower(), "/bin/sh", "/usr/local/bin/bash",
                              b"which")] == ["grep", "grep", "sh", "bash", "which"]
    assert [name(p) for p in ("/opt/tools/grep", "./grep", "C:\\tools\\grep.exe", "qemu-img",
                              "", 3)] == [None] * 6
