"""The tools the MSI build runs on this host: Debian's wixl and msitools (msiinfo,
msibuild), and mingw-w64's compiler for the custom action; installed with apt-get
when root and missing."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from winci.errors import InfraError
from winci.platforms.wine.install import MINGW_GCC
from winci.procs import Runner

DEBIAN_PACKAGES = ("wixl", "msitools", "gcc-mingw-w64-x86-64")
INSTALL_HINT = "as root: apt-get install wixl msitools gcc-mingw-w64-x86-64"


@dataclass(frozen=True)
class MsiTools:
    wixl: Path
    msiinfo: Path
    msibuild: Path
    mingw_gcc: Path


def find_msi_tools() -> MsiTools | None:
    found = [shutil.which(name) for name in ("wixl", "msiinfo", "msibuild", MINGW_GCC)]
    if not all(found):
        return None
    wixl, msiinfo, msibuild, gcc = (Path(p) for p in found if p)
    return MsiTools(wixl, msiinfo, msibuild, gcc)


def ensure_msi_tools(runner: Runner) -> MsiTools:
    tools = find_msi_tools()
    if tools is not None:
        return tools
    if sys.platform == "win32" or os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise InfraError("wixl, msiinfo, msibuild or the mingw-w64 compiler is missing: "
                         "the MSI build needs them", INSTALL_HINT)
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *DEBIAN_PACKAGES]
    if not runner.run(install, name="msi-apt-install", timeout=1800, extra_env=env,
                      check=False).ok:
        runner.run(["apt-get", "update", "-qq"], name="msi-apt-update", timeout=900,
                   extra_env=env)
        runner.run(install, name="msi-apt-install-retry", timeout=1800, extra_env=env)
    tools = find_msi_tools()
    if tools is None:
        raise InfraError("apt-get installed the MSI tools but they are not on PATH",
                         INSTALL_HINT)
    return tools
