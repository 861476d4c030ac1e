"""The Glance MSI for real, under Windows CPython under Wine: ``msiexec /i /qn`` with the
public properties (the image store on a UNC path Wine maps, the run's MariaDB and
Keystone on 127.0.0.1), the service RUNNING, an image up and down through the API,
``sc stop`` ending every worker and the port, ``msiexec /x`` removing the service and
leaving the image store alone. Nothing of the test is left: no process, no prefix.

The MSI is built once per key into the suite's cache (``winci.msi.build``), like the
Wine platform's environments. Run with ``-s`` to see each step's output.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests

from winci.backends.shared import HostServices
from winci.envs import ensure_env
from winci.envs.specs import keystone_env, patched_env_inputs
from winci.msi.build import build_msi
from winci.platforms.wine.install import WineTools
from winci.platforms.wine.provision import WinePlatform, start_wine
from winci.procs import Completed, Runner
from winci.procs.tree import processes_with_env
from winci.stack.settings import StackSettings
from winci.ui import Progress
from winci.worktree.prepared import PreparedTree

from .conftest import processes_of_run

pytestmark = [pytest.mark.integration]

INSTALL_DIR = r"C:\Program Files\OpenStack\Glance"


def say(text: str) -> None:
    print(f"[msi-test] {text}", flush=True)


class Machine:
    """The test's Wine session (its prefix is the 'Windows host') and the native stack."""

    def __init__(self, runner: Runner, wine: WinePlatform, host: HostServices,
                 settings: StackSettings) -> None:
        self.runner, self.wine, self.host, self.settings = runner, wine, host, settings

    def run(self, *args: str, name: str, timeout: float = 900) -> Completed:
        return self.wine.session.run(self.runner, list(args), name=name, timeout=timeout,
                                     check=False)

    def sc_state(self, service: str) -> str:
        done = self.run("sc", "query", service, name=f"sc-query-{service}", timeout=60)
        for line in done.tail:
            if "STATE" in line:
                return line.split()[-1]
        return f"absent (sc exit {done.returncode})"

    def wait_state(self, service: str, wanted: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        state = self.sc_state(service)
        while state != wanted and time.monotonic() < deadline:
            time.sleep(1)
            state = self.sc_state(service)
        return state

    def c_drive(self, windows_path: str) -> Path:
        assert windows_path[:3].upper() == "C:\\"
        return self.wine.session.prefix / "drive_c" / windows_path[3:].replace("\\", "/")

    def glance_processes(self) -> list[psutil.Process]:
        found = []
        for proc in processes_with_env("WINEPREFIX", os.fspath(self.wine.session.prefix)):
            try:
                if any("glance" in part for part in proc.cmdline()):
                    found.append(proc)
            except psutil.Error:
                continue
        return found


@pytest.fixture
def machine(wine_tools: WineTools, glance_tree: PreparedTree, tmp_path: Path
            ) -> Iterator[Machine]:
    run_id = f"test-wine-msi-{secrets.token_hex(4)}"
    runner = Runner(tmp_path / "logs", run_id=run_id)
    settings = StackSettings(run_id=run_id, state_dir=tmp_path / "stack",
                             log_dir=tmp_path / "logs")
    host = HostServices(settings, runner, [])
    wine: WinePlatform | None = None
    try:
        if host.resolve_db_mode() != "mysql":
            pytest.skip("no MariaDB/MySQL server binary on this host")
        _, keystone_wheel = patched_env_inputs(dict(glance_tree.wheels))
        keystone = ensure_env(keystone_env(constraints=glance_tree.constraints,
                                           keystone=keystone_wheel), runner)
        started = time.monotonic()
        host.up(lambda step: None, keystone)
        say(f"MariaDB and Keystone up on 127.0.0.1 ({time.monotonic() - started:.0f} s)")
        wine = start_wine(runner, tmp_path / "private")
        yield Machine(runner, wine, host, settings)
    finally:
        if wine is not None:
            wine.close()
        host.down()
        assert runner.close()
    deadline = time.monotonic() + 10
    while processes_of_run(run_id) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_of_run(run_id) == []
    assert not (tmp_path / "private" / "wine-prefix").exists()


def _token(settings: StackSettings) -> dict[str, str]:
    resp = requests.post(f"{settings.keystone_url}/v3/auth/tokens", timeout=30, json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"id": "default"},
            "password": settings.admin_password}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
    assert resp.status_code == 201, resp.text
    return {"X-Auth-Token": resp.headers["X-Subject-Token"]}


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_msi_installs_runs_stops_and_uninstalls_glance(
        machine: Machine, glance_tree: PreparedTree, tmp_path: Path) -> None:
    m, s = machine, machine.settings
    started = time.monotonic()
    built = build_msi(m.runner, Progress(io.StringIO()), glance_tree, m.wine)
    say(f"MSI {built.path.name}: {built.size / 1e6:.1f} MB, {built.files} files, "
        f"{'reused from the cache' if built.reused else f'built in {built.seconds:.0f} s'}")

    # The SoFS share, as Wine maps UNC paths: <prefix>/dosdevices/unc/<server>/<share>.
    share = tmp_path / "sofs-glance"
    share.mkdir()
    unc = m.wine.session.prefix / "dosdevices" / "unc" / "sofs"
    unc.mkdir(parents=True)
    (unc / "glance").symlink_to(share)
    msi_log = tmp_path / "msi-install.log"
    props = {"DATABASE_URL": s.database_url("glance"), "KEYSTONE_URL": s.keystone_url,
             "GLANCE_PASSWORD": s.glance_password, "IMAGE_STORE": r"\\sofs\glance\images",
             "WORKERS": "2", "PORT": str(s.glance_port), "BIND_HOST": "127.0.0.1",
             "PUBLIC_URL": s.glance_url}
    t0 = time.monotonic()
    done = m.run("msiexec", "/i", _win(built.path), "/qn", "/l*v", _win(msi_log),
                 *(f"{k}={v}" for k, v in props.items()), name="msiexec-install")
    say(f"msiexec /i /qn: exit {done.returncode} in {time.monotonic() - t0:.0f} s")
    text = msi_log.read_text(encoding="utf-16", errors="replace") if _utf16(msi_log) \
        else msi_log.read_text(encoding="utf-8", errors="replace")
    ours = [line for line in text.splitlines() if line.startswith("glance: ")]
    for line in ours:
        say(f"  install log: {line}")
    assert done.returncode == 0, text[-3000:]
    for secret in (s.glance_password, s.db_password):
        assert not [line for line in ours if secret in line]

    state = m.wait_state("glance-api", "RUNNING", 120)
    say(f"sc query glance-api: {state}")
    assert state == "RUNNING"
    root = m.c_drive(INSTALL_DIR)
    conf = (root / "etc" / "glance-api.conf").read_text(encoding="utf-8")
    assert "filesystem_store_datadir = \\\\sofs\\glance\\images\n" in conf

    t0 = time.monotonic()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{s.glance_url}/versions", timeout=5).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(1)
    say(f"API answers /versions ({time.monotonic() - t0:.0f} s after RUNNING)")
    auth = _token(s)
    created = requests.post(f"{s.glance_url}/v2/images", headers=auth, timeout=60, json={
        "name": "winci-msi", "disk_format": "raw", "container_format": "bare"})
    assert created.status_code == 201, created.text
    image = created.json()["id"]
    data = secrets.token_bytes(2 * 1024 * 1024 + 11)
    upload = requests.put(f"{s.glance_url}/v2/images/{image}/file", data=data, timeout=120,
                          headers={**auth, "Content-Type": "application/octet-stream"})
    assert upload.status_code == 204, upload.text
    download = requests.get(f"{s.glance_url}/v2/images/{image}/file", headers=auth,
                            timeout=120)
    shown = requests.get(f"{s.glance_url}/v2/images/{image}", headers=auth, timeout=30).json()
    sha = hashlib.sha512(data).hexdigest()
    say(f"image {image}: uploaded {len(data)} bytes, downloaded {len(download.content)}, "
        f"sha512 equal: {hashlib.sha512(download.content).hexdigest() == sha}, "
        f"Glance's os_hash_value equal: {shown.get('os_hash_value') == sha}")
    assert download.status_code == 200 and download.content == data
    assert shown["os_hash_value"] == sha
    stored = share / "images" / image
    assert stored.read_bytes() == data  # written through \\sofs\glance\images

    procs = m.glance_processes()
    workers = [p for p in procs if "--worker" in p.cmdline()]
    say(f"processes: {len(procs)} glance-api.exe ({len(workers)} workers)")
    assert len(workers) == 2

    t0 = time.monotonic()
    m.run("sc", "stop", "glance-api", name="sc-stop", timeout=60)
    state = m.wait_state("glance-api", "STOPPED", 60)
    gone = psutil.wait_procs(procs, timeout=15)[1] == []
    say(f"sc stop glance-api: {state} in {time.monotonic() - t0:.0f} s; every "
        f"glance-api.exe ended: {gone}; port {s.glance_port} listening: "
        f"{_listening(s.glance_port)}")
    assert state == "STOPPED" and gone and m.glance_processes() == []
    assert not _listening(s.glance_port)
    service_log = (root / "log" / "glance-api-service.log").read_text(encoding="utf-8")
    assert "stopped" in service_log and "port" in service_log

    t0 = time.monotonic()
    done = m.run("msiexec", "/x", _win(built.path), "/qn", "/l*v",
                 _win(tmp_path / "msi-remove.log"), name="msiexec-remove")
    state = m.sc_state("glance-api")
    say(f"msiexec /x /qn: exit {done.returncode} in {time.monotonic() - t0:.0f} s; "
        f"sc query glance-api: {state}; {INSTALL_DIR}\\python left: "
        f"{(root / 'python' / 'python.exe').exists()}; image store holds the image: "
        f"{stored.read_bytes() == data}")
    assert done.returncode == 0
    assert state.startswith("absent")
    assert not (root / "python" / "python.exe").exists()
    assert not (root / "etc").exists()
    assert stored.read_bytes() == data
    say(f"total {time.monotonic() - started:.0f} s")


def _win(path: Path) -> str:
    return "Z:" + str(path).replace("/", "\\")


def _utf16(path: Path) -> bool:
    return path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
