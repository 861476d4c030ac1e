"""``winci run --stack RUN_ID``: the record a kept run leaves (kept.json, owner-only,
its passwords masked once read back) and the usage errors of a run given it, all found
before anything starts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from winci.backends.kept import KEPT_FILE, check_stack_lanes, find_kept, save_kept
from winci.cli import main
from winci.errors import UsageError
from winci.masking import GLOBAL_MASKER
from winci.platforms import LaneId
from winci.stack.settings import StackSettings


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WINCI_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _kept_run(cache: Path, run_id: str, backend: str = "local",
              platforms: tuple[str, ...] = ("linux",)) -> StackSettings:
    private = cache / "runs" / run_id
    settings = StackSettings(run_id=run_id, state_dir=private / "stack",
                             log_dir=cache / "out" / "logs", keystone_port=21001,
                             glance_port=21002, web_port=21003, db_port=21004)
    save_kept(private, run_id, backend,
              {name: (settings, {"name": name, "label": name}) for name in platforms})
    return settings


def test_a_kept_run_is_found_again_with_its_settings(cache: Path) -> None:
    settings = _kept_run(cache, "20261206-100000-abcd", platforms=("linux", "wine"))
    record = cache / "runs" / "20261206-100000-abcd" / KEPT_FILE
    if os.name == "posix":
        assert record.stat().st_mode & 0o077 == 0  # it holds the stack's passwords
    kept = find_kept("20261206-100000-abcd")
    assert sorted(kept) == ["linux", "wine"]
    linux = kept["linux"]
    assert linux.settings == settings
    assert linux.private_dir == cache / "runs" / "20261206-100000-abcd"
    assert linux.settings.glance_url == "http://127.0.0.1:21002"
    assert kept["wine"].platform_info == {"name": "wine", "label": "wine"}
    assert GLOBAL_MASKER.mask(f"pw={settings.admin_password}") == "pw=********"


@pytest.mark.parametrize("run_id", ["nosuch", "", "../runs", "a/b"])
def test_no_such_kept_run_is_a_usage_error(cache: Path, run_id: str) -> None:
    with pytest.raises(UsageError, match="no run of that id is kept here"):
        find_kept(run_id)


def test_a_run_that_was_not_kept_or_ran_containers_cannot_be_reused(cache: Path) -> None:
    (cache / "runs" / "plain").mkdir(parents=True)  # a run still going, or never kept
    with pytest.raises(UsageError, match="was not kept with --keep"):
        find_kept("plain")
    (cache / "runs" / "plain" / KEPT_FILE).write_text("{not json")
    with pytest.raises(UsageError, match="unreadable"):
        find_kept("plain")
    _kept_run(cache, "boxed", backend="docker")
    with pytest.raises(UsageError, match="docker backend cannot be reused"):
        find_kept("boxed")


def test_only_tempest_lanes_on_a_kept_platform(cache: Path) -> None:
    _kept_run(cache, "k", platforms=("wine",))
    kept = find_kept("k")
    check_stack_lanes("k", kept, [LaneId("tempest", "wine")], keep=False, backend="local")
    with pytest.raises(UsageError,
                       match=r"kept no stack for lane tempest \(its stacks: tempest@wine\)"):
        check_stack_lanes("k", kept, [LaneId("tempest", "linux")], keep=False,
                          backend="local")
    with pytest.raises(UsageError, match="the unit lane does not run against a stack"):
        check_stack_lanes("k", kept, [LaneId("unit", "wine")], keep=False, backend="local")
    with pytest.raises(UsageError, match="--keep keeps a new one"):
        check_stack_lanes("k", kept, [LaneId("tempest", "wine")], keep=True,
                          backend="local")
    with pytest.raises(UsageError, match="not with --backend docker"):
        check_stack_lanes("k", kept, [LaneId("tempest", "wine")], keep=False,
                          backend="docker")


def test_the_cli_refuses_before_anything_starts(cache: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["run", "--stack", "nosuch", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--stack 'nosuch': no run of that id is kept here" in err
    assert "Traceback" not in err and not out.exists()
    # a kept wine stack: the lane need not name its platform, but others are refused
    _kept_run(cache, "k", platforms=("wine",))
    assert main(["run", "unit", "--stack", "k", "--out", str(out)]) == 2
    assert "the unit lane does not run against a stack" in capsys.readouterr().err
    assert not out.exists()


def test_settings_survive_a_record_round_trip(tmp_path: Path) -> None:
    settings = StackSettings(run_id="r", state_dir=tmp_path / "s", log_dir=tmp_path / "l",
                             db="sqlite")
    data = json.loads(json.dumps(settings.to_record()))
    assert data["state_dir"] == (tmp_path / "s").as_posix()
    assert StackSettings.from_record(data | {"unknown_later_key": 1}) == settings
