"""Native DLLs Wine lacks, built from this repository's C sources with mingw-w64.

Each source in ``shim/`` is one DLL: ``shim/processprng.c`` is ``bcryptprimitives.dll``
(``ProcessPrng``, which Rust >= 1.78 programs import and Wine 8 does not have; without
it cryptography's ``_rust.pyd`` fails to load). They are built at set-up, never
downloaded, cached by the hash of their sources and the compiler's version, and put
beside python.exe, where Windows' loader looks first.
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

SHIM_DIR = Path(__file__).resolve().parent / "shim"
# source file -> (DLL it becomes, libraries it links)
SHIMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "processprng.c": ("bcryptprimitives.dll", ("advapi32",)),
}
CFLAGS = ("-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-s")
_STAMP = "winci-shims.txt"


@dataclass(frozen=True)
class Shims:
    folder: Path
    dlls: tuple[Path, ...]
    key: str


def _sources() -> list[Path]:
    missing = [name for name in SHIMS if not (SHIM_DIR / name).is_file()]
    if missing:
        raise InfraError(f"shim sources missing from {SHIM_DIR}: {', '.join(missing)}",
                         "reinstall winci from its repository")
    return [SHIM_DIR / name for name in sorted(SHIMS)]


def shims_key(compiler_version: str) -> str:
    digest = hashlib.sha256(compiler_version.encode())
    for src in _sources():
        digest.update(src.name.encode() + b"\0" + src.read_bytes())
    digest.update(repr((SHIMS, CFLAGS)).encode())
    return digest.hexdigest()[:12]


def ensure_shims(tools: WineTools, runner: Runner) -> Shims:
    """The built shims, compiled now if this key has none yet."""
    if tools.mingw_gcc is None:
        raise InfraError(f"{MINGW_GCC} is not installed: it builds the Wine shims",
                         "as root: apt-get install gcc-mingw-w64-x86-64")
    version = runner.run([tools.mingw_gcc, "-dumpfullversion"], name="mingw-gcc-version",
                         timeout=60).tail_text(1).strip()
    key = shims_key(f"{tools.mingw_gcc.name} {version}")
    folder = cache_dir() / "wine" / f"shims-{key}"
    dlls = tuple(folder / SHIMS[src.name][0] for src in _sources())
    if (folder / _STAMP).is_file():
        return Shims(folder, dlls, key)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(folder.parent / f"{folder.name}.lock", what="the Wine shims"):
        if not (folder / _STAMP).is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            for src in _sources():
                dll, libs = SHIMS[src.name]
                runner.run([tools.mingw_gcc, *CFLAGS, "-o", folder / dll, src,
                            *(f"-l{lib}" for lib in libs)],
                           name=f"mingw-{Path(dll).stem}", timeout=300)
            (folder / _STAMP).write_text(f"{key}\n", encoding="utf-8")
    return Shims(folder, dlls, key)


def install_shims(shims: Shims, python_dir: Path) -> None:
    """Put the DLLs beside ``python.exe``."""
    for dll in shims.dlls:
        shutil.copy2(dll, python_dir / dll.name)
        (python_dir / dll.name).chmod(0o755)
