"""The files fragment: one component per folder with files, ids and GUIDs from paths
only, sources relative to wixl's working folder, byte-identical for the same tree."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from winci.msi import wxs

from .conftest import STAGE_FILES, make_stage

NS = {"w": "http://schemas.microsoft.com/wix/2006/wi"}


def _fragment(stage: Path, relative_to: Path) -> tuple[str, int]:
    return wxs.fragment(stage, ("python", "share"), relative_to=relative_to)


def test_fragment_lists_every_file_once_with_its_source(stage_dir: Path) -> None:
    text, count = _fragment(stage_dir, stage_dir.parent)
    root = ET.fromstring(text)
    files = root.findall(".//w:File", NS)
    listed = {f.get("Source"): f.get("Name") for f in files}
    expected = {f"stage/{rel}": Path(rel).name for rel in STAGE_FILES
                if not rel.startswith("service/")}
    assert listed == expected and count == len(expected)
    assert len({f.get("Id") for f in files}) == len(files)


def test_one_component_per_folder_with_files_its_first_file_the_key(stage_dir: Path) -> None:
    root = ET.fromstring(_fragment(stage_dir, stage_dir.parent)[0])
    components = root.findall(".//w:Component", NS)
    # python, Lib/site-packages, glance, glance/api/v2, share, share/templates; not the
    # folders without files (Lib, glance/api, the empty one)
    assert len(components) == 6
    for comp in components:
        keys = [f.get("KeyPath") for f in comp.findall("w:File", NS)]
        assert keys[0] == "yes" and set(keys[1:]) <= {None}
        assert comp.get("Win64") == "yes"
    refs = [r.get("Id") for r in root.findall(".//w:ComponentGroup/w:ComponentRef", NS)]
    assert refs == [c.get("Id") for c in components]
    python = root.find(".//w:Directory[@Name='python']", NS)
    assert python is not None and python.get("Id") == "PYTHONDIR"  # glance.wxs uses it
    empty = root.find(".//w:Directory[@Name='empty']", NS)
    assert empty is not None and not list(empty)


def test_guids_and_ids_come_from_paths_only(stage_dir: Path, tmp_path: Path) -> None:
    text, _ = _fragment(stage_dir, stage_dir.parent)
    assert _fragment(stage_dir, stage_dir.parent)[0] == text  # byte for byte
    elsewhere = make_stage(tmp_path / "elsewhere" / "stage")
    moved, _ = _fragment(elsewhere, elsewhere.parent)
    assert moved == text  # the same tree in another folder: the same fragment
    root = ET.fromstring(text)
    guids = {c.get("Guid") for c in root.findall(".//w:Component", NS)}
    assert wxs.component_guid("python/Lib/site-packages/glance") in guids
    assert wxs.component_guid("python") != wxs.component_guid("share")


def test_a_new_file_changes_only_its_own_folder(stage_dir: Path) -> None:
    before = ET.fromstring(_fragment(stage_dir, stage_dir.parent)[0])
    (stage_dir / "share" / "new.ini").write_bytes(b"")
    after = ET.fromstring(_fragment(stage_dir, stage_dir.parent)[0])
    ids = {c.get("Id"): c.get("Guid") for c in before.findall(".//w:Component", NS)}
    assert ids == {c.get("Id"): c.get("Guid") for c in after.findall(".//w:Component", NS)}
    new = after.findall(".//w:File[@Name='new.ini']", NS)
    assert len(new) == 1
