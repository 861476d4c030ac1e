"""A real container engine for the docker tests: ``$DOCKER_HOST``, else the podman socket
that scripts/test.d/podman.sh starts. Tests skip (with the reason) when none answers."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest

from winci.docker.build import BuiltImage
from winci.docker.engine import connect
from winci.docker.images import BuildOptions, BuildPlan
from winci.docker.prepare import build_from_source
from winci.errors import InfraError
from winci.host.paths import cache_dir
from winci.procs import Runner
from winci.ui import Progress

PODMAN_SOCK = "/run/winci-podman.sock"
DEBOOTSTRAP_IMAGE = "localhost/winci/debian:bookworm"


@pytest.fixture(scope="session")
def engine() -> docker.DockerClient:
    if not os.environ.get("DOCKER_HOST") and Path(PODMAN_SOCK).exists():
        os.environ["DOCKER_HOST"] = f"unix://{PODMAN_SOCK}"
    try:
        return connect()
    except InfraError as exc:
        pytest.skip(f"no container engine: {exc} (run scripts/test.d/podman.sh as root)")


def linux_base_image(client: docker.DockerClient) -> str:
    """The FROM image of winci/base here: no registry is reachable, so the debootstrap
    image that podman.sh imports, unless $WINCI_LINUX_BASE_IMAGE names another."""
    wanted = os.environ.get("WINCI_LINUX_BASE_IMAGE", DEBOOTSTRAP_IMAGE)
    try:
        client.images.get(wanted)
    except docker.errors.ImageNotFound:
        pytest.skip(f"base image {wanted} is missing (scripts/test.d/podman.sh makes it)")
    return wanted


def ca_bundle() -> Path | None:
    for var in ("PIP_CERT", "SSL_CERT_FILE"):
        value = os.environ.get(var)
        if value and Path(value).is_file():
            return Path(value)
    default = Path("/etc/ssl/certs/ca-certificates.crt")
    return default if default.is_file() else None


@dataclass
class Built:
    plan: BuildPlan
    images: dict[str, BuiltImage]
    glance_tree: Path
    wheels: dict[str, Path]
    seconds: float


@pytest.fixture(scope="session")
def built(engine: docker.DockerClient, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Every Linux image, built for real through the engine (its layer cache makes
    repeated runs fast): the same path as ``winci build``."""
    options = BuildOptions(work_dir=cache_dir() / "build", ca_bundle=ca_bundle(),
                           linux_base_image=linux_base_image(engine))
    logs = tmp_path_factory.mktemp("build-logs")
    start = time.monotonic()
    with Runner(logs, run_id="test-build") as runner:
        prepared, images = build_from_source(engine, options, None, runner, Progress())
    assert prepared.glance_tree is not None
    return Built(prepared.plan, {b.name: b for b in images}, prepared.glance_tree,
                 prepared.wheels, time.monotonic() - start)


@pytest.fixture
def run_id(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh run id; whatever carries it is removed afterwards, even on failure."""
    from winci.docker.cleanup import down

    rid = f"test-{os.getpid()}-{time.monotonic_ns() % 10**8}"
    yield rid
    if "engine" in request.fixturenames:
        down(request.getfixturevalue("engine"), rid)
