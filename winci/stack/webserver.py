"""A loopback HTTP server for Glance's web-download imports and tempest's http://
locations, serving a small qcow2 image.

It is the standard library's own server (``python -m http.server``) run by winci's
interpreter as a service of the run, through the runner: logged (one line a request)
and ended with the run like Keystone and Glance, and, with ``--keep``, left up with
them, so a kept stack still serves its image (a thread of winci would end with it).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import requests

from winci.errors import InfraError
from winci.host.netutil import LOOPBACK, wait_until
from winci.procs import Runner, Service

IMAGE_NAME = "cirros.qcow2"
START_TIMEOUT = 30.0


def make_qcow2(runner: Runner, dest: Path, size: str = "16M") -> Path:
    """A small, valid qcow2 image made by qemu-img (what tempest's imports will fetch)."""
    qemu_img = shutil.which("qemu-img")
    if qemu_img is None:
        raise InfraError("qemu-img not found", "install qemu-utils (Debian) or QEMU for Windows")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not dest.is_file():
        runner.run([qemu_img, "create", "-f", "qcow2", dest, size], name="qemu-img-create",
                   timeout=120)
    return dest


def _serves(url: str) -> bool:
    try:
        return requests.head(url, timeout=3).status_code == 200
    except requests.RequestException:
        return False


class ImageWebServer:
    """Serves ``root`` on 127.0.0.1:port: ``python -m http.server`` as a service of
    ``runner`` (its log: ``image-web-server.log``)."""

    def __init__(self, runner: Runner, root: Path, port: int) -> None:
        self.runner, self.root, self.port = runner, root, port
        self.service: Service | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        """Start it and wait until it serves the image."""
        self.service = service = self.runner.start(
            [sys.executable, "-m", "http.server", "--bind", LOOPBACK, "--directory",
             self.root, str(self.port)], name="image-web-server", lifetime=None)
        wait_until(lambda: _serves(f"{self.url}/{IMAGE_NAME}"), timeout=START_TIMEOUT,
                   what="image web server", alive=service.alive)

    def alive(self) -> bool:
        return self.service is not None and self.service.alive()

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()
            self.service = None
