"""The containers of one run: MySQL, Keystone and Glance services and one-shot tasks.

:class:`RunContainers` starts each service from its winci image with host networking on a
127.0.0.1 port, labels everything it creates with the run id (``winci down`` relies on
it), waits for the image's HEALTHCHECK, mounts the image store (Linux: a named volume;
Windows: a bind mount of the drive ``New-SmbGlobalMapping`` maps to the SoFS share), and
on stop saves every container's log to ``<run_dir>/logs/<service>.log`` before removing
the containers. Usage::

    containers = RunContainers(client, run_id="r1", run_dir=run_dir)
    with containers:
        containers.start(ServiceSpec("mysql", "winci/mysql:...", port=33061))
        containers.start(ServiceSpec("keystone", "winci/keystone:...", port=35000,
                                     config_dir=run_dir / "config" / "keystone"))
        containers.start(ServiceSpec("glance", "winci/glance:...", port=39292,
                                     config_dir=..., image_store=True))
        ...  # lanes talk to http://127.0.0.1:<port>
        code, log = containers.run_task("tempest", "winci/tempest:...", [...])  # a lane
    # leaving the block saves logs and removes containers (and the volume)

Engines that do not run health checks themselves (podman without systemd reports
"starting" for ever) get the image's HEALTHCHECK command run through ``exec``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests.exceptions

from winci.docker import labels as lbl
from winci.docker.logs import LogFollower
from winci.errors import InfraError, UsageError
from winci.host.netutil import LOOPBACK, port_in_use
from winci.masking import GLOBAL_MASKER, Masker


@dataclass(frozen=True)
class ContainerPaths:
    """Where the images expect things, per platform (see dockerfiles/)."""

    config_root: str
    image_store: str
    data: str

    def config(self, service: str) -> str:
        sep = "\\" if ":" in self.config_root[:2] else "/"
        return f"{self.config_root}{sep}{service}"


PATHS = {
    "linux": ContainerPaths("/etc/winci", "/var/lib/winci/images", "/var/lib/winci/data"),
    "windows": ContainerPaths("C:\\winci\\config", "C:\\winci\\images", "C:\\winci\\data"),
}


@dataclass(frozen=True)
class ImageStore:
    """Glance's image store: a named volume (Linux) or a host folder (Windows: the mapped
    SMB drive, e.g. ``G:\\glance-images``). Give exactly one."""

    volume: str | None = None
    host_path: str | None = None

    def __post_init__(self) -> None:
        if bool(self.volume) == bool(self.host_path):
            raise UsageError("the image store needs a volume name or a host path, not both")


@dataclass
class ServiceSpec:
    """One container of the stack."""

    name: str                                  # mysql, keystone, glance, tempest...
    image: str
    port: int
    serves: str | None = None                  # ``winci serve`` service (default: name)
    command: list[str] | None = None           # default: ``winci serve`` arguments
    entrypoint: list[str] | None = None        # default: the image's (``winci serve``)
    config_dir: Path | None = None             # host folder, mounted read-only
    image_store: bool = False                  # mount the image store (Glance)
    environment: dict[str, str] = field(default_factory=dict)
    binds: dict[str, str] = field(default_factory=dict)   # host path -> container path
    user: str | None = None                    # default: the image's USER
    health_timeout: float = 180.0
    http: bool = True                          # the port speaks HTTP (for the port wait)


@dataclass
class Endpoint:
    name: str
    container: str
    port: int
    health: str                                # how health was established

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"


class RunContainers:
    """Containers of one run: start, wait healthy, exec, save logs, remove."""

    def __init__(self, client: docker.DockerClient, *, run_id: str, run_dir: Path,
                 platform: str = "linux", image_store: ImageStore | None = None,
                 network_mode: str | None = None, keep_volume: bool = False,
                 user: str | None = None, masker: Masker | None = None) -> None:
        if platform not in PATHS:
            raise UsageError(f"unknown platform {platform!r}", "use linux or windows")
        self.client = client
        self.run_id = run_id
        self.run_dir = run_dir
        self.platform = platform
        self.paths = PATHS[platform]
        # Windows containers have no host network: NAT with ports published on 127.0.0.1.
        self.network_mode = network_mode or ("host" if platform == "linux" else "nat")
        self.image_store = image_store or (
            ImageStore(volume=f"winci-{run_id}-images") if platform == "linux" else None)
        self.keep_volume = keep_volume
        # Every container's user unless its spec names one; host_user() makes files in
        # bind-mounted run folders belong to whoever runs winci. None: the image's USER.
        self.user = user
        self.masker = masker or GLOBAL_MASKER
        self.containers: dict[str, Any] = {}
        self.endpoints: dict[str, Endpoint] = {}
        self._volume_created = False

    # -- naming and labels ---------------------------------------------------------------
    def container_name(self, service: str) -> str:
        return f"winci-{self.run_id}-{service}"

    def labels(self, service: str | None = None) -> dict[str, str]:
        found = {lbl.RUN_ID: self.run_id}
        if service:
            found[lbl.SERVICE] = service
        return found

    # -- starting ------------------------------------------------------------------------
    def default_command(self, spec: ServiceSpec) -> list[str]:
        """``winci serve`` arguments, as the images' ENTRYPOINT expects them."""
        if spec.name == "mysql":
            return ["mysql", "--data-dir", self.paths.data, "--port", str(spec.port)]
        if spec.config_dir is None:
            raise UsageError(f"{spec.name} needs a config_dir (or an explicit command)")
        # Host network: 127.0.0.1 is the host's. NAT (Windows): listen on every interface
        # of the container; the port is published on the host's 127.0.0.1 only.
        bind = LOOPBACK if self.network_mode == "host" else "0.0.0.0"
        return [spec.serves or spec.name, "--config-dir", self.paths.config(spec.name),
                "--port", str(spec.port), "--bind", bind]

    def _volumes(self, spec: ServiceSpec) -> dict[str, dict[str, str]]:
        volumes: dict[str, dict[str, str]] = {}
        if spec.config_dir is not None:
            if not spec.config_dir.is_dir():
                raise UsageError(f"config folder {spec.config_dir} for {spec.name} does not exist")
            volumes[str(spec.config_dir.resolve())] = {
                "bind": self.paths.config(spec.name), "mode": "ro"}
        if spec.image_store:
            store = self.image_store
            if store is None:
                raise UsageError("Glance needs an image store on Windows",
                                 "pass the mapped SMB drive path (e.g. G:\\glance-images)")
            if store.volume:
                self._ensure_volume(store.volume)
                volumes[store.volume] = {"bind": self.paths.image_store, "mode": "rw"}
            else:
                assert store.host_path is not None
                volumes[store.host_path] = {"bind": self.paths.image_store, "mode": "rw"}
        for host, inside in spec.binds.items():
            volumes[host] = {"bind": inside, "mode": "rw"}
        return volumes

    def _ensure_volume(self, name: str) -> None:
        if self._volume_created:
            return
        try:
            self.client.volumes.create(name=name, labels=self.labels("image-store"))
        except docker.errors.APIError as exc:
            raise InfraError(f"cannot create volume {name}: {exc.explanation or exc}") from exc
        self._volume_created = True

    def start(self, spec: ServiceSpec) -> Endpoint:
        """Start one service and wait until it is healthy."""
        if spec.name in self.containers:
            raise UsageError(f"{spec.name} is already running in this stack")
        if port_in_use(spec.port):
            raise InfraError(f"port {spec.port} for {spec.name} is already in use on {LOOPBACK}",
                             "another program took it after winci picked it; run again, or set "
                             "WINCI_PORT_RANGE=LOW-HIGH to a range nothing else uses")
        kwargs: dict[str, Any] = {
            "image": spec.image,
            "command": spec.command or self.default_command(spec),
            "name": self.container_name(spec.name),
            "detach": True,
            "labels": self.labels(spec.name),
            "environment": {"WINCI_PORT": str(spec.port), "WINCI_RUN_ID": self.run_id,
                            **spec.environment},
            "volumes": self._volumes(spec),
        }
        if spec.user or self.user:
            kwargs["user"] = spec.user or self.user
        if spec.entrypoint:
            kwargs["entrypoint"] = spec.entrypoint
        if self.network_mode == "host":
            kwargs["network_mode"] = "host"
        else:
            kwargs["network"] = self.network_mode
            kwargs["ports"] = {f"{spec.port}/tcp": (LOOPBACK, spec.port)}
        try:
            container = self.client.containers.run(**kwargs)
        except docker.errors.ImageNotFound as exc:
            raise InfraError(f"image {spec.image} for {spec.name} is not built",
                             "run winci build first") from exc
        except (docker.errors.APIError, requests.exceptions.RequestException) as exc:
            raise InfraError(f"cannot start {spec.name}: {_explain(exc)}") from exc
        self.containers[spec.name] = container
        how = self.wait_healthy(spec)
        endpoint = Endpoint(spec.name, container.name, spec.port, how)
        self.endpoints[spec.name] = endpoint
        return endpoint

    def start_all(self, specs: Sequence[ServiceSpec]) -> dict[str, Endpoint]:
        for spec in specs:
            self.start(spec)
        return dict(self.endpoints)

    # -- health --------------------------------------------------------------------------
    def wait_healthy(self, spec: ServiceSpec) -> str:
        """Wait for the container's health; returns how it was established.

        ``"engine"``: the engine reported healthy; ``"exec"``: winci ran the image's
        HEALTHCHECK through exec (the engine does not run it); ``"port"``: the image has
        no HEALTHCHECK and the port answered.
        """
        container = self.containers[spec.name]
        deadline = time.monotonic() + spec.health_timeout
        started = time.monotonic()
        last = "no answer yet"
        while time.monotonic() < deadline:
            container.reload()
            state = container.attrs.get("State", {})
            if state.get("Status") in ("exited", "dead"):
                raise InfraError(
                    f"{spec.name} container exited with code {state.get('ExitCode')} "
                    f"while starting", f"last log lines: {self._tail(container)}")
            health = state.get("Health") or state.get("Healthcheck") or {}
            status = health.get("Status", "")
            test = (container.attrs.get("Config") or {}).get("Healthcheck", {}) or {}
            test_cmd = test.get("Test") or []
            if status == "healthy":
                return "engine"
            if status == "unhealthy":
                raise InfraError(f"{spec.name} is unhealthy: {_last_health(health)}",
                                 f"last log lines: {self._tail(container)}")
            if not test_cmd or test_cmd == ["NONE"]:
                if port_in_use(spec.port):
                    return "port"
            elif not health.get("Log") and time.monotonic() - started > 3.0:
                ok, last = self._exec_check(container, test_cmd)
                if ok:
                    return "exec"
            time.sleep(1.0)
        raise InfraError(f"{spec.name} was not healthy after {spec.health_timeout:.0f}s "
                         f"({last})", f"last log lines: {self._tail(container)}")

    def _exec_check(self, container: Any, test: list[str]) -> tuple[bool, str]:
        kind, args = test[0], test[1:]
        if kind == "CMD-SHELL":
            shell = ["cmd", "/S", "/C"] if self.platform == "windows" else ["/bin/sh", "-c"]
            cmd = [*shell, " ".join(args)]
        elif kind == "CMD":
            cmd = list(args)
        else:
            return False, f"unknown health test {test!r}"
        try:
            code, output = container.exec_run(cmd)
        except docker.errors.APIError as exc:
            return False, f"exec failed: {_explain(exc)}"
        text = output.decode("utf-8", "replace").strip() if output else ""
        return code == 0, text[-200:] or f"exit code {code}"

    # -- using ---------------------------------------------------------------------------
    def exec(self, service: str, cmd: list[str], *,
             environment: Mapping[str, str] | None = None) -> tuple[int, str]:
        """Run a command in a service's container; returns (exit code, masked output)."""
        container = self.containers[service]
        code, output = container.exec_run(cmd, environment=dict(environment or {}))
        return int(code), self.masker.mask(output.decode("utf-8", "replace") if output else "")

    def run_task(self, name: str, image: str, command: list[str], *,
                 entrypoint: list[str] | None = None, binds: Mapping[str, str] | None = None,
                 environment: Mapping[str, str] | None = None, user: str | None = None,
                 workdir: str | None = None, timeout: float = 3600.0,
                 log: Path | None = None) -> tuple[int, Path]:
        """Run a one-shot container (a test lane, e.g. tempest) to completion.

        Same network and labels as the services; its output (masked) goes to
        ``<run_dir>/logs/<name>.log`` (or ``log``) as it comes, line by line, so progress
        can be read while it runs. Returns (exit code, log path); on timeout the
        container is killed and :class:`InfraError` raised.
        """
        kwargs: dict[str, Any] = {
            "image": image, "command": command, "name": self.container_name(name),
            "detach": True, "labels": self.labels(name),
            "environment": {"WINCI_RUN_ID": self.run_id, **(environment or {})},
            "volumes": {h: {"bind": c, "mode": "rw"} for h, c in (binds or {}).items()},
        }
        if entrypoint is not None:
            kwargs["entrypoint"] = entrypoint
        if user or self.user:
            kwargs["user"] = user or self.user
        if workdir:
            kwargs["working_dir"] = workdir
        if self.network_mode == "host":
            kwargs["network_mode"] = "host"
        else:
            kwargs["network"] = self.network_mode
        try:
            container = self.client.containers.run(**kwargs)
        except (docker.errors.APIError, requests.exceptions.RequestException) as exc:
            raise InfraError(f"cannot start {name}: {_explain(exc)}") from exc
        log = log or self.run_dir / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        follower = LogFollower(container, log, self.masker)
        follower.start()
        try:
            try:
                result = container.wait(timeout=timeout)
            except requests.exceptions.RequestException as exc:
                container.kill()
                raise InfraError(f"{name} did not finish within {timeout:.0f}s and was ended",
                                 f"see {log}") from exc
            finally:
                follower.join(timeout=30)
                if not follower.complete:
                    # The stream broke or lags: the engine's whole log instead.
                    follower.abandoned = True
                    raw = container.logs(stdout=True, stderr=True)
                    log.write_text(self.masker.mask(raw.decode("utf-8", "replace")),
                                   encoding="utf-8")
        finally:
            container.remove(force=True, v=True)
        return int(result.get("StatusCode", -1)), log

    # -- stopping ------------------------------------------------------------------------
    def save_logs(self) -> list[Path]:
        """Write each container's log (masked) to ``<run_dir>/logs/<service>.log``."""
        log_dir = self.run_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for service, container in self.containers.items():
            path = log_dir / f"{service}.log"
            try:
                container.reload()
                state = container.attrs.get("State", {})
                raw = container.logs(stdout=True, stderr=True)
                text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            except (docker.errors.APIError, requests.exceptions.RequestException) as exc:
                state, text = {}, f"(logs unavailable: {_explain(exc)})\n"
            image = (container.attrs.get("Config") or {}).get("Image", "?")
            header = (f"# container {container.name}, image {image}, status "
                      f"{state.get('Status', '?')}, exit code {state.get('ExitCode', '?')}\n")
            path.write_text(header + self.masker.mask(text), encoding="utf-8")
            written.append(path)
        return written

    def stop(self) -> list[Path]:
        """Save logs, remove the containers and (unless kept) the volume. Idempotent."""
        written = self.save_logs() if self.containers else []
        for service, container in reversed(list(self.containers.items())):
            try:
                container.remove(force=True, v=True)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as exc:
                raise InfraError(f"cannot remove the {service} container: {_explain(exc)}",
                                 f"run winci down --run-id {self.run_id}") from exc
        self.containers.clear()
        self.endpoints.clear()
        store = self.image_store
        if self._volume_created and store and store.volume and not self.keep_volume:
            try:
                self.client.volumes.get(store.volume).remove(force=True)
            except docker.errors.NotFound:
                pass
            self._volume_created = False
        return written

    def __enter__(self) -> RunContainers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _tail(self, container: Any, lines: int = 5) -> str:
        try:
            raw = container.logs(tail=lines)
        except (docker.errors.APIError, requests.exceptions.RequestException):
            return "(no logs)"
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        return self.masker.mask(" | ".join(text.strip().splitlines()[-lines:])) or "(empty)"


def host_user() -> str | None:
    """``uid:gid`` of this process for Linux containers (files written to bind mounts
    then belong to the caller); None on Windows, where containers use ContainerUser."""
    getuid = getattr(os, "getuid", None)
    getgid = getattr(os, "getgid", None)
    if getuid is None or getgid is None:
        return None
    return f"{getuid()}:{getgid()}"


def _last_health(health: Mapping[str, Any]) -> str:
    log = health.get("Log") or []
    if log:
        return str(log[-1].get("Output", "")).strip()[-200:] or "no output"
    return "no check output"


def _explain(exc: BaseException) -> str:
    text = getattr(exc, "explanation", None) or str(exc)
    return str(text).strip().splitlines()[0][:300] if str(text).strip() else type(exc).__name__

