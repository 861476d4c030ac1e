"""The constraints format, read in one place: pins, includes, checks, flattening."""

from __future__ import annotations

from pathlib import Path

import pytest

from winci.envs.constraints import (
    flatten,
    parse_pins,
    pinned,
    pins_of,
    read_pins,
    upper_constraints,
    validate_constraints,
)
from winci.errors import ConfigError


def _files(tmp_path: Path) -> Path:
    (tmp_path / "upper.txt").write_text(
        "# upstream\nSQLAlchemy===2.0.52\noslo.log===8.3.0\n"
        "numpy===1.26.4;python_version=='3.9'\nnumpy===2.1.0;python_version>='3.10'\n")
    main = tmp_path / "mine.txt"
    main.write_text("oslo.log===9.0.0  # mine first\n-c upper.txt\nwaitress==3.0.2\n")
    return main


def test_pins_follow_includes_in_place_and_the_first_wins(tmp_path: Path) -> None:
    main = _files(tmp_path)
    assert [p.name for p in read_pins(main)] == ["oslo.log", "SQLAlchemy", "oslo.log", "numpy",
                                                 "numpy", "waitress"]
    assert pinned(main, "oslo_log") == "9.0.0"         # names compare as pip does
    assert pinned(main, "sqlalchemy") == "2.0.52"
    assert pinned(main, "waitress") == "3.0.2"         # == as well as ===
    assert pinned(main, "keystone") is None
    assert pins_of(main, ["sqlalchemy", "oslo.log", "numpy", "nova"]) == {
        "oslo.log": "9.0.0", "SQLAlchemy": "2.0.52", "numpy": "1.26.4"}


def test_flatten_reads_the_includes_in(tmp_path: Path) -> None:
    main = _files(tmp_path)
    flat = tmp_path / "elsewhere" / "flat.txt"
    flat.parent.mkdir()
    flat.write_text(flatten(main))
    assert "\n-c " not in flat.read_text() and "# -c upper.txt:" in flat.read_text()
    assert read_pins(flat) == read_pins(main)
    upper = upper_constraints()
    assert flatten(upper) == upper.read_text()  # no include: the same bytes


def test_validation_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "c.txt"
    bad.write_text("oslo.db===18.1.0\nthis is not a pin\n")
    with pytest.raises(ConfigError, match=r"c\.txt:2: 'this is not a pin' is not a pin"):
        validate_constraints(bad)
    bad.write_text("-c missing.txt\n")
    with pytest.raises(ConfigError, match=r"includes 'missing\.txt', which does not exist"):
        validate_constraints(bad)
    bad.write_text("foo<2===1\n")
    with pytest.raises(ConfigError, match="is not a valid pin"):
        validate_constraints(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        validate_constraints(tmp_path / "nope.txt")
    validate_constraints(_files(tmp_path))
    validate_constraints(upper_constraints())


def test_parse_pins_keys_markers_apart() -> None:
    pins = parse_pins("numpy===1.26.4;python_version=='3.9'\nnumpy===2.1.0\nOslo_Log===1\n")
    assert pins == {"numpy;python_version=='3.9'": "1.26.4", "numpy": "2.1.0", "oslo-log": "1"}
