"""write_lane_reports and `winci report`: summary.json, the offline HTML page, JUnit XML."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from tests.results.streams import mixed_stream
from winci.cli import main
from winci.results import parse_stream, write_lane_reports

BROKEN = "glance.tests.unit.test_misc.TestMisc.test_breaks"
DNS = "glance.tests.unit.test_env.TestEnv.test_needs_dns"
FLAKY = "glance.tests.unit.test_env.TestEnv.test_flaky"
KNOWN = {DNS: "needs DNS for storeurl.com (condition: no DNS)"}


class _Balance(HTMLParser):
    """Every element the page opens is closed, in order (void elements aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag != "meta":
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")


def _reports(tmp_path: Path) -> tuple[dict, Path]:
    cases = parse_stream(mixed_stream(tmp_path / "results.subunit"))
    out = tmp_path / "unit"
    summary = write_lane_reports(cases, out, lane="unit", known_failures=KNOWN, flaky=[FLAKY])
    return summary.to_dict(), out


def test_summary_counts_and_groups(tmp_path: Path) -> None:
    summary, out = _reports(tmp_path)
    assert json.loads((out / "summary.json").read_text()) == summary
    assert summary["lane"] == "unit"
    assert (summary["total"], summary["passed"], summary["failed"], summary["known_failures"],
            summary["flaky"], summary["skipped"]) == (8, 3, 2, 1, 1, 1)
    assert [f["id"] for f in summary["failures"]] == [
        BROKEN, "glance.tests.unit.test_misc.TestMisc.test_uxsuccess"]
    assert "AssertionError: 1 != 2" in summary["failures"][0]["traceback"]
    assert summary["failures"][0]["duration_s"] == 1.25
    assert summary["known"] == [{"id": DNS, "reason": KNOWN[DNS]}]
    assert summary["flaky_tests"] == [FLAKY]
    assert summary["skips"][0]["reason"] == "needs xattr support"
    assert summary["slowest"][0]["duration_s"] == 3.0
    assert summary["duration_s"] == 6.1  # wall: first start to last stop


def test_known_failure_matches_without_attributes(tmp_path: Path) -> None:
    cases = parse_stream(mixed_stream(tmp_path / "s.subunit"))
    failing = [c for c in cases if c.test_id.startswith("tempest")]
    failing[0].status = "fail"
    summary = write_lane_reports(failing, tmp_path / "t", lane="tempest",
                                 known_failures={failing[0].base_id: "no glance-direct"}
                                 ).to_dict()
    assert (summary["failed"], summary["known_failures"]) == (0, 1)


def test_html_order_escaping_and_offline(tmp_path: Path) -> None:
    _, out = _reports(tmp_path)
    page = (out / "testr_results.html").read_text()
    order = [page.index(h) for h in ('id=failures', 'id=flaky', 'id=known', 'id=skipped',
                                     'id=slowest', 'id=all')]
    assert order == sorted(order)
    assert page.index(BROKEN) < page.index("id=flaky")
    assert "AssertionError: 1 != 2 &lt;b&gt;&amp;amp;" in page
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "needs xattr support" in page and KNOWN[DNS] in page
    balance = _Balance()
    balance.feed(page)
    assert (balance.errors, balance.stack) == ([], [])
    # no external asset: nothing loaded over the network or from another file
    assert not re.search(r"""(src|href)\s*=|@import|url\(""", page, re.I)


def test_junit_is_valid_and_split_at_last_dot(tmp_path: Path) -> None:
    _, out = _reports(tmp_path)
    suite = ET.parse(out / "junit.xml").getroot()
    assert suite.tag == "testsuite"
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("8", "2", "2")
    cases = {f"{c.get('classname')}.{c.get('name')}": c for c in suite.iter("testcase")}
    broken = cases[BROKEN]
    assert broken.get("classname") == "glance.tests.unit.test_misc.TestMisc"
    assert broken.get("name") == "test_breaks"
    assert broken.find("failure") is not None
    assert "AssertionError" in (broken.find("failure").text or "")
    tempest = next(c for c in suite.iter("testcase") if c.get("classname", "").startswith("tem"))
    assert tempest.get("classname") == "tempest.api.image.v2.test_images.BasicOperationsImagesTest"
    assert tempest.get("name", "").startswith("test_register_upload[id-")
    assert cases[DNS].find("skipped").get("message", "").startswith("known failure:")
    assert cases[FLAKY].find("failure") is None


def test_report_command_on_run_folder_is_idempotent(tmp_path: Path, capsys) -> None:
    _, lane_dir = _reports(tmp_path)
    (tmp_path / "results.subunit").rename(lane_dir / "results.subunit")
    before = json.loads((lane_dir / "summary.json").read_text())
    (lane_dir / "junit.xml").unlink()
    assert main(["report", str(tmp_path)]) == 0
    assert json.loads((lane_dir / "summary.json").read_text()) == before
    assert (lane_dir / "junit.xml").is_file()
    assert "unit" in capsys.readouterr().out


def test_report_lane_stream_elsewhere_keeps_classification(tmp_path: Path) -> None:
    _, lane_dir = _reports(tmp_path)
    (tmp_path / "results.subunit").rename(lane_dir / "results.subunit")
    assert main(["report", str(lane_dir / "results.subunit"), "--out", str(tmp_path / "o")]) == 0
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert (summary["lane"], summary["failed"], summary["flaky"]) == ("unit", 2, 1)


def test_report_command_on_stream_with_out(tmp_path: Path) -> None:
    stream = mixed_stream(tmp_path / "results.subunit")
    assert main(["report", str(stream), "--out", str(tmp_path / "r")]) == 0
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["failed"] == 4  # no known/flaky lists: every failure is unexpected


def test_report_command_bad_path(tmp_path: Path, capsys) -> None:
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_report_refuses_a_file_that_is_not_subunit_v2(tmp_path: Path, capsys) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("this is a log, not a stream\n")
    assert main(["report", str(junk)]) == 2
    assert "no test results in subunit v2 format" in capsys.readouterr().err
