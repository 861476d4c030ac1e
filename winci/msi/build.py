"""Build the MSI: inputs (wheels, the Windows environment under Wine), the stage, the
custom action DLL (mingw-w64), the files fragment, Debian's wixl, HideTarget on the
custom actions that carry the settings (:mod:`~.tables`), then the summary stream made
reproducible. Built once per key in ``<cache>/msi/glance-<version>-<key>/``
(the key hashes every input: the environment's key, the interpreter, the shim, the
WiX source, the custom action, the template and the service package), marked
complete last, under a lock; ``force`` builds anew into ``dest``.

Same inputs, same bytes: ids and GUIDs come from paths and the version, file times and
the summary's times from ``SOURCE_DATE_EPOCH``, the package code from the key.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from winci.backends.wine import metadata_env
from winci.envs import ensure_env
from winci.errors import InfraError
from winci.host.filelock import FileLock
from winci.host.paths import cache_dir, venv_python
from winci.msi import inputs, stage, summary, tables, wxs
from winci.msi.tools import MsiTools, ensure_msi_tools
from winci.platforms.wine.env import env_dir
from winci.platforms.wine.provision import WinePlatform
from winci.procs import Runner
from winci.ui import Progress
from winci.worktree.prepared import PreparedTree
from winci.worktree.tree import ensure_tree_metadata

WXS = inputs.PACKAGING / "glance.wxs"
CUSTOM_ACTION = inputs.PACKAGING / "customaction" / "runpython.c"
# No time stamp, and no image base derived from the output's path (ld's auto image
# base hashes it): the same source gives the same DLL wherever it is built.
CA_FLAGS = ("-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-s", "-municode",
            "-Wl,--no-insert-timestamp", "-Wl,--disable-auto-image-base")
BUILD_FORMAT = "2"  # bumped when the build makes another MSI of the same inputs
NAMESPACE = uuid.UUID("3f6e2b1a-7c4d-4e8f-9a0b-1c2d3e4f5a6b")
_STAMP = "msi.json"


@dataclass(frozen=True)
class MsiBuild:
    path: Path
    version: str
    key: str
    product_code: str
    package_code: str
    size: int
    files: int
    seconds: float
    reused: bool


def product_code(version: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"product:{version}"))


def _key(env: Path, wine: WinePlatform, shim: Path, glance: str) -> str:
    digest = hashlib.sha256(
        f"{BUILD_FORMAT}|{env.name}|{wine.interpreter.key}|{CA_FLAGS}|{glance}|".encode())
    for path in (WXS, CUSTOM_ACTION, stage.TEMPLATE, shim):
        digest.update(path.read_bytes())
    digest.update(inputs.source_digest(inputs.SERVICE_SOURCE,
                                       ("pyproject.toml", "glance_windows_service")).encode())
    return digest.hexdigest()[:12]


def _custom_action(runner: Runner, tools: MsiTools, dest: Path) -> Path:
    dll = dest / "runpython.dll"
    runner.run([tools.mingw_gcc, *CA_FLAGS, "-o", dll.name, CUSTOM_ACTION, "-lmsi"],
               name="msi-custom-action", timeout=300, cwd=dest)
    return dll


def _wixl(runner: Runner, tools: MsiTools, work: Path, staged: Path, version: str,
          package: str, ca: Path, out: Path) -> int:
    # wixl takes sources relative to the folder it runs in (absolute ones fail), so
    # the WiX files, the stage and the DLL sit together in ``work``.
    text, files = wxs.fragment(staged, ("python", "share"), relative_to=work)
    (work / "files.wxs").write_text(text, encoding="utf-8")
    shutil.copyfile(WXS, work / WXS.name)
    defines = {"Version": version, "ProductCode": product_code(version),
               "PackageCode": package, "StageDir": staged.relative_to(work).as_posix(),
               "CustomActionDll": ca.relative_to(work).as_posix()}
    runner.run([tools.wixl, "-a", "x64",
                *(arg for k, v in defines.items() for arg in ("-D", f"{k}={v}")),
                "-o", out, WXS.name, "files.wxs"], name="msi-wixl", timeout=3600, cwd=work)
    tables.hide_targets(runner, tools.msiinfo, tools.msibuild, out)
    return files


def build_msi(runner: Runner, progress: Progress, tree: PreparedTree, wine: WinePlatform,
              *, force: bool = False, dest: Path | None = None) -> MsiBuild:
    """The MSI of ``tree`` (built now unless this key has one, or ``force``)."""
    started = time.monotonic()
    tools = ensure_msi_tools(runner)
    version = tree.source.version
    with progress.phase("msi: wheels and the Windows environment"):
        service = inputs.service_wheel(runner)
        spec = inputs.env_spec(tree, service)
        env = wine.ensure_env(spec)
        pbr = ensure_env(metadata_env(tree.constraints), runner)
        ensure_tree_metadata(runner, venv_python(pbr), tree.path, version)
    shim = next(p for p in wine.shims.dlls if p.name == "bcryptprimitives.dll")
    key = _key(env_dir(spec, wine.interpreter), wine, shim, inputs.glance_digest(tree.path))
    folder = dest or cache_dir() / "msi" / f"glance-{version}-{key}"
    msi = folder / f"glance-{version}-x64.msi"
    if not force and (folder / _STAMP).is_file() and msi.is_file():
        return _result(folder, msi, time.monotonic() - started, reused=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(folder.parent / f"{folder.name}.lock", what="the Glance MSI"):
        if not force and (folder / _STAMP).is_file() and msi.is_file():
            return _result(folder, msi, time.monotonic() - started, reused=True)
        shutil.rmtree(folder, ignore_errors=True)
        work = folder / "work"
        work.mkdir(parents=True)
        epoch = summary.source_date_epoch()
        with progress.phase("msi: stage"):
            staged = stage.stage(runner, release=wine.interpreter.embed_release,
                                 minor=wine.interpreter.python, env=env, tree=tree.path,
                                 shim=shim, dest=work / "stage", epoch=epoch)
        package = str(uuid.uuid5(NAMESPACE, f"package:{version}:{key}"))
        with progress.phase("msi: wixl"):
            ca = _custom_action(runner, tools, work)
            files = _wixl(runner, tools, work, staged, version, package, ca, msi)
            summary.normalize(msi, package, epoch)
        seconds = time.monotonic() - started
        (folder / _STAMP).write_text(json.dumps({
            "msi": msi.name, "version": version, "key": key,
            "product_code": product_code(version), "package_code": package,
            "files": files, "build_seconds": round(seconds, 1),
            "source_date_epoch": epoch}, indent=1), encoding="utf-8")
        shutil.rmtree(work / "stage", ignore_errors=True)
        return _result(folder, msi, seconds, reused=False)


def _result(folder: Path, msi: Path, seconds: float, *, reused: bool) -> MsiBuild:
    try:
        data = json.loads((folder / _STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InfraError(f"the MSI build record in {folder} cannot be read: {exc}") from exc
    return MsiBuild(path=msi, version=data["version"], key=data["key"],
                    product_code=data["product_code"], package_code=data["package_code"],
                    size=msi.stat().st_size, files=int(data["files"]),
                    seconds=seconds if not reused else float(data["build_seconds"]),
                    reused=reused)
