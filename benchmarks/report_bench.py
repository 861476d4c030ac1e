"""Benchmark: `winci report` and `winci history import` on a real lane stream,
side by side with os-testr's subunit2html on the same stream (issue 8, point 4).

    .venv/bin/python benchmarks/report_bench.py STREAM [--repeat 5] [--db-url URL]

STREAM is a subunit v2 file, e.g. a run folder's unit/results.subunit, or
`stestr last --subunit > glance-unit.subunit` in a Glance tree after its unit tests
(about 2,400 tests, 13 MB). Targets: report (HTML, JUnit and summary together) < 1 s,
history import < 2 s. subunit2html comes from .venv-tools/ostestr (scripts/test makes it
from requirements/tools-ostestr.txt) or PATH. Prints medians (min) of --repeat runs and
exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from winci.history import History, import_stream  # noqa: E402
from winci.results import parse_stream, write_lane_reports  # noqa: E402

REPORT_TARGET_S = 1.0
IMPORT_TARGET_S = 2.0


def timed(fn: Callable[[int], object], repeat: int) -> list[float]:
    times = []
    for i in range(repeat):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return times


def fmt(times: list[float]) -> str:
    return f"{statistics.median(times):7.3f} s  (min {min(times):.3f})"


def find_subunit2html(given: str | None) -> str | None:
    if given:
        return given
    venv = REPO / ".venv-tools" / "ostestr" / ("Scripts" if sys.platform == "win32" else "bin")
    for candidate in (venv / "subunit2html", venv / "subunit2html.exe"):
        if candidate.exists():
            return str(candidate)
    return shutil.which("subunit2html")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stream", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--subunit2html", help="path of os-testr's subunit2html")
    parser.add_argument("--db-url", help="also time the import into this database (e.g. a "
                                         "MariaDB URL); SQLite in a temp dir is always timed")
    args = parser.parse_args()
    if not args.stream.is_file():
        parser.error(f"{args.stream} is not a file: give a subunit v2 stream")
    size_mb = args.stream.stat().st_size / 1e6
    work = Path(tempfile.mkdtemp(prefix="winci-report-bench-"))
    rows: list[tuple[str, str, str]] = []
    ok = True
    try:
        cases = parse_stream(args.stream)
        print(f"stream: {args.stream} ({size_mb:.1f} MB, {len(cases)} tests), "
              f"{args.repeat} repeats, median (min)\n")

        parse_t = timed(lambda i: parse_stream(args.stream), args.repeat)
        rows.append(("parse the stream (in process)", fmt(parse_t), ""))

        def report(i: int) -> None:
            write_lane_reports(parse_stream(args.stream), work / f"r{i}", lane="unit")

        report_t = timed(report, args.repeat)
        met = statistics.median(report_t) < REPORT_TARGET_S
        ok &= met
        rows.append(("winci report: parse + HTML + JUnit + summary (in process)",
                     fmt(report_t), f"target < {REPORT_TARGET_S:.0f} s: "
                     + ("met" if met else "MISSED")))

        cli = [sys.executable, "-m", "winci", "report", str(args.stream), "--lane", "unit"]
        cli_t = timed(lambda i: subprocess.run([*cli, "--out", str(work / f"c{i}")],
                                               check=True, capture_output=True), args.repeat)
        rows.append(("winci report CLI (new process, incl. Python start-up)", fmt(cli_t), ""))

        s2h = find_subunit2html(args.subunit2html)
        if s2h:
            s2h_t = timed(lambda i: subprocess.run([s2h, str(args.stream),
                                                    str(work / f"s2h{i}.html")],
                                                   check=True, capture_output=True),
                          args.repeat)
            rows.append(("os-testr subunit2html CLI, HTML only (new process)", fmt(s2h_t), ""))
        else:
            rows.append(("os-testr subunit2html", "not found", "run scripts/test to make "
                         ".venv-tools/ostestr, or pass --subunit2html"))

        def sqlite_import(i: int) -> None:
            with History(f"sqlite:///{(work / f'h{i}.sqlite').as_posix()}") as history:
                import_stream(history, args.stream, run_id=f"bench-{i}")

        open_t = timed(lambda i: History(
            f"sqlite:///{(work / f'o{i}.sqlite').as_posix()}").close(), args.repeat)
        rows.append(("history: create + migrate a new SQLite file", fmt(open_t), ""))
        imp_t = timed(sqlite_import, args.repeat)
        met = statistics.median(imp_t) < IMPORT_TARGET_S
        ok &= met
        rows.append(("history import into SQLite (open + parse + insert)", fmt(imp_t),
                     f"target < {IMPORT_TARGET_S:.0f} s: " + ("met" if met else "MISSED")))
        if args.db_url:
            with History(args.db_url) as history:
                def db_import(i: int) -> None:
                    import_stream(history, args.stream, run_id="bench-report", replace=True)

                db_t = timed(db_import, args.repeat)
                rows.append((f"history import into {history.engine.dialect.name} "
                             "(parse + insert)", fmt(db_t), ""))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    width = max(len(r[0]) for r in rows)
    for name, figure, note in rows:
        print(f"{name:<{width}}  {figure:<26} {note}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
