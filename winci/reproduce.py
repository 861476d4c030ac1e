"""Re-run a CI build's failed tests here, several times: a real failure or a flaky one?

A build is read from its logs as Zuul publishes them (``SOURCE`` is the log URL or a
downloaded copy of that folder)::

    <log root>/zuul-info/inventory.yaml     Zuul's inventory: vars.zuul (change, patchset,
                                            ref, project, job, pipeline, build)
    <log root>/winci-run/manifest.json      the run folder, where the winci-fetch-results
    <log root>/winci-run/verdict.json       role unpacks it (jobs/roles/winci-fetch-results)
    <log root>/winci-run/<lane>/summary.json
    <log root>/winci-run/<lane>/results.subunit

``SOURCE`` may also be the run folder itself (``manifest.json`` at its top); the
inventory is then looked for in ``../zuul-info/``. From a URL only the files above are
downloaded (the streams only for the lanes being reproduced), into ``<out>/build/``
with the same layout, so that copy can be given again later, offline.

The failed tests are the lane's unexpected failures: ``summary.json``'s ``failures``,
or, without a summary, the failing tests of the subunit stream. Each lane is then run
``repeat`` times through :func:`winci.runs.execute` with a filter matching exactly
those ids, no isolated retry and no history record, against the same Glance source,
with the patch queue as the build had it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from winci import __version__
from winci.errors import EXIT_FAILURES, EXIT_INFRA, EXIT_OK, InfraError, UsageError
from winci.history.runfolder import read_json
from winci.results import FAILING, LaneResults, base_id, parse_stream
from winci.results.report import SUBUNIT, SUMMARY, classification, read_summary
from winci.ui import Progress, table
from winci.worktree.sources import DEFAULT_GLANCE_VERSION

#: the run folder's name under the build's log root (jobs/roles/winci-fetch-results)
LOG_RUN_DIR = "winci-run"
INVENTORY = "zuul-info/inventory.yaml"
MANIFEST = "manifest.json"
VERDICT = "verdict.json"
DEFAULT_REPEAT = 3
GLANCE_REVIEW = "https://review.opendev.org/openstack/glance"
GLANCE_GIT = "https://opendev.org/openstack/glance"

REAL = "fails every time (real failure)"
FLAKY = "fails sometimes (flaky)"
PASSES = "passes here (environment-specific or fixed)"
NOT_RUN = "did not run here (see the run folders)"

PASSING = frozenset({"success", "xfail"})


@dataclass
class Build:
    """What a CI build ran, read from its logs."""

    source: str
    run_dir: Path
    manifest: dict[str, Any]
    verdict: dict[str, Any]
    zuul: dict[str, Any] = field(default_factory=dict)

    def zuul_value(self, key: str) -> str | None:
        value = self.zuul.get(key)
        if isinstance(value, Mapping):  # inventory: project is {name, short_name, ...}
            value = value.get("name")
        if value in (None, ""):
            value = (self.manifest.get("zuul") or {}).get(key)
        if value in (None, "") and key in ("change", "patchset"):
            value = (self.manifest.get("glance") or {}).get(key)
        return None if value in (None, "") else str(value)

    @property
    def glance(self) -> dict[str, Any]:
        return dict(self.manifest.get("glance") or {})

    @property
    def glance_kind(self) -> str | None:
        g = self.glance
        kind = g.get("source") or g.get("kind")
        return str(kind) if kind else None

    @property
    def lanes(self) -> list[str]:
        lanes = self.manifest.get("lanes") or list((self.verdict.get("lanes") or {}).keys())
        return [str(lane) for lane in lanes]

    @property
    def queue_hash(self) -> str | None:
        value = (self.manifest.get("patches") or {}).get("queue_hash")
        return str(value) if value else None

    @property
    def patches_used(self) -> bool:
        options = self.manifest.get("options") or {}
        if "patches" in options:
            return bool(options["patches"])
        return bool((self.manifest.get("patches") or {}).get("applied", True))


# -- reading the build --------------------------------------------------------------------

def read_inventory(path: Path) -> dict[str, Any]:
    """The ``zuul`` variables of Zuul's ``zuul-info/inventory.yaml`` (empty if absent)."""
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        return {}
    zuul = ((data.get("all") or {}).get("vars") or {}).get("zuul")
    return dict(zuul) if isinstance(zuul, dict) else {}


def find_run_dir(folder: Path) -> tuple[Path, Path | None]:
    """(run folder, inventory file or None) of a log root or of a run folder."""
    if (folder / LOG_RUN_DIR / MANIFEST).is_file():
        return folder / LOG_RUN_DIR, folder / INVENTORY
    if (folder / MANIFEST).is_file():
        return folder, folder.parent / INVENTORY
    raise UsageError(
        f"{folder} is not a winci build's log folder (no {LOG_RUN_DIR}/{MANIFEST} "
        f"nor {MANIFEST} in it)",
        f"give the build's log root (with {INVENTORY} and {LOG_RUN_DIR}/) or its run folder")


def load_build(folder: Path, source: str | None = None) -> Build:
    run_dir, inventory = find_run_dir(folder)
    zuul = read_inventory(inventory) if inventory is not None else {}
    return Build(source or str(folder), run_dir, read_json(run_dir / MANIFEST),
                 read_json(run_dir / VERDICT), zuul)


def lanes_with_failures(build: Build, *, include_flaky: bool = False) -> list[str]:
    """Lanes that verdict.json says had unexpected (or, optionally, flaky) failures."""
    lanes = []
    for lane, info in (build.verdict.get("lanes") or {}).items():
        if isinstance(info, Mapping) and (int(info.get("failed") or 0) > 0 or (
                include_flaky and int(info.get("flaky") or 0) > 0)):
            lanes.append(str(lane))
    return lanes


def failed_tests(run_dir: Path, lane: str, *, include_flaky: bool = False) -> list[str]:
    """The lane's unexpected failures (base ids): from summary.json, else the stream."""
    lane_dir = run_dir / lane
    summary = read_summary(lane_dir)
    ids: list[str] = []
    if summary is not None and isinstance(summary.get("failures"), list):
        ids = [str(f["id"]) for f in summary["failures"] if isinstance(f, Mapping)]
        if include_flaky:
            ids += [str(t) for t in summary.get("flaky_tests") or []]
    elif (lane_dir / SUBUNIT).is_file():
        known, flaky = classification(summary)
        res = LaneResults.classify(parse_stream(lane_dir / SUBUNIT), lane=lane,
                                   known_failures=known, flaky=flaky)
        ids = [c.test_id for c in res.failures]
        if include_flaky:
            ids += [c.test_id for c in res.flaky]
    else:
        raise UsageError(f"{lane_dir} has neither {SUMMARY} nor {SUBUNIT}",
                         "the build's logs are incomplete: download the lane folder too")
    return sorted({base_id(i) for i in ids})


def exact_filter(ids: Sequence[str]) -> str:
    """A stestr filter matching exactly ``ids`` (with or without ``[...]`` attributes)."""
    if not ids:
        raise UsageError("no test to re-run")
    alternatives = "|".join(re.escape(base_id(i)) for i in sorted(set(ids)))
    return rf"^(?:{alternatives})(?:\[[^\]]*\])?$"


# -- downloading a build's logs -----------------------------------------------------------

def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _get(session: Any, url: str, dest: Path, *, required: bool) -> bool:
    import requests

    try:
        with session.get(url, stream=True, timeout=(10, 300)) as resp:
            if resp.status_code == 404 and not required:
                return False
            if resp.status_code == 404:
                raise UsageError(f"{url} not found (404)",
                                 "give the log URL of a winci build (its log root, with "
                                 f"{LOG_RUN_DIR}/ and {INVENTORY})")
            resp.raise_for_status()
            dest.parent.mkdir(parents=True, exist_ok=True)
            part = dest.with_name(dest.name + ".part")
            with part.open("wb") as fh:
                for chunk in resp.iter_content(chunk_size=1 << 16):
                    fh.write(chunk)
            part.replace(dest)
            return True
    except requests.RequestException as exc:
        raise InfraError(f"cannot download {url}: {exc.__class__.__name__}: {exc}",
                         "check the URL and the network, or download the log folder and "
                         "give its path") from None


def download(url: str, dest: Path, *, lanes: Sequence[str] | None = None,
             include_flaky: bool = False, say: Callable[[str], None] = print) -> Path:
    """Download what reproduce needs from a build's log URL into ``dest`` (same layout)."""
    import requests

    base = url if url.endswith("/") else url + "/"
    if base.rstrip("/").endswith("/" + LOG_RUN_DIR):  # the run folder's URL: go up one
        base = base.rstrip("/")[: -len(LOG_RUN_DIR)]
    run = f"{LOG_RUN_DIR}/"
    with requests.Session() as session:
        say(f"downloading the build's logs from {base} into {dest}")
        got_inventory = _get(session, base + INVENTORY, dest / INVENTORY, required=False)
        if not got_inventory:
            say(f"  note: no {INVENTORY} there: change, patch set and ref come from the "
                "manifest only")
        _get(session, base + run + MANIFEST, dest / LOG_RUN_DIR / MANIFEST, required=True)
        _get(session, base + run + VERDICT, dest / LOG_RUN_DIR / VERDICT, required=True)
        build = load_build(dest, url)
        wanted = list(lanes) if lanes else lanes_with_failures(build,
                                                               include_flaky=include_flaky)
        for lane in wanted:
            lane_dir = dest / LOG_RUN_DIR / lane
            has_summary = _get(session, f"{base}{run}{lane}/{SUMMARY}", lane_dir / SUMMARY,
                               required=False)
            has_stream = _get(session, f"{base}{run}{lane}/{SUBUNIT}", lane_dir / SUBUNIT,
                              required=False)
            if not (has_summary or has_stream):
                raise UsageError(f"{base}{run}{lane}/ has neither {SUMMARY} nor {SUBUNIT}",
                                 f"is {lane!r} a lane of that build?")
    return dest


# -- rebuilding the environment ------------------------------------------------------------

def change_ref(change: str, patchset: str) -> str:
    """Gerrit's ref of a patch set: refs/changes/<last two digits>/<change>/<patchset>."""
    return f"refs/changes/{change[-2:].rjust(2, '0')}/{change}/{patchset}"


def how_to_get_tree(build: Build) -> str:
    """Instructions to get the Glance tree a build tested."""
    change, patchset = build.zuul_value("change"), build.zuul_value("patchset")
    project = build.zuul_value("project") or ""
    glance = build.glance
    clone = f"git clone {GLANCE_GIT} glance && cd glance"
    if change and patchset and project.endswith("glance"):
        ref = build.zuul_value("ref") or change_ref(change, patchset)
        if not ref.startswith("refs/changes/"):
            ref = change_ref(change, patchset)
        return (f"{clone} && git fetch {GLANCE_REVIEW} {ref} && git checkout FETCH_HEAD, "
                "then pass --glance-src PATH")
    if glance.get("git_sha"):
        return (f"{clone} && git checkout {glance['git_sha']}, then pass --glance-src PATH "
                f"(the build tested {glance.get('git_ref') or 'that commit'})")
    return "pass --glance-src PATH with the Glance tree the build tested"


def describe_source(build: Build) -> str:
    g = build.glance
    parts = [f"{build.glance_kind or 'unknown'} {g.get('version') or '?'}"]
    if g.get("git_ref") or g.get("git_sha"):
        parts.append(f"ref {g.get('git_ref') or '-'} sha {str(g.get('git_sha') or '-')[:12]}")
    return ", ".join(parts)


def current_queue_hash() -> str | None:
    try:
        from winci.patches import load_queue, queue_hash
    except ImportError:
        return None
    queue = load_queue()
    return queue_hash(queue) if queue else None


@dataclass
class Plan:
    glance_src: Path | None
    patches: bool
    db: str
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def plan_environment(build: Build, glance_src: Path | None,
                     fetch_release: Callable[[str], Path] | None = None) -> Plan:
    """The Glance source, patch queue and database to use here, with what differs."""
    notes: list[str] = []
    warnings: list[str] = []
    options = build.manifest.get("options") or {}
    db = str(options.get("db") or "mysql")
    if db not in ("mysql", "sqlite"):
        db = "mysql"
    version = build.glance.get("version")
    if glance_src is not None:
        notes.append(f"Glance: --glance-src {glance_src} (the build tested "
                     f"{describe_source(build)})")
    elif build.glance_kind == "pypi":
        if version and version != DEFAULT_GLANCE_VERSION:
            if fetch_release is None:
                raise UsageError(f"the build tested Glance {version} from PyPI",
                                 "pass --glance-src with that release's tree")
            glance_src = fetch_release(str(version))
        notes.append(f"Glance: {version or DEFAULT_GLANCE_VERSION} from PyPI, as the build")
    else:
        raise UsageError(
            f"the build tested a Glance tree ({describe_source(build)}), which is not here",
            how_to_get_tree(build))
    recorded, current = build.queue_hash, current_queue_hash()
    if recorded != current:
        warnings.append(f"the patch queue differs from the build's: queue hash {current} "
                        f"here, {recorded} in the build (check out the winci commit the "
                        "build used to get the same queue)")
    built_with = build.manifest.get("winci_version")
    if built_with and built_with != __version__:
        warnings.append(f"winci {__version__} here, {built_with} in the build")
    if not build.patches_used:
        notes.append("patch queue: not applied, as in the build (--no-patches)")
    return Plan(glance_src, build.patches_used, db, notes, warnings)


# -- re-running ----------------------------------------------------------------------------

@dataclass
class ReproduceOptions:
    source: str
    repeat: int = DEFAULT_REPEAT
    glance_src: Path | None = None
    lane: str | None = None
    out: Path | None = None
    include_flaky: bool = False
    concurrency: int | None = None
    history_url: str | None = None


@dataclass
class TestRow:
    __test__ = False  # not a pytest test class

    lane: str
    test_id: str
    runs: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def classification(self) -> str:
        return classify(self.runs, self.failed, self.passed)

    def as_dict(self) -> dict[str, Any]:
        return {"lane": self.lane, "id": self.test_id, "runs": self.runs,
                "passed": self.passed, "failed": self.failed, "skipped": self.skipped,
                "classification": self.classification}


@dataclass
class ReproduceResult:
    build: Build
    out_dir: Path
    plan: Plan
    rows: list[TestRow] = field(default_factory=list)
    run_dirs: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if any(r.classification == REAL for r in self.rows):
            return EXIT_FAILURES
        if self.rows and all(r.runs == 0 for r in self.rows) and self.errors:
            return EXIT_INFRA
        return EXIT_OK


def classify(runs: int, failed: int, passed: int) -> str:
    if runs == 0 or (failed == 0 and passed == 0):
        return NOT_RUN
    if failed == runs:
        return REAL
    if failed > 0:
        return FLAKY
    return PASSES


def tally(rows: Mapping[str, TestRow], stream: Path) -> None:
    """Count each wanted test's outcome in one repeat's stream."""
    if not stream.is_file():
        return
    for case in parse_stream(stream):
        row = rows.get(case.base_id)
        if row is None:
            continue
        if case.status in FAILING:
            row.runs, row.failed = row.runs + 1, row.failed + 1
        elif case.status in PASSING:
            row.runs, row.passed = row.runs + 1, row.passed + 1
        else:
            row.skipped += 1


def locate(opts: ReproduceOptions, out_dir: Path, progress: Progress) -> Build:
    """The build, downloaded into ``out_dir/build`` first when SOURCE is a URL."""
    if is_url(opts.source):
        folder = download(opts.source, out_dir / "build",
                          lanes=[opts.lane] if opts.lane else None,
                          include_flaky=opts.include_flaky, say=progress.say)
        return load_build(folder, opts.source)
    folder = Path(opts.source).expanduser()
    if not folder.is_dir():
        raise UsageError(f"{opts.source} is neither an http(s) URL nor a folder",
                         "give a Zuul build's log URL or a downloaded log folder")
    return load_build(folder.resolve(), opts.source)


def reproduce(opts: ReproduceOptions, progress: Progress | None = None,
              execute: Callable[..., Any] | None = None) -> ReproduceResult:
    """Read the build, rebuild its environment, re-run its failed tests ``repeat`` times."""
    from winci.runs import RunOptions
    from winci.runs import execute as run_execute

    progress = progress or Progress()
    execute = execute or run_execute
    if opts.repeat < 1:
        raise UsageError("--repeat must be at least 1")
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out_dir = (opts.out or Path("winci-results") / f"reproduce-{stamp}").resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    build = locate(opts, out_dir, progress)
    if opts.lane is not None and opts.lane not in build.lanes:
        raise UsageError(f"the build has no lane {opts.lane!r}",
                         f"its lanes are: {', '.join(build.lanes) or 'none'}")
    lanes = [opts.lane] if opts.lane else lanes_with_failures(
        build, include_flaky=opts.include_flaky)
    failed = {lane: failed_tests(build.run_dir, lane, include_flaky=opts.include_flaky)
              for lane in lanes}
    failed = {lane: ids for lane, ids in failed.items() if ids}

    def fetch_release(version: str) -> Path:
        from winci.procs import Runner
        from winci.worktree.sources import fetch_pypi_release

        with Runner(out_dir / "logs") as runner:
            return fetch_pypi_release(version, runner)

    say = progress.say
    say(f"build: {build.source}")
    for key in ("project", "change", "patchset", "ref", "job", "pipeline"):
        value = build.zuul_value(key)
        if value:
            say(f"  {key}: {value}")
    say(f"  winci {build.manifest.get('winci_version') or '?'}, patch queue "
        f"{build.queue_hash or '-'}, Glance {describe_source(build)}, verdict "
        f"{build.verdict.get('verdict') or '?'}")
    if not failed:
        # nothing to rebuild: a build that ended in ERROR may not even name its source
        say("the build has no failed test to re-run"
            + (f" in lane {opts.lane}" if opts.lane else ""))
        result = ReproduceResult(build, out_dir, Plan(opts.glance_src, build.patches_used,
                                                      "mysql"))
        write_json(result)
        return result
    plan = plan_environment(build, opts.glance_src, fetch_release)
    result = ReproduceResult(build, out_dir, plan)
    for note in plan.notes:
        say(f"  {note}")
    for warning in plan.warnings:
        say(f"  warning: {warning}")
    for lane, ids in failed.items():
        say(f"lane {lane}: {len(ids)} failed test(s), {opts.repeat} repeat(s)")
        rows = {i: TestRow(lane, i) for i in ids}
        for n in range(1, opts.repeat + 1):
            run_dir = out_dir / f"{lane}-{n}"
            run_opts = RunOptions(lanes=[lane], glance_src=plan.glance_src, out=run_dir,
                                  filter=exact_filter(ids), db=plan.db, patches=plan.patches,
                                  retry_failures=False, history=False,
                                  history_url=opts.history_url, run_kind="reproduce")
            if opts.concurrency:
                run_opts.concurrency = opts.concurrency
            say(f"repeat {n}/{opts.repeat} of lane {lane}: {run_dir}")
            res = execute(run_opts, progress)
            result.run_dirs.append(run_dir)
            if res.verdict in ("ERROR", "PATCH_CONFLICT"):
                result.errors.append(f"{lane} repeat {n}: {res.verdict}"
                                     + (f" ({res.error})" if res.error else ""))
            tally(rows, run_dir / lane / SUBUNIT)
        result.rows.extend(rows.values())
    write_json(result)
    return result


def write_json(result: ReproduceResult) -> Path:
    b = result.build
    data = {
        "source": b.source,
        "build": {k: b.zuul_value(k) for k in ("project", "change", "patchset", "ref", "job",
                                               "pipeline", "build")}
        | {"winci_version": b.manifest.get("winci_version"), "queue_hash": b.queue_hash,
           "glance": b.glance, "verdict": b.verdict.get("verdict")},
        "here": {"winci_version": __version__, "queue_hash": current_queue_hash(),
                 "glance_src": str(result.plan.glance_src) if result.plan.glance_src else None},
        "warnings": result.plan.warnings, "errors": result.errors,
        "runs": [str(p) for p in result.run_dirs],
        "tests": [r.as_dict() for r in result.rows],
    }
    path = result.out_dir / "reproduce.json"
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def format_table(result: ReproduceResult) -> str:
    rows = [[r.lane, r.test_id, r.runs, r.passed, r.failed, r.classification]
            for r in result.rows]
    lines = [table(["lane", "test", "runs", "passed", "failed", "classification"], rows)]
    lines.extend(f"warning: {w}" for w in result.plan.warnings)
    lines.extend(f"error: {e}" for e in result.errors)
    lines.append(f"results: {result.out_dir}")
    return "\n".join(lines)
