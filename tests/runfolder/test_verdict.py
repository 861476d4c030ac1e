"""The verdict enum: its exit codes, parsing and the worst of several."""

from __future__ import annotations

import pytest

from winci.errors import ConfigError
from winci.runfolder import RUN_VERDICTS, Verdict, worst


def test_exit_codes_and_infra() -> None:
    assert {v: v.exit_code for v in Verdict} == {
        Verdict.SUCCESS: 0, Verdict.FAILURE: 1, Verdict.ERROR: 3, Verdict.PATCH_CONFLICT: 3,
        Verdict.NOT_RUN: 3, Verdict.INTERRUPTED: 3}
    assert [v for v in Verdict if v.infra] == [Verdict.ERROR, Verdict.PATCH_CONFLICT,
                                               Verdict.INTERRUPTED]
    assert Verdict.SUCCESS == "SUCCESS" and f"{Verdict.PATCH_CONFLICT}" == "PATCH_CONFLICT"


def test_parse() -> None:
    assert Verdict.parse("FAILURE", "verdict.json") is Verdict.FAILURE
    with pytest.raises(ConfigError, match=r"^x\.json: verdict 'MAYBE' is not one of SUCCESS, "):
        Verdict.parse("MAYBE", "x.json")
    with pytest.raises(ConfigError, match="'NOT_RUN' is not one of"):
        Verdict.parse("NOT_RUN", "verdict.json", RUN_VERDICTS)  # a run is never NOT_RUN
    with pytest.raises(ConfigError, match="None is not one of"):
        Verdict.parse(None, "verdict.json")


def test_worst() -> None:
    S, F, E = Verdict.SUCCESS, Verdict.FAILURE, Verdict.ERROR
    assert worst([]) is S
    assert worst([S, S]) is S
    assert worst([S, F, S]) is F
    assert worst([F, E, S]) is E  # as the run's verdict always was: ERROR beats FAILURE
    assert worst([Verdict.NOT_RUN]) is S and worst([Verdict.NOT_RUN, F]) is F
    assert worst([E, Verdict.INTERRUPTED]) is Verdict.INTERRUPTED
