"""A reader that goes away (``winci ... | head -1``) changes neither the work nor the
exit code: real processes, real pipes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys, time
from winci.ui import Progress, survive_closed_stdout
survive_closed_stdout()
p = Progress()
p.say("first line")
sys.stdout.flush()
time.sleep(0.5)           # the reader has gone by now
for i in range(2000):
    p.say(f"line {i} " + "x" * 200)
print("summary table", flush=True)
open(sys.argv[1], "w").write("done")
sys.exit(0)
"""


def _run_with_early_closing_reader(tmp_path: Path, script: str) -> tuple[int, str]:
    marker = tmp_path / "marker"
    proc = subprocess.Popen([sys.executable, "-c", script, str(marker)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().strip().endswith(b"first line")
    proc.stdout.close()  # as `head -1` does
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    assert marker.read_text() == "done", err
    return code, err


def test_closed_stdout_neither_aborts_nor_changes_exit_code(tmp_path: Path) -> None:
    code, err = _run_with_early_closing_reader(tmp_path, SCRIPT)
    assert code == 0
    assert "BrokenPipeError" not in err and "Traceback" not in err


def test_without_the_guard_the_same_script_breaks(tmp_path: Path) -> None:
    # proves the test above can fail: plain stdout dies on the closed pipe
    script = SCRIPT.replace("survive_closed_stdout()", "pass")
    marker = tmp_path / "marker"
    proc = subprocess.Popen([sys.executable, "-c", script, str(marker)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "BrokenPipeError" in err
    assert not marker.exists()
