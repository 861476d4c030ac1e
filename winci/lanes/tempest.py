"""The tempest lane: tempest's image API tests and glance-tempest-plugin's tests
against the running stack, in one stestr run (their counts apart: ``LANE_SUITES``)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from winci.errors import InfraError
from winci.lanes.base import LANE_SUITES, LaneContext, LaneStack, Pass, stestr_pass
from winci.stack.settings import render

# ``^(?:tempest\.api\.image\.|glance_tempest_plugin\.)``: both suites; ``--filter``
# replaces it (``--filter '^glance_tempest_plugin\.'`` runs the plugin alone).
LANE_REGEX = "^(?:" + "|".join(re.escape(s.prefix) for s in LANE_SUITES["tempest"]) + ")"


def _stack(ctx: LaneContext) -> tuple[LaneStack, Path]:
    """The stack and the private state dir the run gives the lane."""
    if ctx.stack is None or ctx.state_dir is None:
        raise InfraError("the tempest lane needs the stack")
    return ctx.stack, ctx.state_dir


def prepare_workspace(ctx: LaneContext) -> Path:
    """A tempest workspace (``tempest init``) with a tempest.conf pointing at the stack."""
    stack, state_dir = _stack(ctx)
    ws = state_dir / "tempest-workspace"
    if not (ws / ".stestr.conf").is_file():
        shutil.rmtree(ws, ignore_errors=True)
        # A private workspace registry: tempest's default (~/.tempest/workspace.yaml)
        # is shared by every run on the machine and refuses a name it already has.
        done = ctx.executor.run(ctx.runner, [ctx.executor.program("tempest"), "init",
                                "--name", f"winci-{ctx.runner.run_id}",
                                "--workspace-path", state_dir / "tempest-workspaces.yaml",
                                ws], name="tempest-init", timeout=300, cwd=state_dir,
                                extra_env={})
        if done.returncode != 0:
            raise InfraError(f"tempest init failed (exit code {done.returncode})",
                             f"see {done.log}")
    # tempest logs into the run's log folder (which a run against a kept stack, having
    # started no service, has not made yet): it will not start without it
    stack.settings.log_dir.mkdir(parents=True, exist_ok=True)
    render("tempest.conf.j2", stack.settings, ws / "etc" / "tempest.conf",
           state_dir=state_dir.as_posix())
    return ws


def tempest_suite(ctx: LaneContext, stream: Path, ids: list[str] | None) -> Pass:
    ws = prepare_workspace(ctx)
    stack, _ = _stack(ctx)
    stack.check_alive()
    # stestr from tempest's environment drives the run, with tempest's own .stestr.conf.
    result = stestr_pass(ctx, stestr=ctx.executor.program("stestr"), cwd=ws,
                         stream=stream, ids=ids, run_args=["run"],
                         env={"TEMPEST_CONFIG_DIR": (ws / "etc").as_posix(),
                              "TEMPEST_CONFIG": "tempest.conf"},
                         label="tempest", test_filter=ctx.filter or LANE_REGEX)
    stack.check_alive()
    return result
