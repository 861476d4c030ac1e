"""The nightly report: trends, regressions and the change since the previous nightly.

Built from the history database alone (:func:`build_report`), so it can be regenerated
at any time (``winci nightly --report-only``) and tested on synthetic runs. The HTML
page is self-contained: inline CSS and hand-written inline SVG plots, no script, no
link to any other file or host.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from sqlalchemy import select

from winci.history import (
    Comparison,
    Findings,
    History,
    Regression,
    TrendPoint,
    compare,
    lane_findings,
    lane_runs,
    lane_trend,
)
from winci.history.models import Lane, Run
from winci.lanes.base import LANES

KIND = "nightly"
DEFAULT_NIGHTS = 14
HTML_NAME = "nightly-report.html"
JSON_NAME = "nightly-report.json"


@dataclass
class LaneReport:
    lane: str
    trend: list[TrendPoint]
    findings: Findings
    #: the lane's latest nightly against the one before it (None with fewer than two)
    comparison: Comparison | None


@dataclass
class NightlyReport:
    kind: str
    nights: int
    lanes: list[LaneReport]
    generated: datetime = field(default_factory=lambda: datetime.now(UTC))
    notes: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[Regression]:
        return [r for lane in self.lanes for r in lane.findings.regressions]

    def to_json(self) -> dict[str, Any]:
        def date(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "kind": self.kind, "nights": self.nights, "generated": date(self.generated),
            "notes": self.notes,
            "lanes": {
                lr.lane: {
                    "runs": lr.findings.runs,
                    "trend": [{"run_id": p.run_id, "started": date(p.started),
                               "verdict": p.verdict, "passed": p.passed, "failed": p.failed,
                               "flaky": p.flaky, "known_failures": p.known_failures,
                               "skipped": p.skipped, "duration_s": p.duration_s}
                              for p in lr.trend],
                    "regressions": [{"id": r.test_id, "first_failed": date(r.first_failed),
                                     "first_failed_run": r.first_failed_run,
                                     "streak": r.streak, "new": r.new}
                                    for r in lr.findings.regressions],
                    "flaky": [t for _, t in lr.findings.flaky],
                    "still_failing": [t for _, t in lr.findings.still_failing],
                    "compared": lr.comparison.to_json() if lr.comparison else None,
                } for lr in self.lanes},
        }


def history_lanes(history: History, kind: str = KIND) -> list[str]:
    """The lanes that runs of ``kind`` have, in winci's lane order."""
    with history.session() as session:
        names = set(session.scalars(select(Lane.name).join(Run, Lane.run_pk == Run.id)
                                    .where(Run.kind == kind).distinct()))
    return [lane for lane in LANES if lane in names] + sorted(names - set(LANES))


def build_report(history: History, lanes: Sequence[str] | None = None, *,
                 nights: int = DEFAULT_NIGHTS, kind: str = KIND,
                 notes: Sequence[str] = ()) -> NightlyReport:
    """Trend, findings and last-two comparison of each lane over its last ``nights`` runs."""
    lane_names = list(lanes) if lanes else history_lanes(history, kind)
    reports = []
    for lane in lane_names:
        last_two = lane_runs(history, lane, last=2, kind=kind)
        reports.append(LaneReport(
            lane, lane_trend(history, lane, last=nights, kind=kind),
            lane_findings(history, lane, last=nights, kind=kind),
            compare(last_two[0], last_two[1]) if len(last_two) == 2 else None))
    return NightlyReport(kind, nights, reports, notes=list(notes))


# -- inline SVG ---------------------------------------------------------------------------

def _fmt(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def svg_chart(title: str, labels: Sequence[str], values: Sequence[float], *, color: str,
              unit: str = "", width: int = 300, height: int = 150) -> str:
    """A small line chart (one point per night) as inline SVG, with a tooltip per point."""
    left, right, top, bottom = 44, 10, 22, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(values, default=0.0) or 1.0
    # zoom in on large, steady counts (2,400 passed, give or take a few); else from 0
    low = min(values, default=0.0)
    low = low if 0 < low < peak and low > peak / 2 else 0.0
    n = len(values)

    def x(i: int) -> float:
        return left + (plot_w / 2 if n == 1 else plot_w * i / (n - 1))

    def y(v: float) -> float:
        return top + plot_h - plot_h * (v - low) / (peak - low)

    parts = [f'<svg class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f'<text x="{left}" y="14" class="t">{escape(title)}</text>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" class="axis"/>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
             f'y2="{top + plot_h}" class="axis"/>',
             f'<text x="{left - 4}" y="{top + 4}" class="l" text-anchor="end">'
             f'{_fmt(peak)}{escape(unit)}</text>',
             f'<text x="{left - 4}" y="{top + plot_h}" class="l" text-anchor="end">'
             f'{_fmt(low)}</text>']
    if n:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" '
                     'stroke-width="2"/>')
        for i, (label, v) in enumerate(zip(labels, values, strict=True)):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{color}">'
                         f'<title>{escape(label)}: {_fmt(v)}{escape(unit)}</title></circle>')
        ends = [0, n - 1] if n > 1 else [0]
        for i, anchor in zip(ends, ("start", "end"), strict=False):
            parts.append(f'<text x="{x(i):.1f}" y="{height - 10}" class="l" '
                         f'text-anchor="{anchor if n > 1 else "middle"}">'
                         f'{escape(labels[i])}</text>')
    else:
        parts.append(f'<text x="{left + 8}" y="{top + plot_h / 2}" class="l">no runs</text>')
    parts.append("</svg>")
    return "".join(parts)


def lane_charts(trend: Sequence[TrendPoint]) -> str:
    labels = [p.started.strftime("%m-%d") if p.started else p.run_id for p in trend]
    return "".join([
        svg_chart("passed", labels, [p.passed for p in trend], color="#2e7d32"),
        svg_chart("failed", labels, [p.failed for p in trend], color="#c62828"),
        svg_chart("duration", labels, [p.duration_s for p in trend], color="#1565c0",
                  unit=" s"),
    ])


# -- HTML ---------------------------------------------------------------------------------

CSS = """
body{font-family:sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}h3{font-size:1em}
table{border-collapse:collapse;margin:.4em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.9em}
td.n{text-align:right}.bad{color:#c62828;font-weight:bold}.ok{color:#2e7d32}
code{font-size:.88em}.note{background:#fff8e1;padding:.4em .7em;border-left:4px solid #f9a825}
.chart{margin-right:1em;border:1px solid #eee}.chart .t{font-size:12px;font-weight:bold}
.chart .l{font-size:10px;fill:#555}.chart .axis{stroke:#999;stroke-width:1}
"""


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


def _rows(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{c}</td>' if isinstance(c, int | float)
                         else f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _id_list(title: str, ids: Sequence[str]) -> str:
    if not ids:
        return ""
    items = "".join(f"<li><code>{escape(t)}</code></li>" for t in ids)
    return f"<h3>{escape(title)} ({len(ids)})</h3><ul>{items}</ul>"


def render_html(report: NightlyReport) -> str:
    regressions = report.regressions
    out = ["<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
           f"<title>winci {escape(report.kind)} report</title><style>{CSS}</style></head><body>",
           f"<h1>winci {escape(report.kind)} report</h1>",
           f"<p>Generated {_date(report.generated)} UTC over the last {report.nights} "
           f"{escape(report.kind)} runs of each lane. "
           + (f'<span class="bad">{len(regressions)} regression(s)</span>' if regressions
              else '<span class="ok">no regression</span>') + "</p>"]
    out.extend(f'<p class="note">{escape(note)}</p>' for note in report.notes)
    rows: list[list[object]] = []
    for lr in report.lanes:
        last = lr.trend[-1] if lr.trend else None
        rows.append([escape(lr.lane), escape(last.run_id) if last else "-",
                     _date(last.started if last else None),
                     escape(str(last.verdict)) if last else "-",
                     last.passed if last else 0, last.failed if last else 0,
                     last.flaky if last else 0, round(last.duration_s, 1) if last else 0,
                     len(lr.findings.regressions)])
    out.append("<h2>Latest nightly per lane</h2>")
    out.append(_rows(["lane", "run", "started", "verdict", "passed", "failed", "flaky",
                      "duration (s)", "regressions"], rows))
    out.append("<h2>Regressions</h2>")
    if regressions:
        out.append("<p>Failing in the latest run after passing before: the date is the "
                   "first run of the failing streak.</p>")
        out.append(_rows(["lane", "test", "first failed", "in run", "nights failing", "new"],
                         [[escape(r.lane), f"<code>{escape(r.test_id)}</code>",
                           _date(r.first_failed), escape(r.first_failed_run), r.streak,
                           "yes" if r.new else "no"] for r in regressions]))
    else:
        out.append("<p>None.</p>")
    for lr in report.lanes:
        out.append(f"<h2>Lane {escape(lr.lane)}</h2>")
        out.append(f"<div>{lane_charts(lr.trend)}</div>")
        cmp = lr.comparison
        if cmp is not None:
            out.append(f"<p>Compared with the previous nightly ({escape(cmp.a)} to "
                       f"{escape(cmp.b)}): {len(cmp.new_failures)} new failure(s), "
                       f"{len(cmp.fixed)} fixed, {len(cmp.still_failing)} still failing, "
                       f"{cmp.added} test(s) added, {cmp.removed} removed.</p>")
            out.append(_id_list("New failures", [t for _, t in cmp.new_failures]))
            out.append(_id_list("Fixed", [t for _, t in cmp.fixed]))
        else:
            out.append("<p>No previous nightly of this lane to compare with.</p>")
        out.append(_id_list("Flaky in the window", [t for _, t in lr.findings.flaky]))
        out.append(_id_list("Failing in every run of the window where it ran",
                            [t for _, t in lr.findings.still_failing]))
    out.append("</body></html>\n")
    return "\n".join(part for part in out if part)


def write_report(report: NightlyReport, out_dir: Path) -> Path:
    """Write ``nightly-report.html`` and ``nightly-report.json``; returns the HTML path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / HTML_NAME
    html_path.write_text(render_html(report), encoding="utf-8")
    (out_dir / JSON_NAME).write_text(json.dumps(report.to_json(), indent=1) + "\n",
                                     encoding="utf-8")
    return html_path


def format_text(report: NightlyReport) -> str:
    """The terminal summary: one line per regression, then per lane its last counts."""
    lines = []
    for r in report.regressions:
        lines.append(f"REGRESSION {r.lane}: {r.test_id}  first failed "
                     f"{_date(r.first_failed)} in {r.first_failed_run}"
                     + (" (new tonight)" if r.new else f" ({r.streak} nights)"))
    for lr in report.lanes:
        last = lr.trend[-1] if lr.trend else None
        if last is None:
            lines.append(f"{lr.lane}: no {report.kind} run in the history")
            continue
        lines.append(f"{lr.lane}: {last.verdict} - {last.passed} passed, {last.failed} "
                     f"failed, {last.flaky} flaky; {len(lr.findings.regressions)} "
                     f"regression(s), {len(lr.findings.flaky)} flaky in the last "
                     f"{len(lr.trend)} run(s)")
    return "\n".join(lines)
