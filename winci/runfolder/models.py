"""The files of a run folder as typed models: ``manifest.json``, ``verdict.json`` and a
lane's ``summary.json``.

``to_dict()`` gives the JSON object each file holds; ``from_dict()`` reads it back,
from this winci or from the run folders written before the models existed (those
carry no ``format_version``: they are version 1). Reading is lenient where the old
readers were (a count may be a list of ids, a missing section is empty) and strict
where a wrong value would mislead (an unknown verdict, a newer format version):
those are a :class:`~winci.errors.ConfigError` naming the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from winci.errors import ConfigError
from winci.runfolder.verdict import RUN_VERDICTS, Verdict

#: the run folder format this winci writes; files without a version are version 1
FORMAT_VERSION = 1


def check_format(data: Mapping[str, Any], where: str) -> int:
    """The file's format version; a ConfigError for one this winci cannot read."""
    version: object = data.get("format_version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ConfigError(f"{where}: format_version {version!r} is not a version number")
    if version > FORMAT_VERSION:
        raise ConfigError(f"{where} was written by an unknown format version {version} "
                          f"(this winci reads up to version {FORMAT_VERSION})",
                          "read it with the winci that wrote it, or a newer one")
    return version


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _count(value: object) -> int:
    """A count; old files and hand-written ones may hold a list of test ids instead."""
    if isinstance(value, list):
        return len(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return int(value)


def _seconds(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _object(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _objects(value: object) -> list[dict[str, Any]]:
    return [dict(v) for v in _list(value) if isinstance(v, Mapping)]


# -- manifest.json ------------------------------------------------------------------------

@dataclass
class GlanceInfo:
    """The Glance source the run tested (``manifest.json``'s ``glance``)."""

    kind: str | None = None       # "pypi", "path" or "git"
    path: str | None = None
    version: str | None = None
    git_ref: str | None = None
    git_sha: str | None = None
    source: str | None = None     # the same as kind: the name the readers use
    change: str | None = None     # the Gerrit change and patch set, under Zuul
    patchset: str | None = None

    @property
    def origin(self) -> str | None:
        """pypi, path or git: ``source``, else ``kind``."""
        return self.source or self.kind

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "version": self.version,
                "git_ref": self.git_ref, "git_sha": self.git_sha, "source": self.source,
                "change": self.change, "patchset": self.patchset}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GlanceInfo:
        return cls(**{key: _text(data.get(key)) for key in (
            "kind", "path", "version", "git_ref", "git_sha", "source", "change", "patchset")})


@dataclass
class PatchInfo:
    """Whether the Windows patch queue was applied, and which queue (its hash)."""

    applied: bool = False
    queue_hash: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"applied": self.applied, "queue_hash": self.queue_hash}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PatchInfo:
        return cls(bool(data.get("applied", False)), _text(data.get("queue_hash")))


@dataclass
class Timings:
    """Where the time went: seconds per phase, and the run from winci's start-up on."""

    phases_s: dict[str, float] = field(default_factory=dict)
    elapsed_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"phases_s": dict(self.phases_s), "elapsed_s": self.elapsed_s}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Timings:
        phases = {str(k): float(v) for k, v in _object(data.get("phases_s")).items()
                  if _seconds(v) is not None}
        return cls(phases, _seconds(data.get("elapsed_s")) or 0.0)


_MANIFEST_KEYS = ("format_version", "winci_version", "run_id", "started", "finished",
                  "glance", "patches", "lanes", "options", "backend", "platform", "pins",
                  "zuul", "images", "timings")


@dataclass
class Manifest:
    """``manifest.json``: what ran, from which source, with which options, on what.

    ``started``/``finished`` are ISO 8601 UTC as written. ``options`` is the run's
    options as given (``kind`` or ``run_kind``, ``db``, ``patches``...). ``zuul``,
    ``images`` (the docker backend's images) and ``timings`` (once the run ended) are
    None when the run had none; keys this winci does not know are kept in ``extra``.
    """

    run_id: str | None = None
    winci_version: str | None = None
    started: str | None = None
    finished: str | None = None
    glance: GlanceInfo | None = None
    patches: PatchInfo = field(default_factory=PatchInfo)
    lanes: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    backend: str | None = None
    platform: dict[str, Any] = field(default_factory=dict)
    pins: dict[str, Any] = field(default_factory=dict)
    zuul: dict[str, Any] | None = None
    images: dict[str, str] | None = None
    timings: Timings | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def glance_origin(self) -> str | None:
        return self.glance.origin if self.glance is not None else None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format_version": FORMAT_VERSION, "winci_version": self.winci_version,
            "run_id": self.run_id, "started": self.started}
        if self.finished is not None:
            data["finished"] = self.finished
        if self.glance is not None:
            data["glance"] = self.glance.to_dict()
        data |= {"patches": self.patches.to_dict(), "lanes": list(self.lanes),
                 "options": dict(self.options), "backend": self.backend,
                 "platform": dict(self.platform), "pins": dict(self.pins)}
        if self.zuul is not None:
            data["zuul"] = dict(self.zuul)
        if self.images is not None:
            data["images"] = dict(self.images)
        if self.timings is not None:
            data["timings"] = self.timings.to_dict()
        return data | {k: v for k, v in self.extra.items() if k not in data}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "manifest.json") -> Manifest:
        check_format(data, where)
        glance = data.get("glance")
        zuul, images, timings = data.get("zuul"), data.get("images"), data.get("timings")
        lanes = data.get("lanes")
        return cls(
            run_id=_text(data.get("run_id")), winci_version=_text(data.get("winci_version")),
            started=_text(data.get("started")), finished=_text(data.get("finished")),
            glance=GlanceInfo.from_dict(glance) if isinstance(glance, Mapping) else None,
            patches=PatchInfo.from_dict(_object(data.get("patches"))),
            lanes=[str(lane) for lane in lanes] if isinstance(lanes, list) else [],
            options=_object(data.get("options")), backend=_text(data.get("backend")),
            platform=_object(data.get("platform")), pins=_object(data.get("pins")),
            zuul=dict(zuul) if isinstance(zuul, Mapping) else None,
            images={str(k): str(v) for k, v in images.items()}
            if isinstance(images, Mapping) else None,
            timings=Timings.from_dict(timings) if isinstance(timings, Mapping) else None,
            extra={k: v for k, v in data.items() if k not in _MANIFEST_KEYS})


# -- verdict.json -------------------------------------------------------------------------

@dataclass(frozen=True)
class LaneVerdict:
    """One lane's entry in ``verdict.json`` (under its name): its verdict, counts, time
    and error. ``verdict`` is None only in a file that does not say; ``duration_s``
    None likewise.
    """

    name: str
    verdict: Verdict | None
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    known_failures: int = 0
    flaky: int = 0
    total: int = 0
    duration_s: float | None = 0.0
    error: str | None = None
    platform: str | None = None    # where its tests ran (the platform's label); None: Linux

    @classmethod
    def not_run(cls, name: str, platform: str | None = None) -> LaneVerdict:
        """A lane the run never reached."""
        return cls(name, Verdict.NOT_RUN, platform=platform)

    @classmethod
    def of(cls, name: str, verdict: Verdict, summary: LaneSummary | None, duration_s: float,
           error: str | None = None, platform: str | None = None) -> LaneVerdict:
        """A lane's entry from its summary (None: it ended before any test ran)."""
        s = summary or LaneSummary(lane=name)
        return cls(name, verdict, s.passed, s.failed, s.skipped, s.known_failures, s.flaky,
                   s.total, round(duration_s, 1), error, platform)

    def counts_text(self) -> str:
        """``12 passed, 1 failed, 0 known, 0 flaky, 3 skipped`` for the terminal."""
        return (f"{self.passed} passed, {self.failed} failed, {self.known_failures} known, "
                f"{self.flaky} flaky, {self.skipped} skipped")

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict.value if self.verdict else None,
                "passed": self.passed, "failed": self.failed, "skipped": self.skipped,
                "known_failures": self.known_failures, "flaky": self.flaky,
                "total": self.total, "duration_s": self.duration_s, "error": self.error,
                **({"platform": self.platform} if self.platform else {})}

    @classmethod
    def from_dict(cls, name: str, data: Mapping[str, Any], where: str) -> LaneVerdict:
        raw = data.get("verdict")
        return cls(
            name=name, verdict=None if raw is None else Verdict.parse(raw, where),
            passed=_count(data.get("passed")), failed=_count(data.get("failed")),
            skipped=_count(data.get("skipped")),
            known_failures=_count(data.get("known_failures")),
            flaky=_count(data.get("flaky")), total=_count(data.get("total")),
            duration_s=_seconds(data.get("duration_s")), error=_text(data.get("error")),
            platform=_text(data.get("platform")))


@dataclass
class RunVerdict:
    """``verdict.json``: the run's verdict, why it was not SUCCESS, and every lane's.

    ``lanes`` keeps the order of the file (the order the run ran them in).
    """

    verdict: Verdict
    run_id: str | None = None
    error: str | None = None
    lanes: list[LaneVerdict] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    def lane(self, name: str) -> LaneVerdict | None:
        return next((lane for lane in self.lanes if lane.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict.value, "run_id": self.run_id, "error": self.error,
                "lanes": {lane.name: lane.to_dict() for lane in self.lanes},
                "format_version": FORMAT_VERSION}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "verdict.json") -> RunVerdict:
        check_format(data, where)
        raw_lanes = data.get("lanes") or {}
        if not isinstance(raw_lanes, Mapping):
            raise ConfigError(f"{where}: 'lanes' must be an object")
        lanes = [LaneVerdict.from_dict(str(name), _object(info), f"{where}: lane {name!r}")
                 for name, info in raw_lanes.items()]
        return cls(Verdict.parse(data.get("verdict"), where, RUN_VERDICTS),
                   _text(data.get("run_id")), _text(data.get("error")), lanes)


@dataclass(frozen=True)
class RunRecord:
    """A finished run folder as read: its path, manifest and verdict."""

    path: Path
    manifest: Manifest
    result: RunVerdict

    @property
    def verdict(self) -> Verdict:
        return self.result.verdict

    @property
    def error(self) -> str | None:
        return self.result.error

    @property
    def lanes(self) -> list[LaneVerdict]:
        """Every lane of ``verdict.json``: in the manifest's order, then the others."""
        order = [name for name in self.manifest.lanes if self.result.lane(name)]
        order += [lane.name for lane in self.result.lanes if lane.name not in order]
        return [lane for name in order if (lane := self.result.lane(name)) is not None]


# -- <lane>/summary.json ------------------------------------------------------------------

@dataclass(frozen=True)
class FailedTest:
    id: str
    status: str
    traceback: str = ""
    duration_s: float = 0.0


@dataclass(frozen=True)
class KnownFailure:
    id: str
    reason: str = ""


@dataclass(frozen=True)
class SkippedTest:
    id: str
    reason: str = ""


@dataclass(frozen=True)
class SlowTest:
    id: str
    duration_s: float = 0.0


_SUMMARY_KEYS = ("lane", "total", "passed", "failed", "known_failures", "flaky", "skipped",
                 "expected_failures", "duration_s", "failures", "known", "flaky_tests",
                 "skips", "slowest")


@dataclass
class LaneSummary:
    """A lane's ``summary.json``: its counts and the tests behind them.

    ``failed`` counts unexpected failures only (``failures``); ``duration_s`` is the
    wall time from the first test's start to the last one's stop. ``extra`` holds the
    sections a lane adds of its own (the preflight lane's ``simulation``).
    """

    lane: str
    total: int = 0
    passed: int = 0
    failed: int = 0
    known_failures: int = 0
    flaky: int = 0
    skipped: int = 0
    expected_failures: int = 0
    duration_s: float = 0.0
    failures: list[FailedTest] = field(default_factory=list)
    known: list[KnownFailure] = field(default_factory=list)
    flaky_tests: list[str] = field(default_factory=list)
    skips: list[SkippedTest] = field(default_factory=list)
    slowest: list[SlowTest] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def classification(self) -> tuple[dict[str, str], list[str]]:
        """The known failures (id: reason) and flaky ids, to classify the stream again."""
        return {k.id: k.reason for k in self.known}, list(self.flaky_tests)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "lane": self.lane, "total": self.total, "passed": self.passed,
            "failed": self.failed, "known_failures": self.known_failures,
            "flaky": self.flaky, "skipped": self.skipped,
            "expected_failures": self.expected_failures, "duration_s": self.duration_s,
            "failures": [{"id": f.id, "status": f.status, "traceback": f.traceback,
                          "duration_s": f.duration_s} for f in self.failures],
            "known": [{"id": k.id, "reason": k.reason} for k in self.known],
            "flaky_tests": list(self.flaky_tests),
            "skips": [{"id": s.id, "reason": s.reason} for s in self.skips],
            "slowest": [{"id": s.id, "duration_s": s.duration_s} for s in self.slowest],
        }
        return data | {k: v for k, v in self.extra.items() if k not in data}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], lane: str | None = None) -> LaneSummary:
        def seconds(item: Mapping[str, Any]) -> float:
            return _seconds(item.get("duration_s")) or 0.0

        return cls(
            lane=str(data.get("lane") or lane or ""),
            total=_count(data.get("total")), passed=_count(data.get("passed")),
            failed=_count(data.get("failed")),
            known_failures=_count(data.get("known_failures")),
            flaky=_count(data.get("flaky")), skipped=_count(data.get("skipped")),
            expected_failures=_count(data.get("expected_failures")),
            duration_s=_seconds(data.get("duration_s")) or 0.0,
            failures=[FailedTest(str(f["id"]), str(f.get("status") or "fail"),
                                 str(f.get("traceback") or ""), seconds(f))
                      for f in _objects(data.get("failures")) if "id" in f],
            known=[KnownFailure(str(k["id"]), str(k.get("reason", "")))
                   for k in _objects(data.get("known")) if "id" in k],
            flaky_tests=[str(t) for t in _list(data.get("flaky_tests"))
                         if isinstance(t, str | int)],
            skips=[SkippedTest(str(s["id"]), str(s.get("reason") or ""))
                   for s in _objects(data.get("skips")) if "id" in s],
            slowest=[SlowTest(str(s["id"]), seconds(s))
                     for s in _objects(data.get("slowest")) if "id" in s],
            extra={k: v for k, v in data.items() if k not in _SUMMARY_KEYS})
