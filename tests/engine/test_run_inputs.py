"""Every input a run reads and its output folder are checked before anything starts:
one line, exit code 2, and nothing already there is lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from winci import runs
from winci.errors import UsageError
from winci.runfolder import LaneFolder, LaneSummary, Manifest, RunFolder

REPO = Path(__file__).resolve().parents[2]


def winci(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "winci", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})


def one_line_usage_error(res: subprocess.CompletedProcess[str], text: str) -> str:
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr + res.stdout
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    assert text in lines[0], lines[0]
    return lines[0]


def earlier_run(path: Path) -> Path:
    """A run folder as an earlier full run leaves it (three lanes)."""
    folder = RunFolder(path)
    path.mkdir(parents=True)
    folder.write_manifest(Manifest(run_id="20261101-000000-abcd", winci_version="0"))
    for lane in ("unit", "functional", "tempest"):
        (path / lane).mkdir()
        (path / lane / "results.subunit").write_bytes(b"")
        LaneFolder(path / lane).write_summary(LaneSummary(lane=lane, total=300, passed=300))
    return path


def test_out_naming_a_file(tmp_path: Path) -> None:
    target = tmp_path / "results"
    target.write_text("mine\n")
    one_line_usage_error(winci("run", "unit", "--out", str(target)), "is a file")
    assert target.read_text() == "mine\n"


def test_out_that_cannot_be_written() -> None:
    # /sys is read-only for root too: the check creates a file, it does not trust modes
    one_line_usage_error(winci("run", "unit", "--out", "/sys/winci-results"),
                         "cannot be written")


def test_out_folder_of_other_things_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "photos"
    target.mkdir()
    (target / "cat.jpg").write_bytes(b"\xff\xd8")
    one_line_usage_error(winci("run", "unit", "--out", str(target)),
                         "not empty and not a winci run folder")
    assert (target / "cat.jpg").read_bytes() == b"\xff\xd8"
    assert sorted(p.name for p in target.iterdir()) == ["cat.jpg"]


def test_bad_input_leaves_an_earlier_run_folder_whole(tmp_path: Path) -> None:
    target = earlier_run(tmp_path / "run")
    before = sorted(str(p.relative_to(target)) for p in target.rglob("*"))
    one_line_usage_error(winci("run", "unit", "--out", str(target), "--lane-timeout", "0"),
                         "--lane-timeout 0 is not a positive number")
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*")) == before


@pytest.mark.parametrize("value", ["0", "-5"])
def test_lane_timeout_must_be_positive(tmp_path: Path, value: str) -> None:
    res = winci("run", "unit", "--out", str(tmp_path / "r"), f"--lane-timeout={value}")
    one_line_usage_error(res, f"--lane-timeout {value} is not a positive number")
    assert not (tmp_path / "r").exists()


def test_broken_known_failures_list_is_found_before_the_run(tmp_path: Path) -> None:
    lists = tmp_path / "known"
    lists.mkdir()
    (lists / "unit.yaml").write_text("- id: 'x'\n  reason: r\n- [unclosed\n")
    res = winci("run", "unit", "--out", str(tmp_path / "r"),
                env={"WINCI_KNOWN_FAILURES_DIR": str(lists)})
    line = one_line_usage_error(res, "unit.yaml is not valid YAML")
    assert "line" in line
    assert not (tmp_path / "r").exists()  # nothing started


def test_earlier_run_folder_is_replaced_whole(tmp_path: Path) -> None:
    target = earlier_run(tmp_path / "run")
    folder = RunFolder(target)
    earlier = folder.check_new_run()
    assert earlier is not None and earlier.run_id == "20261101-000000-abcd"
    folder.replace()
    assert target.is_dir() and list(target.iterdir()) == []
    assert folder.lanes() == []


def test_new_and_empty_folders_are_fine(tmp_path: Path) -> None:
    assert RunFolder(tmp_path / "a" / "b").check_new_run() is None
    assert not (tmp_path / "a").exists()  # checking creates nothing
    (tmp_path / "empty").mkdir()
    assert RunFolder(tmp_path / "empty").check_new_run() is None


def test_unreadable_manifest_is_not_a_run_folder(tmp_path: Path) -> None:
    target = tmp_path / "odd"
    target.mkdir()
    (target / "manifest.json").write_text("{not json")
    with pytest.raises(UsageError, match="not a winci run folder"):
        RunFolder(target).check_new_run()
    assert (target / "manifest.json").read_text() == "{not json"


@pytest.mark.integration
def test_small_run_into_an_earlier_full_run_folder_counts_only_itself(tmp_path: Path) -> None:
    """A 2-test run into the folder of an earlier three-lane run: the folder, compare and
    the history hold the new run alone."""
    target = earlier_run(tmp_path / "run")
    res = subprocess.run(
        [sys.executable, "-m", "winci", "run", "unit", "--out", str(target), "--filter",
         r"^glance\.tests\.unit\.common\.test_utils\.SplitFilterOpTestCase\."
         r"test_(less_than_operator|greater_than_operator)$"],
        capture_output=True, text=True, timeout=1800)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "replaced whole" in res.stdout
    folder = RunFolder(target)
    assert [lane.name for lane in folder.lanes()] == ["unit"]
    record = folder.load()
    assert [lane.name for lane in record.result.lanes] == ["unit"]
    unit = record.result.lane("unit")
    assert unit is not None and unit.total == 2
    assert record.manifest.run_id != "20261101-000000-abcd"
    # the history stored it as the run of one lane and two tests
    listed = winci("history", "list")
    assert listed.returncode == 0, listed.stderr
    mine = [line.split() for line in listed.stdout.splitlines()
            if record.manifest.run_id in line]
    assert len(mine) == 1, listed.stdout
    lanes, tests = mine[0][-3], mine[0][-2]  # ... verdict lanes tests failed
    assert (lanes, tests) == ("1", "2"), listed.stdout


@pytest.mark.parametrize(("platform", "backend", "expected"), [
    (None, "local", ["unit", "functional", "tempest", "unit@wine"]),
    ("linux", "local", ["unit", "functional", "tempest"]),
    ("wine", "local", ["unit", "functional", "tempest"]),
    (None, "docker", ["unit", "functional", "tempest"]),
])
def test_a_run_naming_no_lane_adds_the_wine_unit_lane_on_a_linux_host(
        platform: str | None, backend: str, expected: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runs, "host_platform", lambda: "linux")
    assert runs.default_lanes(platform, backend) == expected


def test_a_windows_host_runs_the_default_lanes_on_windows(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runs, "host_platform", lambda: "windows")
    assert runs.default_lanes(None, "local") == ["unit", "functional", "tempest"]


def test_the_cli_leaves_the_default_lanes_to_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from winci.cli import main
    from winci.commands import run as run_command

    seen: list[list[str]] = []

    def execute(opts: runs.RunOptions) -> SimpleResult:
        seen.append(list(opts.lanes))
        return SimpleResult()

    monkeypatch.setattr(run_command, "execute", execute)
    assert main(["run"]) == 0 and main(["run", "tempest"]) == 0
    assert seen == [[], ["tempest"]]


class SimpleResult:
    exit_code = 0
