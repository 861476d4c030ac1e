"""The API service's work: one listening socket and N waitress workers, from the patch
queue's ``glance.cmd.api_waitress`` (glance patch 0005).

The service process is that launcher's parent: it binds the socket once, starts the
workers with subprocess (``<python> -m glance.cmd.api_waitress --worker``; on Windows
each gets the socket through ``socket.share``/``fromshare`` and sits in a kill-on-close
job object), replaces a worker that dies, and at stop closes their stdin pipes (they
exit), kills any that lingers, closes the job and then its own socket: no process and
nothing listening is left. Its own loop replaces the launcher's ``Parent.run``, which
installs signal handlers (only the main thread may, and a service runs on the
dispatcher's thread) and never closes the socket.

A worker's output goes through a pipe into the service's log (python.exe under Wine
cannot start with a regular file as a standard stream). Workers that keep dying (a
broken config) stop the service with an error, so the service manager's recovery
actions apply instead of an endless restart loop inside one service.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import IO, Any

from glance_windows_service.layout import Layout

LOG = logging.getLogger("glance-api-service")
CREATE_NO_WINDOW = 0x08000000
# More restarts than this within CRASH_WINDOW seconds: the workers cannot run.
CRASH_WINDOW = 120.0
MAX_RESTARTS_PER_WORKER = 3


class WorkersFailing(RuntimeError):
    """The workers keep exiting: the service stops with an error."""


class ApiHost:
    """``start()`` binds and starts the workers, ``check()`` (every second) replaces dead
    ones, ``stop()`` ends them all and closes the socket."""

    def __init__(self, layout: Layout, settings: dict[str, Any]) -> None:
        self.layout = layout
        self.bind_host = str(settings.get("bind_host", "0.0.0.0"))
        self.port = int(settings["port"])
        self.workers = int(settings.get("workers", 1))
        self.env = {**os.environ, "OS_GLANCE_CONFIG_DIR": str(layout.etc)}
        self.sock: socket.socket | None = None
        self.parent: Any = None
        self.restarts: list[float] = []
        self.ready = threading.Event()

    def _popen(self, cmd: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        if sys.platform == "win32":
            kwargs["creationflags"] = kwargs.get("creationflags", 0) | CREATE_NO_WINDOW
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                env=self.env, cwd=str(self.layout.root), **kwargs)
        LOG.info("worker %d started", proc.pid)
        if proc.stdout is not None:
            threading.Thread(target=_relay, args=(proc.pid, proc.stdout), daemon=True,
                             name=f"worker-{proc.pid}-output").start()
        return proc

    def start(self, pending: Callable[[], None] = lambda: None) -> None:
        from glance.cmd import api_waitress

        os.environ["OS_GLANCE_CONFIG_DIR"] = str(self.layout.etc)
        bind = f"{self.bind_host}:{self.port}"
        args = api_waitress.parse_args(["--bind", bind, "--workers", str(self.workers)])
        self.sock = api_waitress.listening_socket(args.bind, args.backlog)
        LOG.info("listening on %s; starting %d worker(s)", bind, self.workers)
        pending()
        self.parent = api_waitress.Parent(args, self.sock, popen=self._popen)
        self.parent.start()
        threading.Thread(target=self._wait_ready, daemon=True, name="ready-probe").start()

    def _wait_ready(self) -> None:
        host = "127.0.0.1" if self.bind_host in ("0.0.0.0", "") else self.bind_host
        host = "[::1]" if host == "::" else host
        started = time.monotonic()
        while self.parent is not None and not self.parent.stopping:
            try:
                with urllib.request.urlopen(f"http://{host}:{self.port}/", timeout=5):
                    pass
            except urllib.error.HTTPError:
                pass  # an answer all the same (300 Multiple Choices: the versions)
            except OSError:
                time.sleep(1)
                continue
            LOG.info("the API answers on port %d (%.0f s after the start)", self.port,
                     time.monotonic() - started)
            self.ready.set()
            return

    def check(self) -> None:
        if self.parent is None:
            return
        now = time.monotonic()
        restarted = self.parent.check()
        self.restarts = [t for t in self.restarts if now - t < CRASH_WINDOW]
        self.restarts += [now] * restarted
        if len(self.restarts) > MAX_RESTARTS_PER_WORKER * self.workers:
            raise WorkersFailing(f"the workers exited {len(self.restarts)} times within "
                                 f"{CRASH_WINDOW:.0f} s: see glance-api.log and this log")

    def pids(self) -> list[int]:
        return [c.pid for c in self.parent.children] if self.parent is not None else []

    def stop(self) -> None:
        parent, self.parent = self.parent, None
        if parent is not None:
            pids = [c.pid for c in parent.children]
            LOG.info("stopping worker(s) %s", ", ".join(map(str, pids)))
            parent.stop()  # stdin closed, 10 s to exit, then killed; the job closed
            left = [c.pid for c in parent.children if c.poll() is None]
            if left:
                LOG.warning("worker(s) %s still running after stop", left)
        if self.sock is not None:
            self.sock.close()
            self.sock = None
            LOG.info("port %d closed", self.port)


def _relay(pid: int, stream: IO[bytes]) -> None:
    for raw in iter(stream.readline, b""):
        LOG.info("[worker %d] %s", pid, raw.decode("utf-8", "replace").rstrip())
    stream.close()
