"""``winci doctor``: is this host ready for the docker backend, and if not, what to fix.

Checks, each ``ok``, ``warn`` or ``fail`` with a fix:

- the engine answers (``DOCKER_HOST``), its version and OS type match the platform;
- Windows: the isolation mode against the host build and the image's base (process
  isolation needs the host to run the same Windows build as the image; Hyper-V isolation
  runs an image as old as the host or older, never newer);
- Windows: the SMB global mapping of the image store (``Get-SmbGlobalMapping``, run
  through winci's runner) exists, is OK and was made with ``-RequirePrivacy $true``.

The checks of engine answers and PowerShell output are plain functions, so they are
tested here with recorded answers (simulated: no Windows host ran them).
"""

from __future__ import annotations

import json
import platform as pyplatform
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from winci.docker.engine import EngineInfo, connect, engine_info
from winci.docker.images import WINDOWS_BASES
from winci.errors import InfraError
from winci.procs import Runner

OK, WARN, FAIL = "ok", "warn", "fail"
BUILD_NAMES = {build: tag for tag, build in WINDOWS_BASES.items()}


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""


def check_engine(info: EngineInfo, platform: str) -> list[Check]:
    checks = [Check("engine", OK, f"{info.name} {info.version} (API {info.api_version}), "
                                  f"OS type {info.os_type}")]
    if info.os_type != platform:
        fix = ("switch Docker to Windows containers (DockerCli.exe -SwitchDaemon) or use the "
               "Docker CE service of docs/windows-images.md" if platform == "windows"
               else "point DOCKER_HOST at a Linux engine (scripts/test.d/podman.sh on Debian)")
        checks.append(Check("engine OS type", FAIL,
                            f"the engine runs {info.os_type} containers, {platform} wanted", fix))
    if info.is_podman:
        checks.append(Check("health checks", OK,
                            "podman without systemd does not run HEALTHCHECKs; winci runs them "
                            "through exec while it waits for a container"))
    return checks


def host_build(info: EngineInfo) -> int | None:
    """The Windows build the engine runs on (its OSVersion/KernelVersion, e.g.
    ``10.0 20348 (20348.1.amd64fre.fe_release.210507-1500)``)."""
    match = re.search(r"\b10\.0[ .](\d{5})\b", info.os_version) or re.search(
        r"\b(\d{5})\.", info.os_version)
    return int(match.group(1)) if match else None


def check_isolation(info: EngineInfo, base: str, build: int | None) -> list[Check]:
    """Process isolation needs host build == image build; Hyper-V needs host >= image."""
    image_build = WINDOWS_BASES[base]
    mode = (info.isolation or "process").lower()
    if build is None:
        return [Check("isolation", WARN, f"isolation {mode}; the host build is unknown",
                      "run winci doctor on the Windows host itself")]
    host = f"host build {build} ({BUILD_NAMES.get(build, 'not an LTSC build')})"
    if image_build > build:
        better = BUILD_NAMES.get(build)
        return [Check("isolation", FAIL,
                      f"{host} is older than the {base} image ({image_build}): no isolation "
                      "mode runs a newer image",
                      f"build with --base {better}" if better else
                      "use a Windows Server 2022 or 2025 host")]
    if mode.startswith("hyper"):
        return [Check("isolation", OK, f"Hyper-V isolation, {host}, image {base} "
                                       f"({image_build}): runs (a utility VM per container)")]
    if image_build == build:
        return [Check("isolation", OK, f"process isolation, {host} matches {base}")]
    hyperv = ("run containers with Hyper-V isolation (dockerd --exec-opt isolation=hyperv "
              "in daemon.json exec-opts; needs the Hyper-V role, a utility VM per container)")
    fix = (f"build with --base {BUILD_NAMES[build]}, or {hyperv}" if build in BUILD_NAMES
           else hyperv)
    return [Check("isolation", FAIL,
                  f"process isolation needs the image build to match the host: {host}, "
                  f"{base} is {image_build}", fix)]


SMB_COMMAND = ("Get-SmbGlobalMapping | Select-Object LocalPath, RemotePath, Status, "
               "RequirePrivacy | ConvertTo-Json -Compress")


def parse_smb_mappings(output: str) -> list[dict[str, Any]]:
    """``Get-SmbGlobalMapping | ... | ConvertTo-Json`` output: one object or a list."""
    text = output.strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InfraError(f"cannot read Get-SmbGlobalMapping output: {exc}") from exc
    items = data if isinstance(data, list) else [data]
    return [i for i in items if isinstance(i, dict)]


def check_smb(mappings: list[dict[str, Any]], drive: str | None) -> list[Check]:
    fix_new = ("New-SmbGlobalMapping -RemotePath \\\\sofs\\share -LocalPath {d} "
               "-Credential (Get-Credential) -RequirePrivacy $true -Persistent $true")
    if not drive:
        listed = ", ".join(f"{m.get('LocalPath')} -> {m.get('RemotePath')}" for m in mappings)
        return [Check("SMB global mapping", WARN if not mappings else OK,
                      f"mappings: {listed or 'none'}; no --share-drive given, so not checked",
                      "pass --share-drive G: to check the image store's drive")]
    want = drive.rstrip("\\").upper()
    found = [m for m in mappings if str(m.get("LocalPath", "")).rstrip("\\").upper() == want]
    if not found:
        return [Check("SMB global mapping", FAIL, f"no SMB global mapping for {want}",
                      fix_new.format(d=want))]
    m = found[0]
    checks = []
    status = str(m.get("Status", ""))
    # Status is an enum: 0 or "OK" when connected.
    if status not in ("0", "OK", "Ok"):
        checks.append(Check("SMB global mapping", FAIL,
                            f"{want} -> {m.get('RemotePath')} has status {status}",
                            "check the SoFS share and credentials, then Remove-SmbGlobalMapping "
                            "and map it again"))
    else:
        checks.append(Check("SMB global mapping", OK, f"{want} -> {m.get('RemotePath')} (OK)"))
    if m.get("RequirePrivacy") is False:
        checks.append(Check("SMB privacy", FAIL,
                            f"{want} was mapped without -RequirePrivacy: containers fail to "
                            "start with 'Access is denied'",
                            f"Remove-SmbGlobalMapping {want}; then " + fix_new.format(d=want)))
    return checks


def run_doctor(*, platform: str, base: str, share_drive: str | None, runner: Runner,
               connect_fn: Callable[[], Any] = connect) -> list[Check]:
    """Every check for this host; never raises for a failed check."""
    checks: list[Check] = []
    try:
        client = connect_fn()
        info = engine_info(client)
    except InfraError as exc:
        return [Check("engine", FAIL, exc.message, exc.hint or "")]
    checks += check_engine(info, platform)
    if platform != "windows":
        return checks
    local = _local_windows_build()
    checks += check_isolation(info, base, host_build(info) or local)
    if sys.platform != "win32":
        checks.append(Check("SMB global mapping", WARN, "not on Windows: not checked",
                            "run winci doctor on the Windows host"))
        return checks
    done = runner.run(["powershell", "-NoProfile", "-NonInteractive", "-Command", SMB_COMMAND],
                      name="doctor-smb-mapping", timeout=60, check=False)
    if done.returncode != 0:
        checks.append(Check("SMB global mapping", FAIL,
                            f"Get-SmbGlobalMapping failed: {done.tail_text(2)}",
                            "run it in an elevated PowerShell to see why"))
    else:
        checks += check_smb(parse_smb_mappings("\n".join(done.tail)), share_drive)
    return checks


def _local_windows_build() -> int | None:
    if sys.platform != "win32":
        return None
    parts = pyplatform.version().split(".")
    return int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None


def format_checks(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks) if checks else 0
    lines = []
    for c in checks:
        lines.append(f"{c.status.upper():4}  {c.name.ljust(width)}  {c.detail}")
        if c.fix and c.status != OK:
            lines.append(f"{'':4}  {'':{width}}  fix: {c.fix}")
    return "\n".join(lines) + "\n"
