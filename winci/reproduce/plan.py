"""The environment to re-run a build in: its Glance source, patch queue and database,
and what differs here from the build."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from winci import __version__
from winci.errors import UsageError
from winci.reproduce.build import Build
from winci.worktree.sources import DEFAULT_GLANCE_VERSION

GLANCE_REVIEW = "https://review.opendev.org/openstack/glance"
GLANCE_GIT = "https://opendev.org/openstack/glance"


def change_ref(change: str, patchset: str) -> str:
    """Gerrit's ref of a patch set: refs/changes/<last two digits>/<change>/<patchset>."""
    return f"refs/changes/{change[-2:].rjust(2, '0')}/{change}/{patchset}"


def how_to_get_tree(build: Build) -> str:
    """Instructions to get the Glance tree a build tested."""
    change, patchset = build.zuul_value("change"), build.zuul_value("patchset")
    project = build.zuul_value("project") or ""
    glance = build.glance
    clone = f"git clone {GLANCE_GIT} glance && cd glance"
    if change and patchset and project.endswith("glance"):
        ref = build.zuul_value("ref") or change_ref(change, patchset)
        if not ref.startswith("refs/changes/"):
            ref = change_ref(change, patchset)
        return (f"{clone} && git fetch {GLANCE_REVIEW} {ref} && git checkout FETCH_HEAD, "
                "then pass --glance-src PATH")
    if glance.git_sha:
        return (f"{clone} && git checkout {glance.git_sha}, then pass --glance-src PATH "
                f"(the build tested {glance.git_ref or 'that commit'})")
    return "pass --glance-src PATH with the Glance tree the build tested"


def describe_source(build: Build) -> str:
    g = build.glance
    parts = [f"{build.glance_kind or 'unknown'} {g.version or '?'}"]
    if g.git_ref or g.git_sha:
        parts.append(f"ref {g.git_ref or '-'} sha {(g.git_sha or '-')[:12]}")
    return ", ".join(parts)


def current_queue_hash() -> str | None:
    from winci.patches import current_queue

    return current_queue().id


@dataclass
class Plan:
    glance_src: Path | None
    patches: bool
    db: str
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def plan_environment(build: Build, glance_src: Path | None,
                     fetch_release: Callable[[str], Path] | None = None) -> Plan:
    """The Glance source, patch queue and database to use here, with what differs."""
    notes: list[str] = []
    warnings: list[str] = []
    db = str(build.manifest.options.get("db") or "mysql")
    if db not in ("mysql", "sqlite"):
        db = "mysql"
    version = build.glance.version
    if glance_src is not None:
        notes.append(f"Glance: --glance-src {glance_src} (the build tested "
                     f"{describe_source(build)})")
    elif build.glance_kind == "pypi":
        if version and version != DEFAULT_GLANCE_VERSION:
            if fetch_release is None:
                raise UsageError(f"the build tested Glance {version} from PyPI",
                                 "pass --glance-src with that release's tree")
            glance_src = fetch_release(version)
        notes.append(f"Glance: {version or DEFAULT_GLANCE_VERSION} from PyPI, as the build")
    else:
        raise UsageError(
            f"the build tested a Glance tree ({describe_source(build)}), which is not here",
            how_to_get_tree(build))
    recorded, current = build.queue_hash, current_queue_hash()
    if recorded != current:
        warnings.append(f"the patch queue differs from the build's: queue hash {current} "
                        f"here, {recorded} in the build (check out the winci commit the "
                        "build used to get the same queue)")
    built_with = build.manifest.winci_version
    if built_with and built_with != __version__:
        warnings.append(f"winci {__version__} here, {built_with} in the build")
    if not build.patches_used:
        notes.append("patch queue: not applied, as in the build (--no-patches)")
    return Plan(glance_src, build.patches_used, db, notes, warnings)
