"""Test results: read subunit streams, write the lane reports (HTML, JUnit, summary)."""

from winci.results.report import report, write_lane_reports
from winci.results.stream import FAILING, STATUSES, TestCase, base_id, parse_stream
from winci.results.summary import LaneResults

__all__ = ["FAILING", "STATUSES", "LaneResults", "TestCase", "base_id", "parse_stream",
           "report", "write_lane_reports"]
