"""The models of manifest.json, verdict.json and summary.json: round trips, and the old
files read without losing anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.runfolder.conftest import read
from winci.errors import ConfigError
from winci.runfolder import (
    FORMAT_VERSION,
    FailedTest,
    GlanceInfo,
    KnownFailure,
    LaneSummary,
    LaneVerdict,
    Manifest,
    PatchInfo,
    RunVerdict,
    SkippedTest,
    SlowTest,
    Timings,
    Verdict,
)


def full_manifest() -> Manifest:
    return Manifest(
        run_id="r1", winci_version="0.1.0", started="2026-11-24T02:00:00+00:00",
        finished="2026-11-24T03:00:00+00:00",
        glance=GlanceInfo("git", "/src/glance", "33.0.1.dev4", "refs/changes/21/954321/2",
                          "0" * 40, "git", "954321", "2"),
        patches=PatchInfo(True, "abc123"), lanes=["unit", "tempest"],
        options={"db": "sqlite", "patches": True, "run_kind": "nightly"}, backend="docker",
        platform={"system": "Linux"}, pins={"glance": "33.0.1.dev4", "keystone": "30.0.0"},
        zuul={"change": "954321", "pipeline": "check"}, images={"glance": "winci/glance:1"},
        timings=Timings({"lane unit": 20.5}, 31.0), extra={"from_the_future": [1, 2]})


def test_round_trips() -> None:
    manifest = full_manifest()
    assert Manifest.from_dict(manifest.to_dict()) == manifest
    assert Manifest.from_dict(Manifest().to_dict()) == Manifest()
    verdict = RunVerdict(Verdict.FAILURE, "r1", None, [
        LaneVerdict("unit", Verdict.FAILURE, 10, 2, 1, 1, 1, 15, 12.3),
        LaneVerdict("tempest", Verdict.ERROR, duration_s=1.5, error="no Keystone"),
        LaneVerdict.not_run("functional")])
    assert RunVerdict.from_dict(verdict.to_dict()) == verdict
    assert list(verdict.to_dict()["lanes"]) == ["unit", "tempest", "functional"]
    summary = LaneSummary(
        "preflight", 4, 1, 1, 1, 1, 0, 0, 2.5, [FailedTest("t.a", "fail", "Traceback", 1.0)],
        [KnownFailure("t.b", "no DNS")], ["t.c"], [SkippedTest("t.d", "no xattr")],
        [SlowTest("t.a", 1.0)], extra={"simulation": {"by_behaviour": {"rename": 1}}})
    assert LaneSummary.from_dict(summary.to_dict()) == summary
    assert list(summary.to_dict())[-1] == "simulation"
    assert summary.classification() == ({"t.b": "no DNS"}, ["t.c"])


def test_the_old_files_read_back_unchanged(old_run: Path) -> None:
    """Every key of the files written before the models survives a read and a write."""
    for name, model in (("manifest.json", Manifest), ("verdict.json", RunVerdict)):
        raw = read(old_run / name)
        assert "format_version" not in raw  # the old files carry none: version 1
        assert model.from_dict(raw).to_dict() == raw | {"format_version": FORMAT_VERSION}
    raw = read(old_run / "unit" / "summary.json")
    assert LaneSummary.from_dict(raw).to_dict() == raw


def test_hand_written_files_are_read_as_the_old_readers_did() -> None:
    lane = LaneVerdict.from_dict("tempest", {"verdict": "FAILURE", "passed": ["a", "b"],
                                             "failed": ["c"], "duration_s": None}, "v.json")
    assert (lane.passed, lane.failed, lane.skipped, lane.duration_s) == (2, 1, 0, None)
    assert LaneVerdict.from_dict("unit", {}, "v.json").verdict is None
    manifest = Manifest.from_dict({"glance": {"source": "git", "change": 912345,
                                              "patchset": 2}})
    assert manifest.glance == GlanceInfo(source="git", change="912345", patchset="2")
    assert manifest.glance_origin == "git" and manifest.run_id is None
    assert Manifest.from_dict({"glance": {"kind": "pypi"}}).glance_origin == "pypi"


@pytest.mark.parametrize(("model", "data", "message"), [
    (RunVerdict, {"verdict": "MAYBE"}, r"verdict\.json: verdict 'MAYBE' is not one of"),
    (RunVerdict, {"verdict": "SUCCESS", "lanes": ["unit"]}, "'lanes' must be an object"),
    (RunVerdict, {"verdict": "SUCCESS", "lanes": {"unit": {"verdict": "GREEN"}}},
     "lane 'unit': verdict 'GREEN' is not one of"),
    (RunVerdict, {"verdict": "SUCCESS", "format_version": 2},
     r"verdict\.json was written by an unknown format version 2 \(this winci reads up to "
     r"version 1\)"),
    (Manifest, {"format_version": 7}, "unknown format version 7"),
    (Manifest, {"format_version": "one"}, "format_version 'one' is not a version number"),
])
def test_what_cannot_be_read(model, data, message) -> None:
    with pytest.raises(ConfigError, match=message):
        model.from_dict(data)
