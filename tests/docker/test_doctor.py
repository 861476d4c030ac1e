"""winci doctor's checks, with recorded engine and PowerShell answers (simulated: no
Windows host ran them), and against the real engine when one answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from winci.docker.doctor import (
    FAIL,
    OK,
    WARN,
    check_engine,
    check_isolation,
    check_smb,
    format_checks,
    host_build,
    parse_smb_mappings,
    run_doctor,
)
from winci.docker.engine import EngineInfo
from winci.errors import InfraError
from winci.procs import Runner


def _info(os_type: str = "windows", isolation: str = "process",
          os_version: str = "10.0 20348 (20348.1.amd64fre.fe_release.210507-1500)",
          name: str = "Docker Engine") -> EngineInfo:
    return EngineInfo(name, "27.3.1", "1.47", os_type, isolation, os_version)


def test_host_build_from_engine_info() -> None:
    assert host_build(_info()) == 20348
    assert host_build(_info(os_version="10.0.26100.1742")) == 26100
    assert host_build(_info(os_version="")) is None


@pytest.mark.parametrize(("isolation", "build", "base", "status", "says"), [
    ("process", 20348, "ltsc2022", OK, "matches"),
    ("process", 26100, "ltsc2022", FAIL, "Hyper-V"),
    ("hyperv", 26100, "ltsc2022", OK, "Hyper-V isolation"),
    ("hyperv", 20348, "ltsc2025", FAIL, "newer image"),
    ("process", 20348, "ltsc2025", FAIL, "--base ltsc2022"),
    ("process", 17763, "ltsc2022", FAIL, "older"),
])
def test_isolation(isolation: str, build: int, base: str, status: str, says: str) -> None:
    [check] = check_isolation(_info(isolation=isolation), base, build)
    assert check.status == status
    assert says in check.detail + check.fix


def test_engine_os_type_mismatch() -> None:
    checks = check_engine(_info(os_type="linux"), "windows")
    assert [c.status for c in checks] == [OK, FAIL]
    assert "Windows containers" in checks[1].fix


SMB_ONE = json.dumps({"LocalPath": "G:", "RemotePath": "\\\\sofs\\images", "Status": 0,
                      "RequirePrivacy": True})
SMB_TWO = json.dumps([{"LocalPath": "G:", "RemotePath": "\\\\sofs\\images", "Status": 0,
                       "RequirePrivacy": False},
                      {"LocalPath": "H:", "RemotePath": "\\\\x\\y", "Status": 2}])


def test_smb_mapping_ok() -> None:
    checks = check_smb(parse_smb_mappings(SMB_ONE), "g:\\")
    assert [c.status for c in checks] == [OK]


def test_smb_mapping_without_privacy_and_broken() -> None:
    mappings = parse_smb_mappings(SMB_TWO)
    checks = check_smb(mappings, "G:")
    assert [c.status for c in checks] == [OK, FAIL]
    assert "-RequirePrivacy $true" in checks[1].fix
    [broken] = check_smb(mappings, "H:")
    assert broken.status == FAIL and "status 2" in broken.detail
    [missing] = check_smb(mappings, "Z:")
    assert missing.status == FAIL and "New-SmbGlobalMapping" in missing.fix
    assert check_smb([], None)[0].status == WARN


def test_smb_output_that_is_not_json() -> None:
    assert parse_smb_mappings("  ") == []
    with pytest.raises(InfraError):
        parse_smb_mappings("Get-SmbGlobalMapping : Access denied")


def test_unreachable_engine_is_a_failed_check(tmp_path: Path) -> None:
    def no_engine() -> None:
        raise InfraError("no container engine answers at unix:///x", "start it")

    with Runner(tmp_path) as runner:
        checks = run_doctor(platform="linux", base="ltsc2022", share_drive=None,
                            runner=runner, connect_fn=no_engine)
    assert [c.status for c in checks] == [FAIL]
    assert "fix: start it" in format_checks(checks)
