"""Reporting run verdicts to Gerrit: REST client, report message, one vote per patch set.

See docs/gerrit-voting.md.
"""

from winci.gerrit.client import (
    GerritAuthError,
    GerritClient,
    GerritConflict,
    GerritNotFound,
    GerritUnavailable,
    RetryPolicy,
)
from winci.gerrit.credentials import Credentials, load_credentials
from winci.gerrit.report import ReportSettings, build_review, load_run, resolve_target
from winci.gerrit.vote import TargetOptions, VoteOutcome, prepare, vote

__all__ = [
    "Credentials",
    "GerritAuthError",
    "GerritClient",
    "GerritConflict",
    "GerritNotFound",
    "GerritUnavailable",
    "ReportSettings",
    "RetryPolicy",
    "TargetOptions",
    "VoteOutcome",
    "build_review",
    "load_credentials",
    "load_run",
    "prepare",
    "resolve_target",
    "vote",
]
