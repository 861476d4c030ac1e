"""A loopback HTTP server for Glance's web-download import, serving a small qcow2 image."""

from __future__ import annotations

import functools
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from winci.errors import InfraError
from winci.host.netutil import LOOPBACK
from winci.procs import Runner

IMAGE_NAME = "cirros.qcow2"


class _QuietHandler(SimpleHTTPRequestHandler):
    log_file: Path | None = None

    def log_message(self, format: str, *args: Any) -> None:
        if self.log_file is not None:
            with open(self.log_file, "a", encoding="utf-8") as f:
                f.write(f"{self.address_string()} - {format % args}\n")


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


class ImageWebServer:
    """Serves ``root`` on 127.0.0.1:port from a thread of the winci process."""

    def __init__(self, root: Path, port: int, log_file: Path) -> None:
        handler = type("Handler", (_QuietHandler,), {"log_file": log_file})
        self.httpd = ThreadingHTTPServer((LOOPBACK, port),
                                         functools.partial(handler, directory=str(root)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True,
                                       name="image-web-server")

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
