"""The run folder and its files, owned here: the verdicts, the typed models of
``manifest.json``, ``verdict.json`` and ``<lane>/summary.json``, and
:class:`RunFolder`, the one module that writes and reads them (see docs/results.md).
"""

from winci.runfolder.models import (
    FORMAT_VERSION,
    FailedTest,
    GlanceInfo,
    KnownFailure,
    LaneSummary,
    LaneVerdict,
    Manifest,
    PatchInfo,
    RunRecord,
    RunVerdict,
    SkippedTest,
    SlowTest,
    Timings,
)
from winci.runfolder.store import (
    HTML,
    JUNIT,
    MANIFEST,
    SUBUNIT,
    SUMMARY,
    VERDICT,
    LaneFolder,
    RunFolder,
)
from winci.runfolder.verdict import RUN_VERDICTS, Verdict, worst

__all__ = ["FORMAT_VERSION", "HTML", "JUNIT", "MANIFEST", "RUN_VERDICTS", "SUBUNIT", "SUMMARY",
           "VERDICT", "FailedTest", "GlanceInfo", "KnownFailure", "LaneFolder", "LaneSummary",
           "LaneVerdict", "Manifest", "PatchInfo", "RunFolder", "RunRecord", "RunVerdict",
           "SkippedTest", "SlowTest", "Timings", "Verdict", "worst"]
