"""Build log folders laid out as Zuul publishes a winci build, and serve them on 127.0.0.1."""

from __future__ import annotations

import functools
import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from tests.history.runs import make_run_dir

ZUUL_VARS = {
    "change": "954321", "patchset": "2", "ref": "refs/changes/21/954321/2",
    "project": {"name": "openstack/glance", "short_name": "glance",
                "canonical_name": "opendev.org/openstack/glance"},
    "job": "winci-glance-unit", "pipeline": "third-party-check", "branch": "master",
    "build": "5f0c3a9e1d2b4c6e8f0a1b2c3d4e5f60", "buildset": "b" * 32,
}


def zuul_layout(run_dir: Path, log_root: Path, zuul: dict[str, object] | None = None) -> Path:
    """``<log_root>/winci-run/`` (the run folder, as winci-fetch-results unpacks it),
    ``<log_root>/zuul-info/inventory.yaml`` (as Zuul writes it), ``node-logs/``."""
    shutil.copytree(run_dir, log_root / "winci-run")
    (log_root / "node-logs").mkdir(parents=True, exist_ok=True)
    inventory = {"all": {
        "hosts": {"winci-node": {"ansible_host": "127.0.0.1", "ansible_connection": "ssh"}},
        "vars": {"zuul": zuul if zuul is not None else ZUUL_VARS}}}
    (log_root / "zuul-info").mkdir(parents=True, exist_ok=True)
    (log_root / "zuul-info" / "inventory.yaml").write_text(yaml.safe_dump(inventory))
    return log_root


class _Handler(SimpleHTTPRequestHandler):
    requested: list[str]

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self.requested.append(self.path)
        super().do_GET()


@contextmanager
def serve(folder: Path) -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 serving ``folder``; yields its URL and the paths asked."""
    requested: list[str] = []
    handler = type("Handler", (_Handler,), {"requested": requested})
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", requested
    finally:
        server.shutdown()
        server.server_close()


FAIL = "glance.tests.unit.test_a.T.test_fails"
FLAKY_ID = "glance.tests.unit.test_a.T.test_flaky"
OK = "glance.tests.unit.test_a.T.test_ok"
TEMPEST = "tempest.api.image.v2.test_images.T.test_x[id-1234,smoke]"


def build_logs(tmp_path: Path, *, source: str = "pypi") -> Path:
    run = make_run_dir(tmp_path / "runs", "20261124-020000-abcd", "2026-11-24T02:00:00Z",
                       {"unit": [(OK, "success", 0.1), (FAIL, "fail", 0.2),
                                 (FLAKY_ID, "fail", 0.1)],
                        "tempest": [(TEMPEST, "success", 1.0)]}, flaky=(FLAKY_ID,))
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["glance"].update(source=source, kind=source)
    if source != "pypi":
        manifest["glance"].update(path="/opt/stack/glance", git_sha="0" * 40,
                                  git_ref="HEAD")
    (run / "manifest.json").write_text(json.dumps(manifest))
    return zuul_layout(run, tmp_path / "logs")
