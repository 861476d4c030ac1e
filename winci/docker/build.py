"""Build a :class:`~winci.docker.images.BuildPlan` through the docker SDK.

Contexts must be staged first (:func:`winci.docker.images.stage_contexts`): the staged
Dockerfiles carry the image labels.

Each image's build output goes (masked) to ``<log_dir>/build-<image>.log``; the result
records which Dockerfile steps came from the engine's layer cache, as the engine
reported them ("Using cache" from Docker's classic builder and from podman/buildah).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests.exceptions

from winci.docker.images import BuildPlan, ImageSpec
from winci.errors import InfraError
from winci.masking import GLOBAL_MASKER, Masker

_STEP = re.compile(r"^(?:STEP|Step) (\d+)/(\d+)\s*:\s*(.*)$")
_CACHED = re.compile(r"^(?:-+>\s*)?Using cache\b")


@dataclass
class Step:
    number: int
    instruction: str
    cached: bool = False


@dataclass
class BuiltImage:
    name: str
    ref: str
    image_id: str
    duration_s: float
    log: Path
    steps: list[Step] = field(default_factory=list)

    @property
    def layer_steps(self) -> list[Step]:
        return [s for s in self.steps if _layer_step(s)]

    @property
    def rebuilt(self) -> list[Step]:
        """The layer steps (RUN, COPY, ADD) that ran rather than came from the cache.

        Metadata steps do not count: podman adds the API's labels as LABEL steps in a
        varying order, so they miss the cache without rebuilding anything.
        """
        return [s for s in self.layer_steps if not s.cached]

    def first_rebuilt(self) -> Step | None:
        """The first layer step that ran; every layer step after it runs too."""
        return next(iter(self.rebuilt), None)


def _layer_step(step: Step) -> bool:
    """Steps that make a filesystem layer."""
    word = step.instruction.split(" ", 1)[0].upper()
    return word in {"RUN", "COPY", "ADD"}


def parse_steps(lines: Iterable[str]) -> list[Step]:
    """The Dockerfile steps in a build log, each marked cached or not."""
    steps: list[Step] = []
    for line in lines:
        text = line.strip()
        match = _STEP.match(text)
        if match:
            steps.append(Step(int(match.group(1)), match.group(3)))
        elif steps and _CACHED.match(text):
            steps[-1].cached = True
    return steps


def build_image(client: docker.DockerClient, spec: ImageSpec, log_dir: Path, *,
                network_mode: str | None = "host", nocache: bool = False,
                masker: Masker | None = None, timeout: float = 3600.0,
                echo: Callable[[str], None] | None = None) -> BuiltImage:
    """Build one image and tag it ``spec.ref``; raises :class:`InfraError` on failure."""
    masker = masker or GLOBAL_MASKER
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"build-{spec.name}.log"
    lines: list[str] = []
    start = time.monotonic()
    image_id = ""
    error = ""
    kwargs: dict[str, Any] = {
        "path": str(spec.context), "dockerfile": spec.dockerfile, "tag": spec.ref,
        "buildargs": spec.buildargs, "rm": True, "forcerm": True,
        "decode": True, "nocache": nocache, "pull": False, "timeout": int(timeout),
    }
    if network_mode:
        kwargs["network_mode"] = network_mode
    with open(log, "w", encoding="utf-8") as out:
        out.write(f"# build {spec.ref} from {spec.context}/{spec.dockerfile}\n")
        out.write("# build args: " + masker.mask(" ".join(
            f"{k}={v}" for k, v in sorted(spec.buildargs.items()))) + "\n")
        try:
            for chunk in client.api.build(**kwargs):
                text = _chunk_text(chunk)
                if "errorDetail" in chunk or "error" in chunk:
                    error = str(chunk.get("error") or chunk.get("errorDetail"))
                aux = chunk.get("aux")
                if isinstance(aux, dict) and aux.get("ID"):
                    image_id = str(aux["ID"])
                if not text:
                    continue
                for raw in text.splitlines():
                    line = masker.mask(raw)
                    lines.append(line)
                    out.write(line + "\n")
                    if echo:
                        echo(line)
                    match = re.match(r"^Successfully built ([0-9a-f]+)", line)
                    if match and not image_id:
                        image_id = match.group(1)
        except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
            error = str(exc)
        out.write(f"# finished in {time.monotonic() - start:.1f}s\n")
    if error:
        tail = " | ".join(lines[-3:])
        raise InfraError(f"building {spec.ref} failed: {masker.mask(error)[:400]}",
                         f"log: {log}; last lines: {tail[:300]}")
    if not image_id:
        try:
            image_id = str(client.images.get(spec.ref).id)
        except docker.errors.DockerException as exc:
            raise InfraError(f"the engine built {spec.ref} but it cannot be found",
                             f"log: {log}") from exc
    return BuiltImage(spec.name, spec.ref, image_id, time.monotonic() - start, log,
                      parse_steps(lines))


def _chunk_text(chunk: dict[str, Any]) -> str:
    text = chunk.get("stream") or chunk.get("status") or ""
    return str(text).rstrip("\n")


def build_plan(client: docker.DockerClient, plan: BuildPlan, log_dir: Path, *,
               network_mode: str | None = "host", nocache: bool = False,
               echo: Callable[[str], None] | None = None) -> list[BuiltImage]:
    """Build every image of the plan, base first (contexts must be staged)."""
    if plan.options.platform == "windows":
        network_mode = None  # Windows engines have no host network for builds
    return [build_image(client, spec, log_dir, network_mode=network_mode, nocache=nocache,
                        echo=echo)
            for spec in plan.images]


def results_table(built: list[BuiltImage]) -> str:
    rows = [("IMAGE", "SECONDS", "LAYERS BUILT", "FROM CACHE", "FIRST LAYER BUILT")]
    for b in built:
        first = b.first_rebuilt()
        rows.append((b.ref, f"{b.duration_s:.1f}", str(len(b.rebuilt)),
                     str(len(b.layer_steps) - len(b.rebuilt)),
                     f"{first.number}: {first.instruction[:50]}" if first else "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in rows) + "\n"
