"""Write a lane's reports, and regenerate them for a stream or a whole run folder."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from winci.errors import UsageError
from winci.results import html, junit
from winci.results.stream import TestCase, parse_stream
from winci.results.summary import LaneResults, Suite
from winci.runfolder import HTML, JUNIT, SUBUNIT, LaneFolder, LaneSummary, RunFolder


def write_lane_reports(cases: list[TestCase], out_dir: Path, *, lane: str,
                       known_failures: Mapping[str, str] | None = None,
                       flaky: Collection[str] = (), title: str | None = None,
                       platform: Mapping[str, Any] | None = None,
                       suites: Sequence[Suite] = ()) -> LaneSummary:
    """Write ``summary.json``, ``testr_results.html`` and ``junit.xml`` into ``out_dir``.

    ``known_failures`` maps test ids (with or without ``[...]`` attributes) to the
    reason they are expected to fail; ``flaky`` lists the ids that failed and then
    passed their isolated retry. ``platform`` (where the tests ran: its label, the
    interpreter's ``sys.version``, Wine's version) goes into the summary and the
    report's heading. A lane that runs several ``suites`` gets their counts apart
    (``summary.json``'s ``suites``, the report's heading). Returns the summary.
    """
    res = LaneResults.classify(cases, lane=lane, known_failures=known_failures, flaky=flaky)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = res.summary()
    by_suite = res.suite_counts(suites) if suites else {}
    if by_suite:  # with each suite's prefix, so that `winci report` counts them again
        prefixes = {suite.name: suite.prefix for suite in suites}
        summary.extra["suites"] = {name: {"prefix": prefixes.get(name, ""), **counts}
                                   for name, counts in by_suite.items()}
    if platform:
        summary.extra["platform"] = dict(platform)
        title = f"{title or f'winci {lane} lane'} on {platform_line(platform)}"
    LaneFolder(out_dir).write_summary(summary)
    (out_dir / HTML).write_text(html.render(res, title=title, suites=by_suite),
                                encoding="utf-8")
    junit.write(res, out_dir / JUNIT)
    return summary


def platform_line(platform: Mapping[str, Any]) -> str:
    """``Windows CPython under Wine (Python 3.12.9 ..., wine-8.0)``: what ran the tests."""
    details = [str(platform[k]) for k in ("python", "wine") if platform.get(k)]
    label = str(platform.get("label") or platform.get("name") or "?")
    return label + (f" ({'; '.join(details)})" if details else "")


def classification(summary: LaneSummary | None) -> tuple[dict[str, str], list[str]]:
    """The known failures and flaky ids recorded in an existing ``summary.json``."""
    return summary.classification() if summary is not None else ({}, [])


def recorded_suites(summary: LaneSummary | None) -> list[Suite]:
    """The suites an existing ``summary.json`` counted apart (``suites``, with prefixes)."""
    raw = summary.extra.get("suites") if summary is not None else None
    if not isinstance(raw, Mapping):
        return []
    return [Suite(str(name), str(info["prefix"])) for name, info in raw.items()
            if isinstance(info, Mapping) and info.get("prefix")]


def report(source: Path, out: Path | None = None, *,
           lane: str | None = None) -> list[tuple[str, Path, LaneSummary]]:
    """Regenerate the reports of a subunit stream or of every lane of a run folder.

    For a run folder the reports go beside each lane's stream (or ``out/<lane>``);
    the known failures and flaky ids come from the lane's existing ``summary.json``,
    so regenerating gives the same result. For a stream, the reports go into
    ``out`` (default: the stream's folder). Returns ``(lane, report dir, summary)``
    for each lane.
    """
    if not source.exists():
        raise UsageError(f"{source} does not exist", "give a subunit stream or a run folder")
    if source.is_dir():
        lanes = RunFolder(source).lanes()
        if not lanes:
            raise UsageError(f"{source} holds no <lane>/{SUBUNIT}",
                             "give a run folder written by `winci run`, or a subunit stream")
        items = [(d.name, d.stream, (out / d.name) if out else d.path, d.path) for d in lanes]
    else:
        dest = out or source.parent
        in_lane_dir = source.name == SUBUNIT
        name = lane or (source.parent.name if in_lane_dir else source.stem)
        # a lane's results.subunit: its known/flaky lists are in the summary beside it
        items = [(name, source, dest, source.parent if in_lane_dir else dest)]
    result = []
    for name, stream, dest, previous in items:
        earlier = LaneFolder(previous).read_summary()
        known, flaky = classification(earlier)
        summary = write_lane_reports(parse_stream(stream, strict=True), dest, lane=name,
                                     known_failures=known, flaky=flaky,
                                     suites=recorded_suites(earlier))
        result.append((name, dest, summary))
    return result
