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

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from winci.docker.images import (
    BuildOptions,
    BuildPlan,
    GlanceInfo,
    make_plan,
    plan_table,
    stage_contexts,
)
from winci.procs import Runner
from winci.worktree.sources import DEFAULT_GLANCE_VERSION, resolve, sync_tree

if TYPE_CHECKING:
    import docker

    from winci.docker.build import BuiltImage


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


def build_images(client: docker.DockerClient, options: BuildOptions, glance_src: Path | None,
                 runner: Runner, *, apply_patches: bool = True, nocache: bool = False,
                 echo: Callable[[str], None] | None = None) -> tuple[Prepared, list[BuiltImage]]:
    """Prepare and build every image of ``options``, one build per work dir at a time.

    This is what ``winci build`` runs, and what a docker-backend run calls before it
    starts the stack: it returns the plan (image refs in ``plan.image(name).ref``) and
    the built images with their durations and cache use.
    """
    from winci.docker.build import build_plan
    from winci.host.filelock import FileLock

    options = _with_local_base(client, options)
    options.work_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(options.work_dir / "build.lock", what="another winci build"):
        prepared = prepare(options, glance_src, runner, apply_patches=apply_patches)
        if echo:
            echo(plan_table(prepared.plan))
        built = build_plan(client, prepared.plan, runner.log_dir, nocache=nocache)
    return prepared, built


def _with_local_base(client: docker.DockerClient, options: BuildOptions) -> BuildOptions:
    """Use the debootstrap image of scripts/test.d/podman.sh when no Linux base image is
    chosen and the default one is not in the engine (no registry is reachable there)."""
    import docker.errors

    from winci.docker.images import LINUX_BASE_IMAGE, LINUX_BASE_IMAGE_ENV, LOCAL_BASE_IMAGE

    if options.platform != "linux" or options.linux_base_image or os.environ.get(
            LINUX_BASE_IMAGE_ENV):
        return options
    for name, use in ((LINUX_BASE_IMAGE, ""), (LOCAL_BASE_IMAGE, LOCAL_BASE_IMAGE)):
        try:
            client.images.get(name)
        except docker.errors.ImageNotFound:
            continue
        except docker.errors.APIError:
            return options
        return replace(options, linux_base_image=use)
    return options
