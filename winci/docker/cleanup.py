"""``winci down``: remove the containers, volumes and networks a run created.

Only objects carrying the ``org.openstack.winci.run-id`` label are touched (that run's
value, or any value with ``--all``): whatever else the engine runs is left alone.
Images are kept (they are the build cache); ``docker image prune`` removes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import docker
import docker.errors

from winci.docker import labels as lbl
from winci.errors import UsageError


@dataclass
class Removed:
    containers: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def total(self) -> int:
        return len(self.containers) + len(self.volumes) + len(self.networks)


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
