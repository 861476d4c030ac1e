"""Connecting to the container engine, with errors that say what to do."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import docker
import docker.errors
import requests.exceptions

from winci.errors import InfraError

_HINT_LINUX = ("start Docker, or on Debian run scripts/test.d/podman.sh and export the "
               "DOCKER_HOST it prints")
_HINT_WINDOWS = ("start the Docker service (Start-Service docker) and check that "
                 "\\\\.\\pipe\\docker_engine exists; see docs/windows-images.md")


def engine_hint() -> str:
    return _HINT_WINDOWS if os.name == "nt" else _HINT_LINUX


def connect(timeout: int = 600) -> docker.DockerClient:
    """A client for the engine named by ``DOCKER_HOST`` (or the platform default).

    Raises :class:`InfraError` when nothing answers, naming the address tried.
    """
    where = os.environ.get("DOCKER_HOST") or "the default engine address"
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise InfraError(f"no container engine answers at {where}: {_short(exc)}",
                         engine_hint()) from exc
    return client


@dataclass(frozen=True)
class EngineInfo:
    """What winci needs to know about the engine."""

    name: str            # "Docker Engine" or "Podman Engine"
    version: str
    api_version: str
    os_type: str         # "linux" or "windows"
    isolation: str       # Windows engines: "process" or "hyperv"; "" elsewhere
    os_version: str      # Windows engines: e.g. "10.0 20348 (20348.2700)"

    @property
    def is_podman(self) -> bool:
        return "podman" in self.name.lower()


def engine_info(client: docker.DockerClient) -> EngineInfo:
    try:
        version: dict[str, Any] = client.version()
        info: dict[str, Any] = client.info()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise InfraError(f"the container engine did not answer: {_short(exc)}",
                         engine_hint()) from exc
    components = version.get("Components") or [{}]
    name = str(components[0].get("Name") or "Docker Engine")
    return EngineInfo(
        name=name,
        version=str(version.get("Version", "?")),
        api_version=str(version.get("ApiVersion", "?")),
        os_type=str(info.get("OSType") or version.get("Os") or "?").lower(),
        isolation=str(info.get("Isolation") or ""),
        os_version=str(info.get("OSVersion") or info.get("KernelVersion") or ""),
    )


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
