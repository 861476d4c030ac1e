"""Errors that winci reports to the user, each mapped to an exit code.

Library code raises these; only the CLI turns them into a one-line message and an
exit code (0 pass, 1 test failures, 2 usage or config error, 3 infrastructure error).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2
EXIT_INFRA = 3


class WinciError(Exception):
    """Base class: a problem winci can explain without a traceback."""

    exit_code = EXIT_INFRA

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class UsageError(WinciError):
    """Bad command-line input: unknown lane, missing path, conflicting options."""

    exit_code = EXIT_USAGE


class ConfigError(WinciError):
    """A configuration or data file is wrong (constraints, known failures, settings)."""

    exit_code = EXIT_USAGE


class InfraError(WinciError):
    """The environment or stack could not be set up: never a test failure."""

    exit_code = EXIT_INFRA


class ProcessTimeout(InfraError):
    """A child process ran past its timeout and was ended."""


class PatchConflict(WinciError):
    """The patch queue does not apply to the tree under test (verdict PATCH_CONFLICT)."""

    exit_code = EXIT_INFRA
