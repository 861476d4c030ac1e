"""A real wixl build of packaging/windows/glance.wxs around a tiny stage (the build's own
steps: the files fragment, wixl, HideTarget, the summary stream), read back with
msiinfo and olefile; two builds byte-identical. The custom action DLL built twice with
mingw-w64, byte-identical. Skipped with the reason where the programs are missing."""

from __future__ import annotations

import datetime
import os
import shutil
import sys
from pathlib import Path

import olefile
import pytest

from winci.msi import build, stage, summary, tables
from winci.msi.tools import MsiTools
from winci.procs import Runner

from .conftest import STAGE_FILES, make_stage

SERVICE_SOURCE = Path(__file__).resolve().parents[2] / "packaging" / "windows" / "service"
if str(SERVICE_SOURCE) not in sys.path:
    sys.path.insert(0, str(SERVICE_SOURCE))

from glance_windows_service.settings import PROPERTIES  # noqa: E402

VERSION = "33.0.0"
PACKAGE = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
EPOCH = 1_600_000_000


def _build(runner: Runner, tools: MsiTools, work: Path,
           written: int | None = None) -> tuple[Path, int, bytes]:
    """The MSI as winci builds it, from a stage in ``work`` (its files written at the
    time ``written``, or now); also wixl's own bytes."""
    staged = make_stage(work / "stage")
    if written is not None:
        for path in staged.rglob("*"):
            os.utime(path, (written, written))
    stage.set_times(staged, EPOCH)
    ca = work / "runpython.dll"
    ca.write_bytes(b"MZ custom action")
    msi = work / "out" / f"glance-{VERSION}-x64.msi"
    msi.parent.mkdir()
    files = build._wixl(runner, tools, work, staged, VERSION, PACKAGE, ca, msi)
    raw = msi.read_bytes()
    summary.normalize(msi, PACKAGE, EPOCH)
    return msi, files, raw


@pytest.fixture
def built(runner: Runner, msi_tools: MsiTools, tmp_path: Path) -> tuple[Path, int]:
    msi, files, _ = _build(runner, msi_tools, tmp_path / "a")
    return msi, files


def _rows(runner: Runner, tools: MsiTools, msi: Path, table: str) -> list[dict[str, str]]:
    return tables.export(runner, tools.msiinfo, msi, table)


def test_files_and_components_are_the_stage(built: tuple[Path, int], runner: Runner,
                                            msi_tools: MsiTools) -> None:
    msi, count = built
    files = _rows(runner, msi_tools, msi, "File")
    names = sorted(row["FileName"].split("|")[-1] for row in files)
    assert names == sorted(Path(rel).name for rel in STAGE_FILES)
    assert count == len(STAGE_FILES) - 2  # the fragment's; the exes are glance.wxs's
    sizes = {row["FileName"].split("|")[-1]: int(row["FileSize"]) for row in files}
    assert sizes["images.py"] == len(STAGE_FILES[
        "python/Lib/site-packages/glance/api/v2/images.py"])
    components = {row["Component"]: row for row in _rows(runner, msi_tools, msi, "Component")}
    # the fragment's six folders and the two services' components
    assert len(components) == 8
    assert {components[c]["Directory_"] for c in ("ApiService", "ScrubberService")} == {
        "PYTHONDIR"}
    for row in components.values():
        assert row["ComponentId"].startswith("{") and row["KeyPath"]
    directories = {row["Directory"]: row for row in _rows(runner, msi_tools, msi, "Directory")}
    assert directories["PYTHONDIR"]["Directory_Parent"] == "INSTALLDIR"


def test_services_properties_and_steps_are_declared(built: tuple[Path, int], runner: Runner,
                                                    msi_tools: MsiTools) -> None:
    msi, _ = built
    services = {row["Name"]: row for row in _rows(runner, msi_tools, msi, "ServiceInstall")}
    assert set(services) == {"glance-api", "glance-scrubber"}
    assert services["glance-api"]["Arguments"] == "-m glance_windows_service host glance-api"
    assert services["glance-api"]["StartType"] == "2"  # automatic
    properties = {row["Property"]: row["Value"]
                  for row in _rows(runner, msi_tools, msi, "Property")}
    assert properties["MsiHiddenProperties"].split(";") == [
        "DATABASE_URL", "GLANCE_PASSWORD", "GlanceInstall"]
    # the MSI's defaults are the install step's (glance_windows_service.settings)
    for key, default in PROPERTIES.items():
        if default:
            assert properties[key] == default, key
    actions = {row["Action"]: row for row in _rows(runner, msi_tools, msi, "CustomAction")}
    sent = dict(line.split("=", 1) for line in actions["SetGlanceInstall"]["Target"].split("\n"))
    assert sent == {key: f"[{key}]" for key in PROPERTIES}  # every property, none more
    sequence = {row["Action"]: int(row["Sequence"])
                for row in _rows(runner, msi_tools, msi, "InstallExecuteSequence")}
    assert sequence["InstallServices"] < sequence["GlanceInstall"] < sequence["StartServices"]
    assert sequence["StopServices"] < sequence["GlanceRemove"] < sequence["DeleteServices"]
    assert sequence["CostInitialize"] > sequence["SetScrubberLevel"]


def test_the_actions_with_the_settings_hide_their_target(
        built: tuple[Path, int], runner: Runner, msi_tools: MsiTools) -> None:
    msi, _ = built
    types = {row["Action"]: int(row["Type"])
             for row in _rows(runner, msi_tools, msi, "CustomAction")}
    for action in tables.SECRET_ACTIONS:
        assert types[action] & tables.HIDE_TARGET, action
    assert not types["GlanceRemove"] & tables.HIDE_TARGET  # only INSTALLDIR: kept visible
    assert types["GlanceInstall"] & 0x3F == 1 and types["GlanceInstall"] & 0x400  # DLL, deferred
    assert types["SetGlanceInstall"] & 0x3F == 51  # sets a property


def test_the_summary_has_fixed_times_and_package_code(built: tuple[Path, int]) -> None:
    msi, _ = built
    assert summary.package_code(msi) == "{" + PACKAGE.upper() + "}"
    with olefile.OleFileIO(str(msi)) as ole:
        meta = ole.get_metadata()
    when = datetime.datetime.fromtimestamp(EPOCH, datetime.UTC).replace(tzinfo=None)
    assert (meta.create_time, meta.last_saved_time) == (when, when)


def test_two_builds_are_byte_identical(runner: Runner, msi_tools: MsiTools,
                                       tmp_path: Path) -> None:
    # stages written minutes apart, as two builds' are: the cabinet records file times
    first, _, raw_first = _build(runner, msi_tools, tmp_path / "a", EPOCH + 60)
    second, _, raw_second = _build(runner, msi_tools, tmp_path / "b", EPOCH + 300)
    assert raw_first != raw_second  # wixl's own: its time and a random package code
    assert first.read_bytes() == second.read_bytes()


def test_the_custom_action_dll_is_reproducible(runner: Runner, msi_tools: MsiTools,
                                               tmp_path: Path) -> None:
    if shutil.which(str(msi_tools.mingw_gcc)) is None:
        pytest.skip(f"{msi_tools.mingw_gcc} not installed (apt-get install "
                    "gcc-mingw-w64-x86-64)")
    dlls = []
    for name in ("one", "two/deeper"):
        (tmp_path / name).mkdir(parents=True)
        dlls.append(build._custom_action(runner, msi_tools, tmp_path / name).read_bytes())
    assert dlls[0] == dlls[1] and dlls[0][:2] == b"MZ"
