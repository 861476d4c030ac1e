"""Known-failure lists: validation, conditions, matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from winci.errors import ConfigError
from winci.lanes import knownfail


def _write(tmp_path: Path, text: str, lane: str = "unit") -> Path:
    (tmp_path / f"{lane}.yaml").write_text(text)
    return tmp_path


def test_entries_match_failed_ids_without_attributes(tmp_path: Path) -> None:
    d = _write(tmp_path, "- id: 'test_dns$'\n  reason: needs DNS\n  condition: always\n")
    entries = knownfail.load("unit", d)
    found = knownfail.match(entries, ["pkg.Case.test_dns[id-1,smoke]", "pkg.Case.test_other"])
    assert list(found) == ["pkg.Case.test_dns[id-1,smoke]"]
    assert "needs DNS" in found["pkg.Case.test_dns[id-1,smoke]"]


def test_inactive_condition_does_not_excuse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    d = _write(tmp_path, "- id: 'test_dns$'\n  reason: needs DNS\n  condition: windows\n")
    monkeypatch.setattr(knownfail.sys, "platform", "linux")
    knownfail._condition_holds.cache_clear()
    try:
        assert knownfail.match(knownfail.load("unit", d), ["a.test_dns"]) == {}
    finally:
        knownfail._condition_holds.cache_clear()


def test_missing_file_means_no_entries(tmp_path: Path) -> None:
    assert knownfail.load("tempest", tmp_path) == []


@pytest.mark.parametrize("text,message", [
    ("- id: 'x'\n", "needs at least 'id' and 'reason'"),
    ("- id: '('\n  reason: r\n", "not a valid regular expression"),
    ("- id: 'x'\n  reason: r\n  condition: full-moon\n", "unknown condition"),
    ("id: x\n", "must be a list"),
    ("- [unclosed\n", "not valid YAML"),
])
def test_bad_files_are_config_errors(tmp_path: Path, text: str, message: str) -> None:
    d = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=message):
        knownfail.load("unit", d)


def test_repo_lists_are_valid() -> None:
    for lane in ("unit", "functional", "tempest", "preflight"):
        knownfail.load(lane)


def test_yaml_syntax_error_is_one_line_with_its_place(tmp_path: Path) -> None:
    d = _write(tmp_path, "- id: 'x'\n  reason: r\n- [unclosed\n")
    with pytest.raises(ConfigError) as info:
        knownfail.load("unit", d)
    message = str(info.value)
    assert "\n" not in message
    assert "line 4" in message or "line 3" in message
    assert info.value.exit_code == 2


def test_check_lists_reads_every_lane_before_the_run(tmp_path: Path) -> None:
    d = _write(tmp_path, "- id: 'x'\n  reason: r\n")
    (d / "tempest.yaml").write_text("- [unclosed\n", encoding="utf-8")
    knownfail.check_lists(["unit"], d)
    with pytest.raises(ConfigError, match=r"tempest\.yaml is not valid YAML"):
        knownfail.check_lists(["unit", "tempest"], d)


@pytest.mark.parametrize("condition,platforms", [
    ("linux", {"linux"}),
    ("windows", {"windows", "wine"}),   # a Windows behaviour: native and under Wine
    ("wine", {"wine"}),                 # a limitation of Wine itself
    ("always", {"linux", "windows", "wine"}),
])
def test_platform_conditions_follow_the_lanes_platform(tmp_path: Path, condition: str,
                                                       platforms: set[str]) -> None:
    d = _write(tmp_path, f"- id: 'test_x$'\n  reason: r\n  condition: {condition}\n")
    entries = knownfail.load("unit", d)
    for platform in ("linux", "windows", "wine"):
        found = knownfail.match(entries, ["a.test_x"], platform=platform)
        assert bool(found) == (platform in platforms), (condition, platform)
