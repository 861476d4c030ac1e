"""Reading the engine's build output: which steps came from the layer cache."""

from __future__ import annotations

from winci.docker.build import BuiltImage, parse_steps, results_table

PODMAN = """\
STEP 1/8: FROM winci/base:0.1.0-557deee2
STEP 2/8: COPY requirements.txt /opt/winci/requirements/glance.txt
--> Using cache 1f2e3d
--> 1f2e3d
STEP 3/8: ARG PIP_CERT
--> Using cache 2a2a2a
STEP 4/8: RUN winci-install deps /opt/winci/requirements/glance.txt
--> Using cache 3b3b3b
STEP 5/8: COPY src/ /opt/winci/src/
--> 4c4c4c
STEP 6/8: RUN winci-install src
Processing /opt/winci/src/glance
--> 5d5d5d
STEP 7/8: LABEL "org.openstack.winci.image"="glance"
--> 6e6e6e
"""

DOCKER = """\
Step 1/3 : FROM winci/base:1
 ---> 0a0a
Step 2/3 : COPY requirements.txt /r.txt
 ---> Using cache
 ---> 1b1b
Step 3/3 : RUN pip install -r /r.txt
 ---> Running in 9f9f
"""


def test_podman_steps() -> None:
    steps = parse_steps(PODMAN.splitlines())
    assert [(s.number, s.cached) for s in steps] == [
        (1, False), (2, True), (3, True), (4, True), (5, False), (6, False), (7, False)]
    built = BuiltImage("glance", "winci/glance:x", "id", 1.0, log=None, steps=steps)  # type: ignore[arg-type]
    first = built.first_rebuilt()
    assert first is not None and first.instruction.startswith("COPY src/")
    assert [s.number for s in built.rebuilt] == [5, 6]  # ARG 3 is metadata
    assert "COPY src/" in results_table([built])


def test_docker_classic_steps() -> None:
    steps = parse_steps(DOCKER.splitlines())
    assert [(s.number, s.cached) for s in steps] == [(1, False), (2, True), (3, False)]
