"""The cached WINEPREFIX template: ``wineboot --init``, Windows 10, services given
Windows' 30 s to start, made once.

Built in place under a lock and marked complete last (the venvs' mechanism), so a
killed build is made again and two runs never make the same template at once.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from winci.errors import InfraError
from winci.platforms.wine.install import WineTools
from winci.platforms.wine.prefix import (
    WINDOWS_VERSION,
    mark_template,
    template_dir,
    template_lock,
    template_ready,
)
from winci.platforms.wine.session import WineSession
from winci.procs import Runner

_NT_KEY = r"HKLM\Software\Microsoft\Windows NT\CurrentVersion"
# How long services.exe waits for a service process to connect: Windows' 30 s, not Wine
# 8's 10 s (which a Python service host under load can miss). Wine reads it as REG_SZ.
_CONTROL_KEY = r"HKLM\System\CurrentControlSet\Control"
SERVICES_PIPE_TIMEOUT_MS = "30000"


def ensure_template(tools: WineTools, runner: Runner, wine_version: str,
                    timings: dict[str, float] | None = None) -> Path:
    """The template prefix for this Wine, made now if it is not there yet."""
    path = template_dir(wine_version)
    if template_ready(path):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with template_lock(path):
        if template_ready(path):
            return path
        shutil.rmtree(path, ignore_errors=True)  # a half-made one from a killed build
        started = time.monotonic()
        try:
            build = _make(tools, runner, path)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        mark_template(path, wine_version, build)
        if timings is not None:
            timings["wineboot"] = time.monotonic() - started
    return path


def _make(tools: WineTools, runner: Runner, path: Path) -> str:
    with WineSession(tools, runner, path) as wine:
        wine.boot("--init")
        wine.run(runner, ["winecfg", "/v", WINDOWS_VERSION], name="winecfg", timeout=300)
        wine.run(runner, ["reg", "add", _CONTROL_KEY, "/v", "ServicesPipeTimeout", "/t",
                          "REG_SZ", "/d", SERVICES_PIPE_TIMEOUT_MS, "/f"],
                 name="wine-reg-services-timeout", timeout=120)
        done = wine.run(runner, ["reg", "query", _NT_KEY, "/v", "CurrentBuild"],
                        name="wine-reg-query", timeout=120, check=False)
    # The session's end (wineserver -k) wrote the registry to disk.
    match = re.search(r"CurrentBuild\s+REG_SZ\s+(\d+)", done.tail_text(50))
    if not match:
        raise InfraError(f"the Wine prefix {path} reports no Windows build",
                         f"see {done.log}")
    build = match.group(1)
    if int(build) < 10240:
        raise InfraError(f"winecfg did not set {WINDOWS_VERSION} in {path} (build {build})",
                         f"see {done.log}")
    return build
