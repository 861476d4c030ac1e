"""From a prepared Glance tree to built images: the plan, the contexts, the build.

``winci build`` and a docker-backend run share these steps. The tree itself (synced,
patched once, with the patched libraries' wheels built from the run's constraints)
comes from :func:`winci.worktree.prepared.prepare_tree`, the one preparation there is:
a run makes it before choosing where to execute it; ``winci build`` through
:func:`build_from_source`. Here nothing resolves, syncs or patches a source again.

1. the plan: tags from the Glance version, the queue hash and winci's version;
2. the contexts (``<work_dir>/<platform>/<image>/``): the tree, its wheels and its
   constraints staged into them;
3. the build, one per work dir at a time.

A dry run makes only the plan and touches nothing: it neither downloads nor patches.
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
from winci.envs.constraints import upper_constraints
from winci.patches import current_queue
from winci.procs import Runner
from winci.ui import Progress
from winci.worktree.prepared import PreparedTree, prepare_tree
from winci.worktree.sources import DEFAULT_GLANCE_VERSION, GlanceSource, resolve

if TYPE_CHECKING:
    import docker

    from winci.docker.build import BuiltImage

Echo = Callable[[str], None]


@dataclass
class Prepared:
    plan: BuildPlan
    glance_tree: Path | None = None
    wheels: dict[str, Path] = field(default_factory=dict)


def glance_info(source: GlanceSource, tree: Path | None) -> GlanceInfo:
    return GlanceInfo(version=source.version, tree=tree, kind=source.kind,
                      git_ref=source.git_ref, git_sha=source.git_sha)


def dry_run_plan(options: BuildOptions, glance_src: Path | None, runner: Runner, *,
                 apply_patches: bool = True) -> BuildPlan:
    """The plan without downloading, patching or staging anything."""
    queue = current_queue()
    if glance_src is None:
        glance = GlanceInfo(version=DEFAULT_GLANCE_VERSION, kind="pypi")
    else:
        source = resolve(glance_src, runner)  # a local tree: reads it, downloads nothing
        glance = glance_info(source, source.path)
    return make_plan(replace(options, queue_hash=queue.hash,
                             patches_applied=apply_patches and queue.patches_anything), glance)


def stage(options: BuildOptions, tree: PreparedTree) -> Prepared:
    """The plan for ``tree`` and its contexts staged: the patched tree, its wheels, and
    its constraints pinning the dependency layers."""
    plan = make_plan(replace(options, queue_hash=tree.queue.hash,
                             patches_applied=tree.patched and tree.queue.patches_anything,
                             constraints=tree.constraints),
                     glance_info(tree.source, tree.path))
    stage_contexts(plan, glance_tree=tree.path, wheels=tree.wheels)
    return Prepared(plan, tree.path, dict(tree.wheels))


def _stage_and_build(client: docker.DockerClient, options: BuildOptions, tree: PreparedTree,
                     runner: Runner, nocache: bool,
                     echo: Echo | None) -> tuple[Prepared, list[BuiltImage]]:
    from winci.docker.build import build_plan

    prepared = stage(options, tree)
    if echo:
        echo(plan_table(prepared.plan))
    return prepared, build_plan(client, prepared.plan, runner.log_dir, nocache=nocache)


def build_images(client: docker.DockerClient, options: BuildOptions, tree: PreparedTree,
                 runner: Runner, *, nocache: bool = False,
                 echo: Echo | None = None) -> tuple[Prepared, list[BuiltImage]]:
    """Stage ``tree`` and build every image of ``options``, one build per work dir at a
    time: what a docker-backend run does with the tree it prepared. Returns the plan
    (image refs in ``plan.image(name).ref``) and the built images (durations, cache use).
    """
    from winci.host.filelock import FileLock

    options = _with_local_base(client, options)
    options.work_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(options.work_dir / "build.lock", what="another winci build"):
        return _stage_and_build(client, options, tree, runner, nocache, echo)


def build_from_source(client: docker.DockerClient, options: BuildOptions,
                      glance_src: Path | None, runner: Runner, progress: Progress, *,
                      apply_patches: bool = True, nocache: bool = False,
                      echo: Echo | None = None) -> tuple[Prepared, list[BuiltImage]]:
    """``winci build``: the source prepared into ``<work_dir>/glance-work`` by
    :func:`~winci.worktree.prepared.prepare_tree` (as a run does, with
    ``options.constraints``), staged and built."""
    from winci.host.filelock import FileLock

    options = _with_local_base(client, options)
    options.work_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(options.work_dir / "build.lock", what="another winci build"):
        with progress.phase("glance source"):
            source = resolve(glance_src, runner)
        tree = prepare_tree(runner, progress, source, options.work_dir / "glance-work",
                            patches=apply_patches,
                            constraints=options.constraints or upper_constraints())
        return _stage_and_build(client, options, tree, runner, nocache, echo)


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
