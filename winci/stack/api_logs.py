"""What the Glance API's logs say about the processes that served it.

Three kinds of line, each written by the serving interpreter itself, so they say where
the API really ran:

- winci's launcher, first: ``glance-api: interpreter {"sys_platform": ..., "pid": ...}``
  (the service's log; :mod:`winci.stack.launcher`);
- each worker of the patch queue's ``glance.cmd.api_waitress`` as it starts serving:
  ``worker 216 serving http://127.0.0.1:9292 (win32, Python 3.12.9)`` (the service's
  log: workers write to the standard error they inherit);
- with ``--access-log``, one line per request in Glance's own log (oslo.log's default
  format carries the pid of the process that wrote it):
  ``2026-12-06 19:19:45.512 208 INFO glance.api.access [...] 127.0.0.1 - - [...]
  "GET /v2/images HTTP/1.1" 200 ...``.

Pids are those the interpreter sees (``os.getpid()``): under Wine, Windows process ids,
which are not the host's pids of the same processes. Request paths and methods only:
no line of these carries a header, a token or a body.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INTERPRETER_LINE = re.compile(r"^\S+: interpreter (\{.*\})\s*$")
WORKER_LINE = re.compile(r"^worker (\d+) serving (\S+) \(([^,]+), Python ([^)]+)\)\s*$")
ACCESS_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[.,]\d+ (\d+) \w+ glance\.api\.access .*?"
    r'"(\w+) (\S+) HTTP/[\d.]+" (\d{3}) ')


@dataclass(frozen=True)
class Worker:
    pid: int
    url: str
    sys_platform: str
    python: str


def _lines(log: Path) -> list[str]:
    try:
        return log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def interpreter_of(log: Path) -> dict[str, Any]:
    """What the launcher said of its interpreter in the service log ``log`` (the last
    start), or nothing."""
    for line in reversed(_lines(log)):
        found = INTERPRETER_LINE.match(line)
        if found:
            try:
                facts = json.loads(found.group(1))
            except ValueError:
                continue
            if isinstance(facts, dict):
                return facts
    return {}


def workers_of(log: Path) -> list[Worker]:
    """Every worker that started serving, in order (a replaced one and its successor)."""
    found = (WORKER_LINE.match(line) for line in _lines(log))
    return [Worker(int(m.group(1)), m.group(2), m.group(3), m.group(4))
            for m in found if m]


def requests_by_pid(log: Path) -> Counter[int]:
    """How many requests each process served, from the access lines of Glance's log."""
    return Counter(int(m.group(1)) for m in map(ACCESS_LINE.match, _lines(log)) if m)


def serving_facts(service_log: Path, glance_log: Path, workers: int) -> dict[str, Any]:
    """The API's block of a manifest: the launcher's interpreter and, served by
    ``glance.cmd.api_waitress``, its worker processes with the requests each served."""
    facts = interpreter_of(service_log)
    started = workers_of(service_log)
    if not started:
        return facts
    served = requests_by_pid(glance_log)
    facts["workers"] = workers
    facts["worker_processes"] = [
        {"pid": w.pid, "sys_platform": w.sys_platform, "python": w.python,
         "requests": served.get(w.pid, 0)} for w in started]
    facts["workers_that_served"] = sum(1 for w in started if served.get(w.pid))
    facts["requests"] = sum(served.values())
    return facts
