"""RunFolder: the one writer and reader of a run folder's files, and every reader of a
folder written before it (history, compare, Gerrit report, reproduce)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.results.streams import mixed_stream
from tests.runfolder.conftest import TODAY, read
from winci.cli import main
from winci.errors import ConfigError
from winci.gerrit.report import ReportSettings, build_message, load_run, resolve_target
from winci.history import History, from_run_dir, import_run
from winci.history.models import Lane, Run
from winci.lanes.base import LaneOutcome
from winci.masking import GLOBAL_MASKER
from winci.platforms import parse_lane
from winci.reproduce.build import failed_tests, lanes_with_failures, load_build
from winci.results import parse_stream, write_lane_reports
from winci.run_results import RunResult, write_results
from winci.runfolder import LaneFolder, Manifest, RunFolder, RunVerdict, Verdict
from winci.runs import RunOptions
from winci.ui import Progress
from winci.worktree.sources import GlanceSource

DNS = "glance.tests.unit.test_env.TestEnv.test_needs_dns"
FLAKY = "glance.tests.unit.test_env.TestEnv.test_flaky"
BROKEN = "glance.tests.unit.test_misc.TestMisc.test_breaks"


def test_loads_a_folder_written_before_the_models(old_run: Path) -> None:
    run = RunFolder(old_run).load()
    m = run.manifest
    assert (m.run_id, m.winci_version, m.started, m.backend) == (
        "20261124-020000-ab12", "0.1.0", "2026-11-24T02:00:03+00:00", "local")
    assert m.glance is not None and (m.glance.origin, m.glance.version, m.glance.change) == (
        "pypi", "33.0.0", "954321")
    assert (m.patches.applied, m.patches.queue_hash) == (True, "0123456789abcdef")
    assert m.lanes == ["unit", "functional", "tempest"] and m.options["run_kind"] == "run"
    assert m.zuul is not None and m.zuul["pipeline"] == "check"
    assert m.timings is not None and m.timings.elapsed_s == 31.6
    assert (run.verdict, run.error) == (Verdict.ERROR, "functional: MariaDB did not start")
    assert [(lane.name, lane.verdict, lane.failed) for lane in run.lanes] == [
        ("unit", Verdict.FAILURE, 2), ("functional", Verdict.ERROR, 0),
        ("tempest", Verdict.NOT_RUN, 0)]
    assert [lane.name for lane in RunFolder(old_run).lanes()] == ["unit"]
    summary = RunFolder(old_run).lane("unit").read_summary()
    assert summary is not None
    assert (summary.total, summary.passed, summary.failed, summary.flaky) == (8, 3, 2, 1)
    assert summary.classification() == ({DNS: "needs DNS (condition: no-dns)"}, [FLAKY])


def test_every_reader_reads_the_old_folder(old_run: Path, tmp_path: Path) -> None:
    with History(f"sqlite:///{(tmp_path / 'h.sqlite').as_posix()}") as history:
        pk = import_run(history, old_run)
        with history.session() as s:
            stored = s.get(Run, pk)
            assert stored is not None
            assert (stored.verdict, stored.glance_source, stored.change) == (
                "ERROR", "pypi", "954321")
            lanes = {lane.name: (lane.verdict, lane.failed, lane.error)
                     for lane in s.query(Lane)}
    assert lanes == {"unit": ("FAILURE", 2, None),
                     "functional": ("ERROR", 0, "MariaDB did not start on 127.0.0.1:33061"),
                     "tempest": ("NOT_RUN", 0, None)}
    view = from_run_dir(old_run)
    assert view.verdict is Verdict.ERROR and view.tests[("unit", FLAKY)].flaky
    run = load_run(old_run)
    message = build_message(run, resolve_target(run.manifest), ReportSettings())
    assert message.startswith("winci: Build could not run: infrastructure error (check "
                              "pipeline). Verdict: ERROR")
    assert "- tempest : NOT_RUN" in message
    assert "- functional https://logs.example.test/21/954321/2/functional/" in message
    build = load_build(old_run)
    assert lanes_with_failures(build) == ["unit"]
    assert failed_tests(build.run_dir, "unit") == [BROKEN, BROKEN.replace("breaks",
                                                                          "uxsuccess")]


def test_the_run_writes_the_format_it_always_wrote(tmp_path: Path) -> None:
    """winci.run_results, through RunFolder, writes the old folder's verdict.json and
    summary.json key for key (plus format_version), and the same manifest keys."""
    out = tmp_path / TODAY.name
    opts = RunOptions(lanes=["unit", "functional", "tempest"], out=out, concurrency=2,
                      zuul=read(TODAY / "manifest.json")["zuul"])
    lane_dir = out / "unit"
    lane_dir.mkdir(parents=True)
    summary = write_lane_reports(parse_stream(mixed_stream(lane_dir / "results.subunit")),
                                 lane_dir, lane="unit", flaky=[FLAKY],
                                 known_failures={DNS: "needs DNS (condition: no-dns)"})
    outcomes = {"unit": LaneOutcome("unit", Verdict.FAILURE, summary, 12.34),
                "functional": LaneOutcome("functional", Verdict.ERROR, None, 1.5,
                                          "MariaDB did not start on 127.0.0.1:33061")}
    run = SimpleNamespace(
        opts=opts, out_dir=out, run_id=TODAY.name, progress=Progress(),
        source=GlanceSource("pypi", Path("/cache/sources/glance-33.0.0"), "33.0.0"),
        manifest=Manifest(run_id=TODAY.name, winci_version="0.1.0"),
        lanes=[parse_lane(lane) for lane in opts.lanes], lane_ids=list(opts.lanes),
        platform_infos=lambda: {})
    run.manifest.patches.applied, run.manifest.patches.queue_hash = True, "0123456789abcdef"
    write_results(run, RunResult(TODAY.name, out, Verdict.ERROR, outcomes,  # type: ignore
                                 "functional: MariaDB did not start"))
    assert read(out / "verdict.json") == read(TODAY / "verdict.json") | {"format_version": 1}
    assert read(lane_dir / "summary.json") == read(TODAY / "unit" / "summary.json")
    written, old = read(out / "manifest.json"), read(TODAY / "manifest.json")
    assert set(written) == set(old) | {"format_version"}
    for key in ("run_id", "glance", "patches", "lanes", "backend", "zuul"):
        assert written[key] == old[key], key
    # the options winci run has gained since (--platform, --python, --stack)
    assert set(written["options"]) == set(old["options"]) | {"platform", "python", "stack"}
    assert set(written["platform"]) == set(old["platform"])


def test_write_and_read_back_with_the_manifest_masked(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path / "run")
    GLOBAL_MASKER.add("runfolder-s3cret-token")
    manifest = Manifest(run_id="r9", lanes=["unit"], options={
        "history_url": "mysql+pymysql://winci:pw-in-a-url@127.0.0.1/winci",
        "note": "token runfolder-s3cret-token"})
    folder.write_manifest(manifest)
    text = folder.manifest_path.read_text(encoding="utf-8")
    assert "pw-in-a-url" not in text and "runfolder-s3cret-token" not in text
    assert folder.manifest().options["history_url"] == "mysql+pymysql://winci:********@127.0.0.1/winci"
    verdict = RunVerdict(Verdict.SUCCESS, "r9")
    folder.write_verdict(verdict)
    assert folder.read_verdict() == verdict
    lane = LaneFolder(folder.path / "unit")
    assert lane.read_summary() is None
    summary = write_lane_reports([], lane.path, lane="unit")
    assert lane.read_summary() == summary


def test_a_folder_that_cannot_be_read(tmp_path: Path, old_run: Path) -> None:
    with pytest.raises(ConfigError, match=r"run folder .*missing does not exist"):
        RunFolder(tmp_path / "missing").load()
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"empty is not a winci run folder \(it has no "
                                          r"manifest\.json\)"):
        RunFolder(tmp_path / "empty").load()
    (old_run / "verdict.json").unlink()
    with pytest.raises(ConfigError, match=r"has no verdict\.json: its run did not finish"):
        RunFolder(old_run).load()
    (old_run / "verdict.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cannot read .*verdict\.json"):
        RunFolder(old_run).read_verdict()
    (old_run / "verdict.json").write_text("[]", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"verdict\.json is not a JSON object"):
        RunFolder(old_run).read_verdict()


def test_a_newer_format_is_a_one_line_error_for_every_command(old_run: Path, tmp_path: Path,
                                                              capsys) -> None:
    data = read(old_run / "manifest.json") | {"format_version": 2}
    (old_run / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    url = f"sqlite:///{(tmp_path / 'h.sqlite').as_posix()}"
    for argv in (["history", "add", str(old_run), "--db-url", url],
                 ["compare", str(old_run), str(old_run)],
                 ["vote", str(old_run), "--dry-run"],
                 ["reproduce", str(old_run), "--out", str(tmp_path / "repro")]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "was written by an unknown format version 2" in err, argv
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
