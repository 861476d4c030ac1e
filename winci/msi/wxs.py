"""The WiX fragment that lists the staged files: one component per folder, every id and
GUID derived from the path (the same tree gives the same fragment, byte for byte)."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from xml.sax.saxutils import quoteattr

# Folders of the stage with fixed ids, referenced by packaging/windows/glance.wxs.
FIXED_IDS = {"python": "PYTHONDIR"}
NAMESPACE = uuid.UUID("9b0e6a4c-3f1d-4c2e-8a57-6d2f0b1e7c33")


def _id(kind: str, rel: str) -> str:
    return f"{kind}_{hashlib.sha1(rel.encode()).hexdigest()[:24]}"


def component_guid(rel_dir: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"component:{rel_dir}"))


def fragment(stage: Path, roots: tuple[str, ...], *, relative_to: Path) -> tuple[str, int]:
    """The fragment for the folders ``roots`` of ``stage`` (under INSTALLDIR), sources
    named relative to ``relative_to``, and how many files it lists."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">', "  <Fragment>",
             '    <DirectoryRef Id="INSTALLDIR">']
    components: list[str] = []
    count = 0

    def walk(folder: Path, rel: str, depth: int) -> None:
        nonlocal count
        pad = "  " * depth
        dir_id = FIXED_IDS.get(rel, _id("d", rel))
        lines.append(f"{pad}<Directory Id={quoteattr(dir_id)} Name={quoteattr(folder.name)}>")
        files = sorted(p for p in folder.iterdir() if p.is_file())
        if files:
            comp = _id("c", rel)
            components.append(comp)
            lines.append(f'{pad}  <Component Id="{comp}" Guid="{component_guid(rel)}" '
                         'Win64="yes">')
            for n, path in enumerate(files):
                key = ' KeyPath="yes"' if n == 0 else ""
                lines.append(f"{pad}    <File Id=\"{_id('f', rel + '/' + path.name)}\" "
                             f"Name={quoteattr(path.name)} "
                             f"Source={quoteattr(path.relative_to(relative_to).as_posix())}{key}/>")
            count += len(files)
            lines.append(f"{pad}  </Component>")
        for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
            walk(sub, f"{rel}/{sub.name}", depth + 1)
        lines.append(f"{pad}</Directory>")

    for root in roots:
        walk(stage / root, root, 3)
    lines += ["    </DirectoryRef>", '    <ComponentGroup Id="GlanceFiles">']
    lines += [f'      <ComponentRef Id="{c}"/>' for c in components]
    lines += ["    </ComponentGroup>", "  </Fragment>", "</Wix>", ""]
    return "\n".join(lines), count
