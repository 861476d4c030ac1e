"""Host programs for Windows processes: ``qemu-img.exe`` that runs this host's qemu-img.

Glance runs ``qemu-img`` (image conversion, ``qemu-img info`` of uploads) through
oslo.concurrency's ``processutils.execute``. On Windows that is qemu-img.exe (the
Windows images install one); under Wine there is none, and a Windows process cannot
run the host's Linux ``qemu-img`` and wait for it (Wine starts an ELF program detached
and gives no process handle back). ``relay/relay.c``, built once with mingw-w64, is a
Windows program that runs the Linux program of its own name with Wine's
``__wine_unix_spawnvp``, mapping Windows paths in its arguments to host paths, and
hands back its output and exit code. It is copied as ``<name>.exe`` into a folder that
the run's Wine session puts first on the Windows ``PATH`` (``WINEPATH``), for each
program in :data:`RELAYED` that this host has, so Glance's own Windows code path
(``processutils.execute`` without ``preexec_fn``, its job object) runs for real. What
runs the conversion is still the Linux qemu-img: the results say so (docs).
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from winci.errors import InfraError
from winci.host.filelock import FileLock
from winci.host.paths import cache_dir
from winci.platforms.wine.install import MINGW_GCC, WineTools
from winci.procs import Runner

RELAY_SOURCE = Path(__file__).resolve().parent / "relay" / "relay.c"
# Linux programs Windows processes of a run may call by name.
RELAYED = ("qemu-img", "sqlite3")
CFLAGS = ("-O2", "-Wall", "-Wextra", "-Werror", "-s", "-mconsole")
LIBS = ("-lshell32",)
_STAMP = "winci-host-tools.txt"


@dataclass(frozen=True)
class HostTools:
    folder: Path  # on the Windows PATH of the session (WINEPATH)
    programs: tuple[str, ...]  # the relayed programs this host has


def host_tools_key(compiler_version: str, programs: tuple[str, ...]) -> str:
    digest = hashlib.sha256(compiler_version.encode())
    digest.update(RELAY_SOURCE.read_bytes())
    digest.update(repr((programs, CFLAGS, LIBS)).encode())
    return digest.hexdigest()[:12]


def available(programs: tuple[str, ...] = RELAYED) -> tuple[str, ...]:
    """The relayed programs this host has (a missing one stays missing on Windows too)."""
    return tuple(name for name in programs if shutil.which(name))


def ensure_host_tools(tools: WineTools, runner: Runner) -> HostTools:
    """The folder of relays, built now if this key has none yet."""
    if not RELAY_SOURCE.is_file():
        raise InfraError(f"the relay source is missing: {RELAY_SOURCE}",
                         "reinstall winci from its repository")
    if tools.mingw_gcc is None:
        raise InfraError(f"{MINGW_GCC} is not installed: it builds the Wine host-tool relay",
                         "as root: apt-get install gcc-mingw-w64-x86-64")
    programs = available()
    version = runner.run([tools.mingw_gcc, "-dumpfullversion"], name="mingw-gcc-version",
                         timeout=60).tail_text(1).strip()
    key = host_tools_key(f"{tools.mingw_gcc.name} {version}", programs)
    folder = cache_dir() / "wine" / f"host-tools-{key}"
    if (folder / _STAMP).is_file():
        return HostTools(folder, programs)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(folder.parent / f"{folder.name}.lock", what="the Wine host-tool relays"):
        if not (folder / _STAMP).is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            relay = folder / "winci-relay.exe"
            runner.run([tools.mingw_gcc, *CFLAGS, "-o", relay, RELAY_SOURCE, *LIBS],
                       name="mingw-relay", timeout=300)
            for name in programs:
                shutil.copyfile(relay, folder / f"{name}.exe")
                (folder / f"{name}.exe").chmod(0o755)
            relay.unlink()
            (folder / _STAMP).write_text(f"{key}\n{' '.join(programs)}\n", encoding="utf-8")
    return HostTools(folder, programs)
