"""Following a running container's output into a log file, masked, line by line."""

from __future__ import annotations

import codecs
import threading
from pathlib import Path
from typing import Any

import docker.errors
import requests.exceptions

from winci.masking import Masker


class LogFollower(threading.Thread):
    """Copies a running container's output to its log file, masked, line by line."""

    def __init__(self, container: Any, log: Path, masker: Masker) -> None:
        super().__init__(daemon=True, name=f"log-{container.name}")
        self.container, self.log, self.masker = container, log, masker
        self.complete = False      # the stream ended with the container
        self.abandoned = False     # run_task wrote the log itself: stop writing

    def run(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        pending = ""
        try:
            with open(self.log, "w", encoding="utf-8") as out:
                for chunk in self.container.logs(stdout=True, stderr=True, stream=True,
                                                 follow=True):
                    if self.abandoned:
                        return
                    pending += decoder.decode(chunk)
                    *lines, pending = pending.split("\n")
                    for line in lines:
                        out.write(self.masker.mask(line) + "\n")
                    out.flush()
                pending += decoder.decode(b"", final=True)
                if pending:
                    out.write(self.masker.mask(pending))
            self.complete = not self.abandoned
        except (docker.errors.APIError, requests.exceptions.RequestException, OSError):
            self.complete = False
