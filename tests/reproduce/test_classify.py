"""Classifying a re-run test from its repeats."""

from __future__ import annotations

from winci.reproduce.classify import FLAKY, NOT_RUN, PASSES, REAL, classify


def test_classify() -> None:
    assert classify(3, 3, 0) == REAL
    assert classify(3, 1, 2) == FLAKY
    assert classify(3, 0, 3) == PASSES
    assert classify(0, 0, 0) == NOT_RUN
