"""What goes into the Glance, Keystone and tempest environments.

Versions are pinned here and by ``constraints/upper-constraints.txt``; refresh the
latter with ``winci constraints refresh``.
"""

from __future__ import annotations

import re
from pathlib import Path

from winci.envs.builder import EnvSpec
from winci.envs.constraints import upper_constraints as upper_constraints  # re-exported

KEYSTONE_VERSION = "30.0.0"
TEMPEST_VERSION = "47.0.0"
# Neither tempest nor its plugins are in OpenStack's upper constraints (they are
# branchless): both are pinned here. 0.17.0 is the newest release, made for the tempest
# of its time (47.0.0); it requires only tempest>=17.1.0.
GLANCE_TEMPEST_PLUGIN_VERSION = "0.17.0"

# Test requirements the lanes do not use: linters, coverage and the PostgreSQL driver
# (no PostgreSQL lane; it needs libpq to build).
EXCLUDED_TEST_REQUIREMENTS = frozenset({"hacking", "doc8", "coverage", "psycopg2"})


def _requirement_lines(path: Path, exclude: frozenset[str] = frozenset()) -> list[str]:
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        name = re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0].lower()
        if name in exclude:
            continue
        lines.append(line)
    return lines


def glance_env(tree: Path, *, extra: tuple[str, ...] = (), local_key: str = "",
               constraints: Path | None = None) -> EnvSpec:
    """Glance's requirements and test requirements, never Glance itself: a run puts its
    work tree on the path of the Glance processes it starts
    (:func:`winci.worktree.tree.tree_path_env`; the local backend's venvs carry
    :data:`~winci.worktree.tree.TREE_ON_PATH_LAYOUT` in ``local_key``)."""
    reqs = _requirement_lines(tree / "requirements.txt")
    test_reqs = tree / "test-requirements.txt"
    if test_reqs.is_file():
        reqs += _requirement_lines(test_reqs, EXCLUDED_TEST_REQUIREMENTS)
    reqs += ["stestr", "waitress", "PyMySQL", *extra]
    return EnvSpec(name="glance", requirements=tuple(reqs),
                   constraints=constraints or upper_constraints(), local_key=local_key)


def keystone_env(*, extra: tuple[str, ...] = (), local_key: str = "",
                 constraints: Path | None = None, keystone: str | None = None) -> EnvSpec:
    """Keystone from PyPI, or ``keystone`` (the patched wheel) in its place."""
    return EnvSpec(name="keystone",
                   requirements=(keystone or f"keystone=={KEYSTONE_VERSION}", "PyMySQL",
                                 "waitress", *extra),
                   constraints=constraints or upper_constraints(), local_key=local_key)


PATCHED_GLANCE_LIBRARIES = ("glance_store", "oslo.concurrency", "oslo.log", "os-brick")


def patched_env_inputs(wheels: dict[str, Path]) -> tuple[tuple[str, ...], str | None]:
    """From the patch queue's library wheels: Glance's extra requirements, Keystone's wheel.

    The wheels go in the same ``pip install`` as the requirements (a later ``--no-deps``
    install would be skipped: same version), and their paths carry the series hash, so
    a changed queue gives new venv keys.
    """
    glance_extra = tuple(str(wheels[d]) for d in PATCHED_GLANCE_LIBRARIES if d in wheels)
    keystone = str(wheels["keystone"]) if "keystone" in wheels else None
    return glance_extra, keystone


def tempest_env(*, constraints: Path | None = None) -> EnvSpec:
    """tempest and glance-tempest-plugin (its tests are found by tempest's discovery)."""
    return EnvSpec(name="tempest",
                   requirements=(f"tempest=={TEMPEST_VERSION}",
                                 f"glance-tempest-plugin=={GLANCE_TEMPEST_PLUGIN_VERSION}"),
                   constraints=constraints or upper_constraints())
