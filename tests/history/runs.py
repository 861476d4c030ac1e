"""Run folders laid out as `winci run` writes them, with real subunit streams."""

from __future__ import annotations

import json
from pathlib import Path

from tests.results.streams import write_stream
from winci.results import parse_stream, write_lane_reports

Test = tuple[str, str, float]  # id, status, seconds


def make_run_dir(root: Path, run_id: str, started: str, lanes: dict[str, list[Test]], *,
                 known: dict[str, str] | None = None, flaky: tuple[str, ...] = (),
                 kind: str | None = None) -> Path:
    run_dir = root / run_id
    verdict_lanes = {}
    for lane, tests in lanes.items():
        lane_dir = run_dir / lane
        lane_dir.mkdir(parents=True)
        stream = write_stream(lane_dir / "results.subunit", [
            (tid, status, secs, {"traceback": f"Traceback:\nAssertionError: {tid}"}
             if status == "fail" else {}) for tid, status, secs in tests])
        summary = write_lane_reports(parse_stream(stream), lane_dir, lane=lane,
                                     known_failures=known or {}, flaky=flaky).to_dict()
        verdict_lanes[lane] = {
            "verdict": "FAILURE" if summary["failed"] else "SUCCESS",
            **{k: summary[k] for k in ("passed", "failed", "skipped", "known_failures",
                                       "flaky", "duration_s")}, "error": None}
    options = {"kind": kind} if kind else {}
    (run_dir / "manifest.json").write_text(json.dumps({
        "winci_version": "0.1.0", "run_id": run_id, "started": started, "finished": started,
        "glance": {"source": "pypi", "path": None, "version": "33.0.0", "git_ref": None,
                   "git_sha": None, "change": None, "patchset": None},
        "patches": {"applied": True, "queue_hash": "abc123"}, "lanes": list(lanes),
        "options": options, "backend": "local",
        "platform": {"system": "Linux", "release": "6", "python": "3.11.7"},
        "pins": {"glance": "33.0.0"}}))
    failed = any(v["verdict"] == "FAILURE" for v in verdict_lanes.values())
    (run_dir / "verdict.json").write_text(json.dumps({
        "verdict": "FAILURE" if failed else "SUCCESS", "run_id": run_id,
        "lanes": verdict_lanes}))
    return run_dir
