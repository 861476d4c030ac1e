"""Containers for winci: image builds, the docker stack backend, clean-up and checks.

Everything talks to the engine through the docker SDK (``docker.from_env()``, so
``DOCKER_HOST`` selects the engine): Docker on Windows or Linux, or podman's Docker API
service (scripts/test.d/podman.sh sets one up on Debian).

- :mod:`winci.docker.labels`: the ``org.openstack.winci.*`` labels;
- :mod:`winci.docker.engine`: connecting, with a clear error when no engine answers;
- :mod:`winci.docker.images`: the build plan (images, contexts, args, tags) and contexts;
- :mod:`winci.docker.prepare`: sources, patch queue, plan and contexts before a build;
- :mod:`winci.docker.build`: building a plan;
- :mod:`winci.docker.backend`: :class:`~winci.docker.backend.DockerStack`;
- :mod:`winci.docker.cleanup`: ``winci down``;
- :mod:`winci.docker.doctor`: ``winci doctor``;
- :mod:`winci.docker.health`: the HEALTHCHECK command run inside the images.
"""
