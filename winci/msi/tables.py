"""The MSI's tables, read with msiinfo and changed with msibuild (Debian's msitools):
what wixl does not write itself.

wixl ignores WiX's ``HideTarget="yes"``, so :func:`hide_targets` sets
msidbCustomActionTypeHideTarget (0x2000) on the custom actions that carry the install's
settings: with it Windows Installer writes neither their target nor a deferred action's
CustomActionData into its log (the property holding that data is also listed in
``MsiHiddenProperties``, see packaging/windows/glance.wxs).
"""

from __future__ import annotations

from pathlib import Path

from winci.errors import InfraError
from winci.procs import Runner

HIDE_TARGET = 0x2000
# The type-51 action that gathers the settings and the deferred action that gets them.
SECRET_ACTIONS = ("SetGlanceInstall", "GlanceInstall")


def export(runner: Runner, msiinfo: Path, msi: Path, table: str) -> list[dict[str, str]]:
    """The rows of ``table`` in ``msi`` (``msiinfo export``: a row ends with CRLF, a
    newline inside a value is a bare LF; the header is column names, types, the table)."""
    out = msi.with_name(f"{msi.name}.{table}.idt")
    try:
        runner.run([msiinfo, "export", msi, table], name=f"msiinfo-export-{table}",
                   timeout=600, stdout_path=out)
        text = out.read_bytes().decode("utf-8", "replace")
    finally:
        out.unlink(missing_ok=True)
    lines = text.split("\r\n")
    if len(lines) < 3:
        raise InfraError(f"msiinfo export {msi.name} {table} printed no table header")
    columns = lines[0].split("\t")
    return [dict(zip(columns, line.split("\t"), strict=False)) for line in lines[3:] if line]


def hide_targets(runner: Runner, msiinfo: Path, msibuild: Path, msi: Path,
                 actions: tuple[str, ...] = SECRET_ACTIONS) -> dict[str, int]:
    """Set HideTarget on ``actions`` in ``msi`` (in place); their types, as set."""
    types = {row["Action"]: int(row["Type"])
             for row in export(runner, msiinfo, msi, "CustomAction")}
    missing = [name for name in actions if name not in types]
    if missing:
        raise InfraError(f"{msi.name}: no custom action {', '.join(missing)} to hide",
                         "packaging/windows/glance.wxs and winci/msi/tables.py disagree")
    queries = [f"UPDATE `CustomAction` SET `Type` = {types[name] | HIDE_TARGET} "
               f"WHERE `Action` = '{name}'" for name in actions]
    runner.run([msibuild, msi, *(arg for q in queries for arg in ("-q", q))],
               name="msibuild-hide-targets", timeout=600)
    return {name: types[name] | HIDE_TARGET for name in actions}
