"""The Windows simulation: run a Linux test process under the Windows rules Linux can emulate.

This is a simulation, never a Windows run. :func:`lane_env` prepares the start-up hook
(the package :mod:`winci.simulate.hook`, copied into the run's hook folder by
:func:`install_hook`) and returns the environment variables that switch it on for a test
run; :func:`collect` reads back what the hook
recorded, grouped by emulated behaviour; :func:`attribute_failures` maps failed tests to
the behaviours that tripped in them. :data:`NOT_EMULATED` says what the simulation cannot
reproduce. See docs/portability.md.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from winci.errors import UsageError
from winci.portability import posix_api
from winci.simulate import hook
from winci.simulate.hook import settings, startup

BEHAVIOURS: tuple[str, ...] = settings.BEHAVIOURS

#: What a Linux process cannot be made to do like Windows (listed in the lane's output).
NOT_EMULATED: tuple[str, ...] = (
    "os.name stays 'posix' and sys.platform 'linux': code that branches on them takes the "
    "POSIX branch",
    "path separators: os.sep is '/', os.path is posixpath, backslashes are ordinary "
    "characters",
    "drive letters, UNC paths (\\\\server\\share) and case-insensitive file names",
    "the real Windows filesystem: NTFS/ReFS/SMB semantics, ACLs instead of mode bits, "
    "MAX_PATH, reserved names (CON, NUL...), file locking by other processes",
    "the process model: no fork exists on Windows, but the standard library and "
    "third-party code outside the simulated scope still fork and exec here; spawn-only "
    "multiprocessing, job objects, console control events",
    "signals delivered by the kernel (SIGPIPE, SIGCHLD still happen); os.kill semantics "
    "(TerminateProcess)",
    "sockets: Winsock error codes (errno values stay Linux's), SO_REUSEADDR semantics, "
    "socket.share()/fromshare()",
    "the Windows builds of native extensions and the standard library's Windows code "
    "paths (msvcrt, _winapi, winreg, ntpath)",
    "text-mode newline translation (\\r\\n) and the default ANSI code page encoding",
    "programs: only POSIX-only names are hidden (not programs Windows has with other "
    "options, such as find or sort), and a command run through a shell still runs (cmd.exe "
    "answers exit status 9009)",
)

HOOK_DIR_NAME = "hook"
TRIPS_GLOB = "trips-*.jsonl"


def install_hook(folder: Path) -> Path:
    """Write the hook into ``folder`` (to be put first on ``PYTHONPATH``); return ``folder``.

    ``folder/sitecustomize.py`` is :mod:`winci.simulate.hook.startup`, which imports the
    rest of the hook package from ``folder/_winci_simulation/``; the POSIX-only names go
    beside it as ``_winci_posix_api.py``. Nothing there imports winci.
    """
    package = folder / startup.PACKAGE
    package.mkdir(parents=True, exist_ok=True)
    start_file = Path(startup.__file__)
    for source in sorted(Path(hook.__file__).parent.glob("*.py")):
        if source.name != start_file.name:
            shutil.copyfile(source, package / source.name)
    shutil.copyfile(start_file, folder / "sitecustomize.py")
    shutil.copyfile(Path(posix_api.__file__), folder / "_winci_posix_api.py")
    return folder


def lane_env(
    record_dir: Path,
    disabled: Iterable[str] = frozenset(),
    scope: Sequence[Path] = (),
    pythonpath: str | None = None,
) -> dict[str, str]:
    """Environment variables to add to a test run so its processes run the simulation.

    ``record_dir`` receives the trip records (and the hook, in ``record_dir/hook``);
    ``disabled`` names behaviours to switch off (see :data:`BEHAVIOURS`); ``scope`` lists
    the source roots held to Windows rules (default: everything outside the standard
    library and site-packages); ``pythonpath`` is the PYTHONPATH the run would otherwise
    have (default: this process's), kept after the hook folder.
    """
    off = sorted({d.strip() for d in disabled if d.strip()})
    unknown = [d for d in off if d not in BEHAVIOURS]
    if unknown:
        raise UsageError(
            f"unknown simulated behaviour(s): {', '.join(unknown)}",
            f"choose from {', '.join(BEHAVIOURS)}",
        )
    record_dir = record_dir.resolve()
    record_dir.mkdir(parents=True, exist_ok=True)
    hook_dir = install_hook(record_dir / HOOK_DIR_NAME)
    rest = os.environ.get("PYTHONPATH", "") if pythonpath is None else pythonpath
    return {
        "PYTHONPATH": os.pathsep.join(p for p in (str(hook_dir), rest) if p),
        settings.ENABLE_VAR: "1",
        settings.RECORD_VAR: str(record_dir),
        settings.DISABLE_VAR: ",".join(off),
        settings.SCOPE_VAR: os.pathsep.join(str(p.resolve()) for p in scope),
    }


def read_trips(record_dir: Path) -> list[dict[str, Any]]:
    """Every trip the hook recorded under ``record_dir`` (unreadable lines skipped)."""
    trips: list[dict[str, Any]] = []
    for file in sorted(record_dir.glob(TRIPS_GLOB)):
        for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by a killed process
            if isinstance(record, dict) and "behaviour" in record:
                trips.append(record)
    return trips


def collect(record_dir: Path) -> dict[str, Any]:
    """The trips under ``record_dir`` grouped by behaviour.

    Returns ``{"total": n, "behaviours": {behaviour: {"trips": n, "tests": [test ids],
    "modules": [modules being imported when a trip happened outside any test],
    "sites": {"file:line in func": n}, "details": {detail: n}}}}``; behaviours that never
    tripped are left out.
    """
    groups: dict[str, dict[str, Any]] = {}
    trips = read_trips(record_dir)
    for trip in trips:
        group = groups.setdefault(
            str(trip["behaviour"]),
            {"trips": 0, "tests": set(), "modules": set(), "sites": {}, "details": {}},
        )
        group["trips"] += 1
        if trip.get("test_id"):
            group["tests"].add(str(trip["test_id"]))
        else:
            group["modules"].update(str(m) for m in trip.get("importing") or [])
        for key, field in (("sites", "site"), ("details", "detail")):
            value = str(trip.get(field, ""))
            group[key][value] = group[key].get(value, 0) + 1
    for group in groups.values():
        group["tests"] = sorted(group["tests"])
        group["modules"] = sorted(group["modules"])
    return {"total": len(trips), "behaviours": dict(sorted(groups.items()))}


def _base_id(test_id: str) -> str:
    return test_id.split("[", 1)[0]


def attribute_failures(
    collected: Mapping[str, Any], failed: Iterable[str]
) -> dict[str, list[str]]:
    """Group failed test ids by the behaviour that tripped in them.

    A test counts under every behaviour recorded with its id. A failure with none is
    matched to import-time trips (no test id) through the modules being imported then:
    ``unittest.loader._FailedTest.<module>`` or any test id inside ``<module>`` (tests a
    worker could not load are missing from the stream: pass them in as failed). What
    stays unmatched goes under ``"unattributed"``.
    """
    by_test: dict[str, set[str]] = {}
    by_module: dict[str, set[str]] = {}
    for behaviour, group in collected.get("behaviours", {}).items():
        for test_id in group.get("tests", []):
            by_test.setdefault(_base_id(test_id), set()).add(behaviour)
        for module in group.get("modules", []):
            by_module.setdefault(str(module), set()).add(behaviour)
    out: dict[str, list[str]] = {}
    for test_id in sorted(set(failed)):
        found = by_test.get(_base_id(test_id), set())
        if not found:
            name = test_id.removeprefix("unittest.loader._FailedTest.")
            found = set().union(*(
                behaviours for module, behaviours in by_module.items()
                if name == module or name.startswith(module + ".")
            ))
        for behaviour in sorted(found) or ["unattributed"]:
            out.setdefault(behaviour, []).append(test_id)
    return out
