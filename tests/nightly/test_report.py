"""The nightly report from the history alone: synthetic nightly runs in a SQLite file."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.history.runs import make_run_dir
from winci.cli import main
from winci.history import History, import_run
from winci.nightly.report import build_report, render_html, svg_chart, write_report

STABLE = "glance.tests.unit.test_a.T.test_stable"
BROKE = "glance.tests.unit.test_b.T.test_broke_on_22nd"
WOBBLY = "glance.tests.unit.test_c.T.test_alternates"
FUNC = "glance.tests.functional.test_x.T.test_ok"

NIGHTS = {
    "2026-11-20": {BROKE: "success", WOBBLY: "success"},
    "2026-11-21": {BROKE: "success", WOBBLY: "fail"},
    "2026-11-22": {BROKE: "fail", WOBBLY: "success"},
    "2026-11-23": {BROKE: "fail", WOBBLY: "fail"},
}


def seed(tmp_path: Path, nights: dict[str, dict[str, str]] = NIGHTS) -> str:
    url = f"sqlite:///{(tmp_path / 'h.sqlite').as_posix()}"
    with History(url) as history:
        for i, (night, statuses) in enumerate(nights.items()):
            unit = [(STABLE, "success", 1.0 + i)]
            unit += [(tid, status, 0.5) for tid, status in statuses.items()]
            import_run(history, make_run_dir(
                tmp_path / "runs", f"nightly-{night}", f"{night}T02:00:00Z",
                {"unit": unit, "functional": [(FUNC, "success", 2.0)]}, kind="nightly"))
        # an ordinary run must not show up in the nightly report
        import_run(history, make_run_dir(tmp_path / "runs", "check-1", "2026-11-23T12:00:00Z",
                                         {"unit": [(BROKE, "success", 0.5)],
                                          "tempest": [("tempest.x", "fail", 1.0)]}))
    return url


def test_report_regression_first_failed_trend_and_offline(tmp_path: Path) -> None:
    url = seed(tmp_path)
    with History(url) as history:
        report = build_report(history, nights=14)
    assert [lr.lane for lr in report.lanes] == ["unit", "functional"]  # no tempest nightly
    regs = {r.test_id: r for r in report.regressions}
    assert set(regs) == {BROKE}
    assert regs[BROKE].first_failed_run == "nightly-2026-11-22"
    unit = report.lanes[0]
    assert [p.run_id for p in unit.trend] == [f"nightly-{n}" for n in NIGHTS]
    assert {t for _, t in unit.findings.flaky} == {WOBBLY}
    assert unit.comparison is not None
    assert (unit.comparison.a, unit.comparison.b) == ("nightly-2026-11-22", "nightly-2026-11-23")
    assert [t for _, t in unit.comparison.new_failures] == [WOBBLY]

    html_path = write_report(report, tmp_path / "out")
    html = html_path.read_text()
    # the regression, with the date it first failed
    row = re.search(r"<tr><td>unit</td><td><code>([^<]+)</code></td><td>([^<]+)</td>"
                    r"<td>([^<]+)</td>", html)
    assert row is not None
    assert row.groups() == (BROKE, "2026-11-22 02:00", "nightly-2026-11-22")
    # one set of three inline SVG plots per lane, one point per night
    assert html.count("<svg") == 6
    unit_charts = html.split("<h2>Lane unit</h2>")[1].split("<h2>")[0]
    assert unit_charts.count("<circle") == 3 * len(NIGHTS)
    assert "<title>11-23: 2</title>" in unit_charts  # failed on the 23rd: BROKE, WOBBLY
    # self-contained: no script, no external reference of any kind
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert not re.search(r'\b(src|href)=', html)
    data = json.loads((tmp_path / "out" / "nightly-report.json").read_text())
    assert data["lanes"]["unit"]["regressions"][0]["first_failed"] == "2026-11-22T02:00:00"
    assert data["lanes"]["functional"]["regressions"] == []


def test_window_hides_old_passes(tmp_path: Path) -> None:
    url = seed(tmp_path)
    with History(url) as history:
        report = build_report(history, ["unit"], nights=2)
    # over the last two nights BROKE never passed: still failing, not a regression;
    # WOBBLY's one flip (pass, then fail) looks like a new regression in so short a window
    assert [(r.test_id, r.new) for r in report.regressions] == [(WOBBLY, True)]
    assert [t for _, t in report.lanes[0].findings.still_failing] == [BROKE]


def test_report_only_cli_exit_codes(tmp_path: Path, capsys) -> None:
    url = seed(tmp_path)
    out = tmp_path / "report"
    code = main(["nightly", "--report-only", "--history-url", url, "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 1
    assert f"REGRESSION unit: {BROKE}  first failed 2026-11-22 02:00 in nightly-2026-11-22" \
        in text
    assert (out / "nightly-report.html").is_file()
    # a history whose latest night is green: exit 0
    green = dict(NIGHTS) | {"2026-11-24": {BROKE: "success", WOBBLY: "success"}}
    url2 = seed(tmp_path / "green", green)
    assert main(["nightly", "--report-only", "--history-url", url2, "--out", str(out)]) == 0
    # an empty history is a usage error, not a crash
    empty = f"sqlite:///{(tmp_path / 'empty.sqlite').as_posix()}"
    assert main(["nightly", "--report-only", "--history-url", empty, "--out", str(out)]) == 2


def test_svg_chart_escapes_and_scales() -> None:
    svg = svg_chart("a<b", ["n1", "n2"], [0, 10], color="#000")
    assert "a&lt;b" in svg and "a<b" not in svg
    ys = [float(m) for m in re.findall(r'cy="([\d.]+)"', svg)]
    assert ys[0] > ys[1]  # 0 at the bottom, the peak at the top
    assert "no runs" in svg_chart("x", [], [], color="#000")


def test_render_escapes_test_ids(tmp_path: Path) -> None:
    nasty = "glance.tests.unit.test_<script>.T.test_x"
    url = seed(tmp_path, {"2026-11-20": {nasty: "success"}, "2026-11-21": {nasty: "fail"}})
    with History(url) as history:
        html = render_html(build_report(history, ["unit"]))
    assert "<script>" not in html and "test_&lt;script&gt;" in html
