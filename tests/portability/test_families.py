"""The rule families behind the walker: each rule has one owner, and a family left out
(its rules not selected) changes nothing for the others."""

from __future__ import annotations

import textwrap

from tests.portability.test_rules import CLEAN, FLAGGED
from winci.portability import RULES, check_source
from winci.portability.families import FAMILIES


def test_every_rule_has_exactly_one_family() -> None:
    for rid in RULES:
        owners = [f.__name__ for f in FAMILIES if rid.startswith(f.prefixes)]
        assert len(owners) == (0 if rid == "WP000" else 1), (rid, owners)  # WP000: parsing


def test_selecting_a_family_reports_what_the_full_run_reports_for_it() -> None:
    code = "".join(textwrap.dedent(c) for _, c in FLAGGED + CLEAN if "def broken" not in c)
    full = check_source(code, "all.py", frozenset(RULES))
    assert {f.rule for f in full} >= {r for r, _ in FLAGGED if r != "WP000"}
    for family in FAMILIES:
        own = frozenset(r for r in RULES if r.startswith(family.prefixes))
        alone = check_source(code, "all.py", own)
        assert alone == [f for f in full if f.rule in own], family.__name__
