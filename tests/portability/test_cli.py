"""``winci portability`` end to end: formats, exit codes, bad input, real trees."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from winci.cli import main
from winci.host.paths import cache_dir
from winci.portability import RULES, check_paths

ROOT = Path(__file__).resolve().parents[2]

def _glance_tree() -> Path:
    """Glance 33.0.0's package folder: the unpacked sdist, or winci's cached copy."""
    for root in (Path("/tmp/src"), cache_dir() / "sources"):
        if (root / "glance-33.0.0" / "glance").is_dir():
            return root / "glance-33.0.0" / "glance"
    return Path("/nonexistent/glance-33.0.0/glance")


GLANCE = _glance_tree()
BAD = "import os\nimport fcntl\nos.rename(a, b)\nimport shlex\nshlex.split(c)\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "bad.py").write_text(BAD)
    (tmp_path / "pkg" / "good.py").write_text("import os\nos.replace(a, b)\n")
    (tmp_path / "pkg" / ".hidden").mkdir()
    (tmp_path / "pkg" / ".hidden" / "x.py").write_text("import fcntl\n")
    return tmp_path / "pkg"


def test_json_output_fields_and_exit_code(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["portability", "--format", "json", str(tree)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [d["rule"] for d in data] == ["WP301", "WP401", "WP802"]
    for item in data:
        assert {"rule", "path", "line", "col", "severity", "message", "fix"} <= set(item)
        assert item["path"].endswith("bad.py")
    assert (data[0]["line"], data[0]["col"], data[0]["severity"]) == (2, 1, "error")


def test_fail_on_threshold(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    only_rename = ["portability", "--select", "WP401", str(tree)]
    assert main([*only_rename, "--fail-on", "error"]) == 0  # WP401 is a warning
    assert main([*only_rename, "--fail-on", "warning"]) == 1
    assert main([*only_rename]) == 1  # default: info, any finding fails
    assert main([*only_rename, "--fail-on", "never"]) == 0
    assert main(["portability", "--ignore", "WP3,WP4,WP8", str(tree)]) == 0
    capsys.readouterr()


def test_text_output(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["portability", str(tree)])
    out = capsys.readouterr().out
    assert f"{tree / 'bad.py'}:3:1: WP401 [warning] os.rename" in out
    assert "fix: use os.replace" in out
    assert out.rstrip().endswith("3 finding(s) in 2 file(s): 1 error, 1 warning, 1 info")


def test_sarif_output(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["portability", "--format", "sarif", str(tree)])
    doc = json.loads(capsys.readouterr().out)
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} == set(RULES)
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"WP301": "error", "WP401": "warning", "WP802": "note"}
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == (tree / "bad.py").as_uri()
        region = res["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1


def test_statistics(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["portability", "--statistics", str(tree)])
    out = capsys.readouterr().out
    assert "WP401      1" in out and out.rstrip().endswith("total  3")


def test_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    exe = str(Path(sys.executable).with_name("winci"))
    for args in (["portability", str(tmp_path / "missing")],
                 ["portability", "--format", "xml", str(tmp_path)],
                 ["portability", "--bogus", str(tmp_path)],
                 ["portability", "--select", "WP999", str(tmp_path)]):
        proc = subprocess.run([exe, *args], capture_output=True, text=True, check=False)
        assert proc.returncode == 2, args
        assert proc.stdout == ""
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert "Traceback" not in proc.stderr


def test_winci_itself_has_no_findings() -> None:
    findings, files = check_paths([ROOT / "winci"])
    assert files > 10
    assert findings == [], "\n".join(f"{f.path}:{f.line} {f.rule} {f.message}" for f in findings)


@pytest.mark.skipif(not GLANCE.is_dir(), reason="no Glance 33.0.0 source here")
def test_glance_known_spots() -> None:
    findings, _ = check_paths([GLANCE])
    got = {(Path(f.path).relative_to(GLANCE.parent).as_posix(), f.rule) for f in findings}
    control = "glance/cmd/control.py"
    for rule in ("WP101", "WP102", "WP201", "WP301", "WP602"):  # fork, setsid, SIGHUP, fcntl...
        assert (control, rule) in got
    messages = {f.message.split(":")[0] for f in findings if f.path.endswith("control.py")}
    assert {"import fcntl", "import resource", "os.fork", "signal.SIGHUP"} <= messages
    for driver in ("centralized_db.py", "sqlite.py", "xattr.py"):
        assert (f"glance/image_cache/drivers/{driver}", "WP401") in got
    flows = {p for p, r in got if r == "WP603" and p.startswith("glance/async_/flows/")}
    assert "glance/async_/flows/api_image_import.py" in flows
    assert len(flows) >= 5


def test_exclude_and_list_rules(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["portability", "--exclude", "bad.py", str(tree)]) == 0
    assert capsys.readouterr().out == "no findings in 1 file(s)\n"
    assert main(["portability", "--exclude", "*/pkg/*", "--format", "json", str(tree)]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["portability", "--list-rules"]) == 0
    listing = capsys.readouterr().out
    assert all(rid in listing for rid in RULES)


def test_explicit_file_and_hidden_folders(tree: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    # a hidden folder is skipped when walking, but a file named on the command line is read
    assert main(["portability", str(tree / ".hidden" / "x.py")]) == 1
    assert "WP301" in capsys.readouterr().out
