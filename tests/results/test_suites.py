"""A lane that runs several suites (the tempest lane: tempest's image API tests and
glance-tempest-plugin's) counts them apart: summary.json's ``suites``, the HTML page,
the closing table, and again when `winci report` regenerates the reports."""

from __future__ import annotations

import json
from pathlib import Path

from tests.results.streams import write_stream
from winci.cli import main
from winci.lanes.base import LANE_SUITES, LaneOutcome
from winci.results import parse_stream, write_lane_reports
from winci.results.summary import OTHER_SUITE, suite_of
from winci.run_results import suite_rows
from winci.runfolder import Verdict

SUITES = LANE_SUITES["tempest"]
IMG = "tempest.api.image.v2.test_images.BasicOperationsImagesTest"
RBAC = "glance_tempest_plugin.tests.rbac.v2.test_project_reader_tests.ImageProjectReaderTests"
TESTS = [
    (f"{IMG}.test_register_upload[id-139b765e,smoke]", "success", 1.0, {}),
    (f"{IMG}.test_delete_image[id-f848bb94]", "fail", 0.5, {"traceback": "Boom"}),
    ("setUpClass (tempest.api.image.v2.test_images.ListUserImagesTest)", "skip", 0.0,
     {"reason": "Image format enforcement prevents testing with bogus image data"}),
    (f"{RBAC}.test_get_image[id-1]", "success", 2.0, {}),
    (f"{RBAC}.test_list_images[id-2]", "fail", 0.3, {"traceback": "once"}),
    (f"{RBAC}.test_create_image[id-3]", "fail", 0.3, {"traceback": "DNS"}),
    ("setUpClass (glance_tempest_plugin.tests.rbac.v2.metadefs.test_tags.ProjectAdminTests)",
     "skip", 0.0, {"reason": "enforce_scope is not enabled for glance"}),
]


def test_a_test_belongs_to_the_suite_its_module_path_is_under() -> None:
    assert suite_of(f"{IMG}.test_register_upload[id-1,smoke]", SUITES) == "tempest.api.image"
    assert suite_of(f"{RBAC}.test_get_image", SUITES) == "glance_tempest_plugin"
    # a class fixture's id names the class it set up
    assert suite_of("setUpClass (glance_tempest_plugin.tests.rbac.v2.base.X)",
                    SUITES) == "glance_tempest_plugin"
    # neither: a prefix, not a substring
    assert suite_of("tempest.api.compute.test_x.T.test_y", SUITES) == OTHER_SUITE
    assert suite_of("tempest.api.imagefoo.T.test_y", SUITES) == OTHER_SUITE


def test_summary_counts_each_suite_apart(tmp_path: Path) -> None:
    out = tmp_path / "tempest"
    out.mkdir()
    cases = parse_stream(write_stream(out / "results.subunit", TESTS))
    summary = write_lane_reports(cases, out, lane="tempest", suites=SUITES,
                                 known_failures={f"{RBAC}.test_create_image": "no DNS"},
                                 flaky=[f"{RBAC}.test_list_images[id-2]"])
    suites = json.loads((out / "summary.json").read_text())["suites"]
    assert list(suites) == ["tempest.api.image", "glance_tempest_plugin"]
    assert suites["tempest.api.image"] == {
        "prefix": "tempest.api.image.", "total": 3, "passed": 1, "failed": 1,
        "known_failures": 0, "flaky": 0, "skipped": 1}
    assert suites["glance_tempest_plugin"] == {
        "prefix": "glance_tempest_plugin.", "total": 4, "passed": 1, "failed": 0,
        "known_failures": 1, "flaky": 1, "skipped": 1}
    # the suites add up to the lane
    for key in ("total", "passed", "failed", "known_failures", "flaky", "skipped"):
        assert sum(s[key] for s in suites.values()) == getattr(summary, key), key
    html = (out / "testr_results.html").read_text()
    assert "<code>glance_tempest_plugin</code>: 4 tests" in html

    # the closing table: a row per suite under the lane's
    outcome = LaneOutcome("tempest", Verdict.FAILURE, summary, 12.0)
    assert suite_rows(outcome) == [["  tempest.api.image", "", "", 1, 1, 0, 0, 1, ""],
                                   ["  glance_tempest_plugin", "", "", 1, 0, 1, 1, 1, ""]]

    # `winci report` regenerates them from the stream and the suites summary.json names
    (out / "summary.json").write_text(json.dumps(
        {**json.loads((out / "summary.json").read_text()),
         "suites": {k: {**v, "total": 0} for k, v in suites.items()}}))
    assert main(["report", str(out / "results.subunit")]) == 0
    assert json.loads((out / "summary.json").read_text())["suites"] == suites


def test_a_lane_of_one_suite_gets_no_breakdown(tmp_path: Path) -> None:
    cases = parse_stream(write_stream(tmp_path / "s.subunit", TESTS[:1]))
    summary = write_lane_reports(cases, tmp_path / "unit", lane="unit")
    assert "suites" not in json.loads((tmp_path / "unit" / "summary.json").read_text())
    assert suite_rows(LaneOutcome("unit", Verdict.SUCCESS, summary, 1.0)) == []
    assert suite_rows(LaneOutcome("unit", Verdict.ERROR, None, 1.0)) == []
