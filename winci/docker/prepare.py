"""Everything ``winci build`` does before the engine: sources, patches, plan, contexts.

Steps, in order:

1. resolve the Glance source (``--glance-src`` or the pinned PyPI release);
2. copy it to a work tree and apply the patch queue's Glance series there;
3. build wheels of the libraries the queue patches (keystone, oslo.log, ...);
4. make the plan (tags from the Glance version, the queue hash and winci's version);
5. stage the build contexts (``<work_dir>/<platform>/<image>/``).

A dry run stops after step 4 and touches nothing: it neither downloads nor patches.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from winci.docker.images import BuildOptions, BuildPlan, GlanceInfo, make_plan, stage_contexts
from winci.procs import Runner
from winci.sources import DEFAULT_GLANCE_VERSION, resolve, sync_tree


@dataclass
class Prepared:
    plan: BuildPlan
    glance_tree: Path | None = None
    wheels: dict[str, Path] = field(default_factory=dict)


def _queue() -> tuple[str, bool]:
    """The queue hash and whether it patches anything."""
    from winci.patches import load_queue, queue_hash

    queue = load_queue()
    return queue_hash(queue), any(series.patches for series in queue)


def dry_run_plan(options: BuildOptions, glance_src: Path | None, runner: Runner) -> BuildPlan:
    """The plan without downloading, patching or staging anything."""
    qhash, patches = _queue()
    if glance_src is None:
        glance = GlanceInfo(version=DEFAULT_GLANCE_VERSION, kind="pypi")
    else:
        source = resolve(glance_src, runner)  # a local tree: reads it, downloads nothing
        glance = GlanceInfo(version=source.version, tree=source.path, kind=source.kind,
                            git_ref=source.git_ref, git_sha=source.git_sha)
    return make_plan(replace(options, queue_hash=qhash, patches_applied=patches), glance)


def prepare(options: BuildOptions, glance_src: Path | None, runner: Runner, *,
            apply_patches: bool = True) -> Prepared:
    """Sources patched, wheels built, plan made and contexts staged, ready to build."""
    from winci.envs.specs import upper_constraints
    from winci.patches import apply_glance, prepare_patched_libraries

    qhash, patches = _queue()
    source = resolve(glance_src, runner)
    work = options.work_dir / "glance-work"
    sync_tree(source.path, work)
    wheels: dict[str, Path] = {}
    if apply_patches:
        apply_glance(runner, work)
        wheels = prepare_patched_libraries(runner, upper_constraints())
    glance = GlanceInfo(version=source.version, tree=work, kind=source.kind,
                        git_ref=source.git_ref, git_sha=source.git_sha)
    plan = make_plan(replace(options, queue_hash=qhash,
                             patches_applied=patches and apply_patches), glance)
    stage_contexts(plan, glance_tree=work, wheels=wheels)
    return Prepared(plan, work, wheels)
