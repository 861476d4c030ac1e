"""What the Glance API's logs say about its processes (winci/stack/api_logs.py), read
from lines as the launcher, the queue's ``glance.cmd.api_waitress`` workers and oslo.log
write them (copied from a run under Windows CPython under Wine)."""

from __future__ import annotations

from pathlib import Path

from winci.stack.api_logs import (
    interpreter_of,
    requests_by_pid,
    serving_facts,
    workers_of,
)

SERVICE_LOG = """\
$ /usr/lib/wine/wine64 python.exe Z:\\work\\main\\winci\\stack\\launcher.py --name glance-api
glance-api: interpreter {"sys_platform": "win32", "os_name": "nt", "sys_version": "3.12.9 \
(tags/v3.12.9:fdb8142) [MSC v.1942 64 bit (AMD64)]", "pid": 248, \
"serves": "glance.cmd.api_waitress"}
worker 216 serving http://127.0.0.1:29292 (win32, Python 3.12.9)
Eventlet is deprecated.
worker 208 serving http://127.0.0.1:29292 (win32, Python 3.12.9)
worker 208 exited with 0, restarting
worker 328 serving http://127.0.0.1:29292 (win32, Python 3.12.9)
"""

GLANCE_LOG = """\
2026-12-06 19:20:56.223 208 INFO waitress [None req-98 - - - - - -] Serving on http://127.0.0.1:29292
2026-12-06 19:19:45.512 208 INFO glance.api.access [None req-bc - - - - - -] 127.0.0.1 - - \
[06/Dec/2026:19:19:45 +0000] "GET /v2/images HTTP/1.1" 200 175 "-" "curl/7.88.1"
2026-12-06 19:19:45.544 216 INFO glance.api.access [None req-d1 - - - - - -] 127.0.0.1 - - \
[06/Dec/2026:19:19:45 +0000] "GET /versions HTTP/1.1" 200 175 "-" "curl/7.88.1"
2026-12-06 19:19:46.001 216 INFO glance.api.access [-] 127.0.0.1 - - \
[06/Dec/2026:19:19:46 +0000] "PUT /v2/images/x/file HTTP/1.1" 204 0 "-" "python-requests"
2026-12-06 19:19:47.000 216 WARNING glance.api.v2.images [-] "GET /v2/images HTTP/1.1" 200 x
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_interpreter_workers_and_requests(tmp_path: Path) -> None:
    service = _write(tmp_path, "service.log", SERVICE_LOG)
    glance = _write(tmp_path, "glance.log", GLANCE_LOG)
    assert interpreter_of(service)["serves"] == "glance.cmd.api_waitress"
    assert [(w.pid, w.sys_platform, w.python) for w in workers_of(service)] == [
        (216, "win32", "3.12.9"), (208, "win32", "3.12.9"), (328, "win32", "3.12.9")]
    # access lines only: the waitress line and the warning quoting a request are not
    assert requests_by_pid(glance) == {208: 1, 216: 2}
    facts = serving_facts(service, glance, workers=2)
    assert facts["pid"] == 248 and facts["sys_platform"] == "win32"
    assert facts["workers"] == 2
    assert facts["worker_processes"] == [
        {"pid": 216, "sys_platform": "win32", "python": "3.12.9", "requests": 2},
        {"pid": 208, "sys_platform": "win32", "python": "3.12.9", "requests": 1},
        {"pid": 328, "sys_platform": "win32", "python": "3.12.9", "requests": 0}]
    assert (facts["workers_that_served"], facts["requests"]) == (2, 3)


def test_a_single_process_server_or_no_log(tmp_path: Path) -> None:
    """The launcher's own waitress (a tree without the queue): its interpreter, no
    worker block; a log that is missing or says nothing: nothing."""
    service = _write(tmp_path, "service.log", SERVICE_LOG.splitlines()[1] + "\n")
    facts = serving_facts(service, tmp_path / "missing.log", workers=2)
    assert facts["sys_platform"] == "win32" and "workers" not in facts
    assert serving_facts(tmp_path / "none.log", tmp_path / "none2.log", 2) == {}
    broken = _write(tmp_path, "broken.log", "glance-api: interpreter {not json}\n")
    assert interpreter_of(broken) == {}
