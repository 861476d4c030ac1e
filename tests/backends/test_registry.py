"""The backends by name, and the one interface each of them implements."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from winci.backends import BACKENDS, BackendConfig, backend_entry, make_backend
from winci.backends.base import Backend
from winci.errors import InfraError, UsageError
from winci.procs import Runner
from winci.runs import RunOptions, validate

INTERFACE = sorted(name for name in dir(Backend) if not name.startswith("_"))


def _config(tmp_path: Path) -> BackendConfig:
    return BackendConfig(run_id="r1", out_dir=tmp_path / "out", private_dir=tmp_path / "p",
                         lanes=("unit", "tempest"), keystone_port=21001, glance_port=21002)


def test_an_unknown_backend_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"--backend 'podman' is not local or docker"):
        backend_entry("podman")


def test_a_lane_a_backend_cannot_run_is_refused_before_anything_starts() -> None:
    with pytest.raises(UsageError, match="the preflight lane runs on this host only"):
        validate(RunOptions(lanes=["unit", "preflight"], backend="docker"))
    backend_entry("local").check_lanes(["preflight"])  # the local backend runs it


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_every_backend_implements_the_whole_interface(name: str, tmp_path: Path) -> None:
    with Runner(tmp_path / "logs", run_id="r1") as runner:
        backend = make_backend(name, _config(tmp_path), runner)
    assert backend.name == name
    missing = [m for m in INTERFACE if not hasattr(backend, m)]
    assert missing == []
    for member in INTERFACE:
        proto = inspect.getattr_static(Backend, member)
        if inspect.isfunction(proto):  # same parameters as the interface says
            ours = inspect.signature(getattr(type(backend), member))
            assert list(ours.parameters) == list(inspect.signature(proto).parameters), member
    # every option it is given reaches it: the fixed ports are the stack's
    assert (backend.settings.keystone_port, backend.settings.glance_port) == (21001, 21002)
    assert backend.settings.state_dir == tmp_path / "p" / "stack"
    # before prepare(): nothing to publish or take down, and no database URL
    backend.publish_configs(tmp_path / "config")
    backend.down()
    assert backend.citest_url() is None


def test_the_local_backend_hands_each_lane_its_own_environment(tmp_path: Path) -> None:
    with Runner(tmp_path / "logs", run_id="r1") as runner:
        backend = make_backend("local", _config(tmp_path), runner)
    with pytest.raises(InfraError, match="no environment for it on this host"):
        backend.executor("unit").program("stestr")  # not prepared: no venv yet
    from winci.backends.local import LocalBackend

    assert isinstance(backend, LocalBackend)  # the test's own check, not the run's
    backend.glance_venv, backend.tempest_venv = tmp_path / "g", tmp_path / "t"
    assert Path(backend.executor("unit").program("stestr")).parent.parent == tmp_path / "g"
    assert Path(backend.executor("tempest").program("stestr")).parent.parent == tmp_path / "t"
