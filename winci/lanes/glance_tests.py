"""The unit and functional lanes: Glance's own suites, run by stestr in the work tree."""

from __future__ import annotations

from pathlib import Path

from winci.lanes.base import LaneContext, Pass, stestr_pass

TEST_PATHS = {
    "unit": "./glance/tests/unit",
    "functional": "./glance/tests/functional",
}


def functional_env(ctx: LaneContext) -> dict[str, str]:
    """oslo.db's opportunistic tests: MySQL runs (not skipped) when the stack has it."""
    env: dict[str, str] = {}
    citest = ctx.stack.citest_url() if ctx.stack is not None else None
    if citest and ctx.state_dir is not None:
        placeholder = (ctx.state_dir / "placeholder.db").as_posix()
        env["OS_TEST_DBAPI_ADMIN_CONNECTION"] = f"sqlite:///{placeholder};{citest}"
    return env


def glance_suite(ctx: LaneContext, stream: Path, ids: list[str] | None) -> Pass:
    test_path = TEST_PATHS[ctx.suite]
    env = {"OS_TEST_PATH": test_path, "PYTHONHASHSEED": "0", "OS_STDOUT_CAPTURE": "1",
           "OS_STDERR_CAPTURE": "1", "OS_LOG_CAPTURE": "1"}
    if ctx.suite == "functional":
        env.update(functional_env(ctx))
    return stestr_pass(ctx, stestr=ctx.executor.program("stestr"),
                       cwd=ctx.glance_tree,
                       stream=stream, ids=ids,
                       run_args=["--test-path", test_path, "--top-dir", "./", "run"],
                       env=env, label=f"stestr-{ctx.name.replace('@', '-')}",
                       test_filter=ctx.filter)
