"""The backends a run executes on, by the name ``--backend`` gives them.

Each entry says what the backend is, which lanes it cannot run (and why), and how to
make one; the implementation is imported only when chosen. The interface they share is
:class:`winci.backends.base.Backend`. Adding a backend is one module and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from winci.backends.base import Backend, BackendConfig
from winci.errors import UsageError
from winci.procs import Runner


@dataclass(frozen=True)
class BackendEntry:
    name: str
    help: str
    make: Callable[[BackendConfig, Runner], Backend]
    # lanes it cannot run: lane -> (why, what to do instead)
    refuses: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # the platforms (winci.platforms) its lanes can run on
    platforms: tuple[str, ...] = ("linux", "windows")

    def check_lanes(self, lanes: Iterable[str]) -> None:
        """A usage error for the first lane this backend cannot run."""
        for lane in lanes:
            if lane in self.refuses:
                raise UsageError(*self.refuses[lane])

    def check_platform(self, platform: str) -> None:
        if platform not in self.platforms:
            raise UsageError(f"--backend {self.name} does not run lanes on --platform "
                             f"{platform}", f"it runs {' and '.join(self.platforms)}"
                             + ("; wine runs with --backend local" if platform == "wine"
                                else ""))


def _local(config: BackendConfig, runner: Runner) -> Backend:
    if config.platform == "wine":
        from winci.backends.wine import WineBackend

        return WineBackend(config, runner)
    from winci.backends.local import LocalBackend

    return LocalBackend(config, runner)


def _docker(config: BackendConfig, runner: Runner) -> Backend:
    from winci.backends.docker import DockerBackend

    return DockerBackend(config, runner)


BACKENDS: dict[str, BackendEntry] = {entry.name: entry for entry in (
    BackendEntry("local", "processes on this host (default); with --platform wine, "
                 "Glance's under Windows CPython under Wine", _local,
                 platforms=("linux", "wine", "windows")),
    BackendEntry("docker", "containers of the winci images, through DOCKER_HOST's engine",
                 _docker,
                 refuses={"preflight": ("the preflight lane runs on this host only",
                                        "run it with --backend local")}),
)}


def backend_entry(name: str) -> BackendEntry:
    try:
        return BACKENDS[name]
    except KeyError:
        names = list(BACKENDS)
        listed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
        raise UsageError(f"--backend {name!r} is not {listed}") from None


def make_backend(name: str, config: BackendConfig, runner: Runner) -> Backend:
    """The backend ``name`` for one run (nothing is built or started yet)."""
    return backend_entry(name).make(config, runner)


__all__ = ["BACKENDS", "Backend", "BackendConfig", "BackendEntry", "backend_entry",
           "make_backend"]
