"""Planning a build's re-run: the Glance source, the patch queue, what differs here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reproduce.logs import build_logs
from winci.errors import UsageError
from winci.reproduce.build import load_build
from winci.reproduce.plan import change_ref, current_queue_hash, plan_environment


def test_plan_for_a_pypi_build_warns_on_queue_and_version(tmp_path: Path) -> None:
    build = load_build(build_logs(tmp_path))
    build.manifest.winci_version = "0.0.9"
    plan = plan_environment(build, None)
    assert plan.glance_src is None and plan.patches
    assert any("patch queue differs" in w and "abc123" in w for w in plan.warnings)
    assert any("0.0.9 in the build" in w for w in plan.warnings)
    build.manifest.patches.queue_hash = current_queue_hash()
    build.manifest.winci_version = "0.1.0"
    assert plan_environment(build, None).warnings == []


def test_plan_for_a_change_explains_how_to_get_the_tree(tmp_path: Path) -> None:
    build = load_build(build_logs(tmp_path, source="git"))
    with pytest.raises(UsageError) as err:
        plan_environment(build, None)
    text = str(err.value)
    assert "git fetch https://review.opendev.org/openstack/glance refs/changes/21/954321/2" \
        in text and "--glance-src" in text
    assert change_ref("954321", "2") == "refs/changes/21/954321/2"
    assert change_ref("5", "1") == "refs/changes/05/5/1"
    plan = plan_environment(build, tmp_path)
    assert plan.glance_src == tmp_path
