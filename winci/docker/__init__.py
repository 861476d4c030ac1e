"""Containers for winci: image builds, a run's containers, clean-up and checks.

Everything talks to the engine through the docker SDK (``docker.from_env()``, so
``DOCKER_HOST`` selects the engine): Docker on Windows or Linux, or podman's Docker API
service (scripts/test.d/podman.sh sets one up on Debian).

- :mod:`winci.docker.labels`: the ``org.openstack.winci.*`` labels;
- :mod:`winci.docker.engine`: connecting, with a clear error when no engine answers;
- :mod:`winci.docker.images`: the build plan (images, contexts, args, tags) and contexts;
- :mod:`winci.docker.prepare`: from a prepared Glance tree to built images (plan,
  contexts, build), for ``winci build`` and the docker backend;
- :mod:`winci.docker.build`: building a plan;
- :mod:`winci.docker.containers`: :class:`~winci.docker.containers.RunContainers`, the
  containers of one run (:mod:`winci.docker.logs` follows their output);
- :mod:`winci.docker.executor`: a lane's programs in one-shot containers;
- :mod:`winci.docker.cleanup`: ``winci down``;
- :mod:`winci.docker.doctor`: ``winci doctor``;
- :mod:`winci.docker.health`: the HEALTHCHECK command run inside the images.

The docker backend itself (the run's side) is :mod:`winci.backends.docker`.
"""
