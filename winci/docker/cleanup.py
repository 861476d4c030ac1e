"""``winci down``: remove the containers, volumes and networks a run created.

Only objects carrying the ``org.openstack.winci.run-id`` label are touched (that run's
value, or any value with ``--all``): whatever else the engine runs is left alone.
Images are kept (they are the build cache); ``docker image prune`` removes them.
:func:`down_run` also ends a kept local-backend run (its processes and private
folders, from the run's registry record), so one command ends either kind of run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import docker
import docker.errors

from winci.docker import labels as lbl
from winci.errors import InfraError, UsageError
from winci.procs.registry import Reaped


@dataclass
class Removed:
    containers: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    local_runs: list[Reaped] = field(default_factory=list)   # kept local-backend runs
    engine_error: str | None = None                          # no engine answered

    def total(self) -> int:
        return (len(self.containers) + len(self.volumes) + len(self.networks)
                + len(self.local_runs))


def down(client: docker.DockerClient, run_id: str | None = None, *,
         all_runs: bool = False) -> Removed:
    """Remove one run's labelled objects (``run_id``) or every run's (``all_runs``)."""
    if bool(run_id) == bool(all_runs):
        raise UsageError("say which run to clean up", "pass --run-id ID or --all")
    filters = lbl.run_filter(None if all_runs else run_id)
    removed = Removed()
    kinds: list[tuple[str, list[Any], list[str]]] = [
        ("container", client.containers.list(all=True, filters=filters), removed.containers),
        ("volume", client.volumes.list(filters=filters), removed.volumes),
        ("network", client.networks.list(filters=filters), removed.networks),
    ]
    for kind, objects, done in kinds:
        for obj in objects:
            labels = obj.labels if kind == "container" else (obj.attrs.get("Labels") or {})
            if not _labelled(labels, run_id):
                continue  # the engine filtered already; never trust it blindly
            try:
                if kind == "container":
                    obj.remove(force=True, v=True)
                elif kind == "volume":
                    obj.remove(force=True)
                else:
                    obj.remove()
                done.append(str(obj.name))
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as exc:
                removed.errors.append(f"{kind} {obj.name}: {exc.explanation or exc}")
    return removed


def _labelled(labels: dict[str, str], run_id: str | None) -> bool:
    if lbl.RUN_ID not in labels:
        return False
    return run_id is None or labels[lbl.RUN_ID] == run_id


def leftovers(client: docker.DockerClient, run_id: str | None = None) -> list[str]:
    """What is still labelled for ``run_id`` (or any run): ``kind name`` strings."""
    filters = lbl.run_filter(run_id)
    found = [f"container {c.name}" for c in client.containers.list(all=True, filters=filters)]
    found += [f"volume {v.name}" for v in client.volumes.list(filters=filters)]
    found += [f"network {n.name}" for n in client.networks.list(filters=filters)]
    return found


def down_run(run_id: str | None = None, *, all_runs: bool = False) -> Removed:
    """What ``winci down`` does: a run's labelled containers, volumes and networks (when an
    engine answers), then its kept processes and private folders (local backend, and
    the config folders a kept docker run bind-mounts)."""
    from winci.docker.engine import connect
    from winci.host.paths import state_dir
    from winci.procs.registry import end_runs

    if bool(run_id) == bool(all_runs):
        raise UsageError("say which run to clean up", "pass --run-id ID or --all")
    no_engine: InfraError | None = None
    try:
        removed = down(connect(timeout=60), run_id, all_runs=all_runs)
    except InfraError as exc:
        no_engine, removed = exc, Removed(engine_error=exc.message)
    removed.local_runs = [r for r in end_runs(state_dir(), None if all_runs else run_id)
                          if r.processes or r.paths]
    if no_engine is not None and not removed.local_runs:
        raise no_engine
    return removed
