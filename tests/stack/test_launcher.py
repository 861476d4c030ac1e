"""winci's launcher (winci/stack/launcher.py), run for real by this host's Python: its
first line names the interpreter in both modes; ``--module`` runs a server module as
``python -m`` would, with the launcher's variables set and the arguments after ``--``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from winci.procs import Runner
from winci.stack import launcher
from winci.stack.api_logs import interpreter_of

SERVER = """\
import json, os, sys
print("server", json.dumps({"name": __name__, "argv": sys.argv[1:],
                            "conf": os.environ.get("WINCI_TEST_CONF")}))
"""


def test_module_mode_runs_a_server_module(tmp_path: Path) -> None:
    (tmp_path / "winci_fake_server.py").write_text(SERVER, encoding="utf-8")
    with Runner(tmp_path / "logs") as runner:
        done = runner.run([sys.executable, launcher.__file__, "--name", "fake-api",
                           "--env", "WINCI_TEST_CONF=/etc/x", "--module",
                           "winci_fake_server", "--", "--bind", "127.0.0.1:1",
                           "--workers", "2"], name="fake-api", timeout=60,
                          extra_env={"PYTHONPATH": str(tmp_path)})
    facts = interpreter_of(done.log)
    assert facts["serves"] == "winci_fake_server"
    assert facts["sys_platform"] == sys.platform
    line = next(line for line in done.tail if line.startswith("server "))
    assert json.loads(line[len("server "):]) == {
        "name": "__main__", "argv": ["--bind", "127.0.0.1:1", "--workers", "2"],
        "conf": "/etc/x"}


@pytest.mark.parametrize("argv", [
    ["--app", "x:app"],                              # no port
    ["--app", "x:app", "--port", "1", "--", "y"],    # arguments for no module
    ["--port", "1"],                                 # neither --app nor --module
    ["--app", "x:app", "--module", "m", "--port", "1"],
])
def test_bad_command_lines(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        launcher.parse_args(argv)
    assert exc.value.code == 2


def test_app_mode_arguments() -> None:
    args = launcher.parse_args(["--app", "x:app", "--port", "9292"])
    assert (args.app, args.module, args.port, args.module_args) == ("x:app", None, 9292, [])
