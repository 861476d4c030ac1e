"""The lane's HTML report: one self-contained page (inline CSS, no script, no links out).

Sections, in the order a reader acts on them: unexpected failures with their
tracebacks, flaky tests, known failures with their reasons, skipped tests with their
reasons, the slowest tests, then the full list folded away. Every piece of text
from the stream is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from html import escape

from winci.results.stream import TestCase
from winci.results.summary import LaneResults

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%}td,th{padding:2px 8px;text-align:left;
vertical-align:top;border-bottom:1px solid #eee}th{background:#f4f4f4}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
pre{background:#f8f8f8;border:1px solid #ddd;padding:6px;overflow:auto;max-height:40em;
white-space:pre-wrap;word-break:break-word}
.fail{color:#b00020}.pass{color:#1b7f2a}.skip{color:#8a6d00}.flaky{color:#a04a00}
.cards span{display:inline-block;margin-right:1.2em;font-weight:600}
code{font-size:13px;word-break:break-all}summary{cursor:pointer}
"""

_STATUS_CLASS = {"success": "pass", "xfail": "pass", "skip": "skip",
                 "fail": "fail", "uxsuccess": "fail"}


def _fmt_s(seconds: float) -> str:
    return f"{seconds:.3f}"


def _attachments(case: TestCase, first: str) -> str:
    """The main text first, then the other captured attachments folded away."""
    parts = [f"<pre>{escape(first)}</pre>"] if first else []
    for name, text in case.attachments.items():
        if not text.strip() or text.strip() == first:
            continue
        parts.append(f"<details><summary>{escape(name)}</summary>"
                     f"<pre>{escape(text)}</pre></details>")
    return "".join(parts)


def _suites(suites: Mapping[str, Mapping[str, int]]) -> list[str]:
    """The counts of each suite of the lane, one line each."""
    return [f"<p class=cards><span><code>{escape(name)}</code>: {c['total']} tests</span>"
            f"<span class=pass>{c['passed']} passed</span>"
            f"<span class=fail>{c['failed']} failed</span>"
            f"<span class=flaky>{c['flaky']} flaky</span>"
            f"<span>{c['known_failures']} known failures</span>"
            f"<span class=skip>{c['skipped']} skipped</span></p>"
            for name, c in suites.items()]


def render(res: LaneResults, *, title: str | None = None,
           suites: Mapping[str, Mapping[str, int]] | None = None) -> str:
    s = res.summary()
    title = title or f"winci {res.lane} lane"
    out: list[str] = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1><p class=cards>",
        f"<span>{s.total} tests</span><span class=pass>{s.passed} passed</span>",
        f"<span class=fail>{s.failed} failed</span>",
        f"<span class=flaky>{s.flaky} flaky</span>",
        f"<span>{s.known_failures} known failures</span>",
        f"<span class=skip>{s.skipped} skipped</span>",
        f"<span>{_fmt_s(s.duration_s)} s</span></p>",
        *_suites(suites or {}),
        f"<p>Generated {escape(datetime.now(UTC).strftime('%Y-%m-%d %H:%M:%S UTC'))}.</p>",
    ]
    out.append(f"<h2 id=failures class=fail>Failures ({len(res.failures)})</h2>")
    if not res.failures:
        out.append("<p>No unexpected failure.</p>")
    for case in res.failures:
        out.append(f"<h3><code>{escape(case.test_id)}</code> "
                   f"<small>({escape(case.status)}, {_fmt_s(case.duration_s)} s)</small></h3>")
        out.append(_attachments(case, case.details))
    out.append(f"<h2 id=flaky class=flaky>Flaky: failed, then passed on retry "
               f"({len(res.flaky)})</h2>")
    for case in res.flaky:
        out.append(f"<details><summary><code>{escape(case.test_id)}</code></summary>"
                   f"{_attachments(case, case.details)}</details>")
    out.append(f"<h2 id=known>Known failures ({len(res.known)})</h2>")
    if res.known:
        out.append("<table><tr><th>Test</th><th>Reason</th></tr>")
        for case, reason in res.known:
            out.append(f"<tr><td><details><summary><code>{escape(case.test_id)}</code>"
                       f"</summary>{_attachments(case, case.details)}</details></td>"
                       f"<td>{escape(reason)}</td></tr>")
        out.append("</table>")
    out.append(f"<h2 id=skipped class=skip>Skipped ({len(res.skips)})</h2>")
    if res.skips:
        out.append("<table><tr><th>Test</th><th>Reason</th></tr>")
        out.extend(f"<tr><td><code>{escape(c.test_id)}</code></td>"
                   f"<td>{escape(c.details)}</td></tr>" for c in res.skips)
        out.append("</table>")
    slowest = res.slowest()
    out.append(f"<h2 id=slowest>Slowest tests ({len(slowest)})</h2>"
               "<table><tr><th>Test</th><th>Seconds</th></tr>")
    out.extend(f"<tr><td><code>{escape(c.test_id)}</code></td>"
               f"<td class=n>{_fmt_s(c.duration_s)}</td></tr>" for c in slowest)
    out.append("</table>")
    out.append(f"<h2 id=all>All tests ({len(res.cases)})</h2><details><summary>Show "
               "all tests</summary><table><tr><th>Test</th><th>Status</th><th>Seconds</th></tr>")
    flaky_ids = {c.test_id for c in res.flaky}
    known_ids = {c.test_id for c, _ in res.known}
    for c in sorted(res.cases, key=lambda c: c.test_id):
        if c.test_id in flaky_ids:
            label, cls = "flaky", "flaky"
        elif c.test_id in known_ids:
            label, cls = "known failure", "skip"
        else:
            label, cls = c.status, _STATUS_CLASS.get(c.status, "")
        out.append(f"<tr><td><code>{escape(c.test_id)}</code></td><td class={cls}>{label}</td>"
                   f"<td class=n>{_fmt_s(c.duration_s)}</td></tr>")
    out.append("</table></details></body></html>\n")
    return "".join(out)
