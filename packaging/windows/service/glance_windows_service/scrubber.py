"""The scrubber service's work: Glance's scrubber daemon
(``<python> -m glance.cmd.scrubber --daemon``, threads, no eventlet) as a child process
with the API's config, its log in ``log\\glance-scrubber.log``. Stopping ends it (it
holds no socket and no transaction between runs); the same crash guard as the API's
workers applies: a child that keeps exiting stops the service with an error.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from typing import Any

from glance_windows_service.api import CRASH_WINDOW, CREATE_NO_WINDOW, WorkersFailing, _relay
from glance_windows_service.layout import Layout

LOG = logging.getLogger("glance-scrubber-service")
MAX_RESTARTS = 3


class ScrubberHost:
    def __init__(self, layout: Layout, settings: dict[str, Any]) -> None:
        self.layout = layout
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts: list[float] = []
        self.stopping = False

    def _spawn(self) -> None:
        cmd = [sys.executable, "-m", "glance.cmd.scrubber", "--daemon",
               "--config-file", str(self.layout.api_config),
               "--log-file", str(self.layout.log / "glance-scrubber.log")]
        flags = CREATE_NO_WINDOW if sys.platform == "win32" else 0
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, cwd=str(self.layout.root),
                                     env={**os.environ}, creationflags=flags)
        LOG.info("scrubber %d started", self.proc.pid)
        assert self.proc.stdout is not None
        threading.Thread(target=_relay, args=(self.proc.pid, self.proc.stdout),
                         daemon=True).start()

    def start(self, pending: Any = None) -> None:
        self._spawn()

    def check(self) -> None:
        if self.proc is None or self.stopping or self.proc.poll() is None:
            return
        now = time.monotonic()
        LOG.warning("scrubber %d exited with %s", self.proc.pid, self.proc.returncode)
        self.restarts = [t for t in self.restarts if now - t < CRASH_WINDOW] + [now]
        if len(self.restarts) > MAX_RESTARTS:
            raise WorkersFailing("the scrubber keeps exiting: see glance-scrubber.log")
        self._spawn()

    def pids(self) -> list[int]:
        return [self.proc.pid] if self.proc is not None else []

    def stop(self) -> None:
        self.stopping = True
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
            LOG.info("scrubber %d ended", proc.pid)
