"""The verdict of a run or of a lane, and the exit code that goes with it."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from winci.errors import EXIT_FAILURES, EXIT_INFRA, EXIT_OK, ConfigError


class Verdict(StrEnum):
    """What a run (``verdict.json``'s ``verdict``) or a lane (its entry there) came to.

    A ``StrEnum``: it is written to JSON, the history and the output as its name.
    """

    SUCCESS = "SUCCESS"              # no unexpected failure
    FAILURE = "FAILURE"              # a test failed that is neither known nor flaky
    ERROR = "ERROR"                  # the environment or stack could not be set up
    PATCH_CONFLICT = "PATCH_CONFLICT"  # the Windows patch queue does not apply
    NOT_RUN = "NOT_RUN"              # a lane the run never reached
    INTERRUPTED = "INTERRUPTED"      # stopped (Ctrl-C, SIGTERM) before it finished

    @property
    def exit_code(self) -> int:
        """0 SUCCESS, 1 FAILURE, 3 for everything that tested nothing to the end."""
        if self is Verdict.SUCCESS:
            return EXIT_OK
        if self is Verdict.FAILURE:
            return EXIT_FAILURES
        return EXIT_INFRA

    @property
    def infra(self) -> bool:
        """The run could not test the change: never the change's fault, never a vote."""
        return self in (Verdict.ERROR, Verdict.PATCH_CONFLICT, Verdict.INTERRUPTED)

    @classmethod
    def parse(cls, value: object, where: str,
              choices: Iterable[Verdict] | None = None) -> Verdict:
        """``value`` read from a file; a :class:`ConfigError` naming ``where`` if it is
        not one of ``choices`` (default: every verdict)."""
        allowed = tuple(choices) if choices is not None else tuple(cls)
        for verdict in allowed:
            if value == verdict.value:
                return verdict
        raise ConfigError(f"{where}: verdict {value!r} is not one of "
                          f"{', '.join(v.value for v in allowed)}")


#: what a whole run can end in (a run is never NOT_RUN: its lanes can be)
RUN_VERDICTS = (Verdict.SUCCESS, Verdict.FAILURE, Verdict.ERROR, Verdict.PATCH_CONFLICT,
                Verdict.INTERRUPTED)

# worst last; NOT_RUN does not make anything worse (a lane the run did not reach)
_SEVERITY = (Verdict.NOT_RUN, Verdict.SUCCESS, Verdict.FAILURE, Verdict.ERROR,
             Verdict.PATCH_CONFLICT, Verdict.INTERRUPTED)


def worst(verdicts: Iterable[Verdict], default: Verdict = Verdict.SUCCESS) -> Verdict:
    """The worst of ``verdicts`` (``default`` when there is none or only NOT_RUN):
    any ERROR makes ERROR, else any FAILURE makes FAILURE, else SUCCESS."""
    found = max(verdicts, key=_SEVERITY.index, default=None)
    if found is None or found is Verdict.NOT_RUN:
        return default
    return found
