"""The Glance MSI for real, under Windows CPython under Wine: ``msiexec /i /qn`` with the
public properties (the image store on a UNC path Wine maps, the run's MariaDB and
Keystone on 127.0.0.1, the scrubber as a second service), both services RUNNING and
the scrubber's daemon started, an image up and down through the API, ``sc stop``
ending every API worker and the port, ``msiexec /x`` stopping the scrubber, removing
both services and leaving the logs and the image store alone. The whole install and
removal logs hold a secret only where Windows Installer would mask it (Wine's does
not: docs/install-windows.md). Nothing of the test is left: no process, no prefix.

The MSI is built once per key into the suite's cache (``winci.msi.build``), like the
Wine platform's environments. Run with ``-s`` to see each step's output.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
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
from winci.msi import tables
from winci.msi.build import build_msi
from winci.msi.tools import find_msi_tools
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

    def glance_processes(self, service: str | None = None) -> list[psutil.Process]:
        """The processes of ``service``'s executable (glance-api.exe, glance-scrubber.exe:
        the service and the children it runs), of both by default."""
        found = []
        for proc in processes_with_env("WINEPREFIX", os.fspath(self.wine.session.prefix)):
            try:
                parts = [part.lower() for part in proc.cmdline()]
                if (any("glance" in part for part in parts) if service is None else any(
                        part.endswith(f"{service}.exe") for part in parts)):
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


# Log records whose values Windows Installer masks (MsiHiddenProperties; HideTarget for
# a deferred action's CustomActionData); Wine 8's msiexec writes them. ``name`` is the
# property. A value with line breaks (the settings: KEY=VALUE lines) goes on over the
# next lines of the log, which belong to its record.
_MASKED_RECORDS = (
    re.compile(r"^Property\([SC]\): (?P<name>\w+) = "),
    re.compile(r"PROPERTY CHANGE: (Adding|Modifying) (?P<name>\w+) property"),
    re.compile(r"^Command Line: (?P<name>)"),
)
_CONTINUED = re.compile(r"^[A-Z][A-Z_]*=")


def log_leaks(text: str, secrets: list[str], hidden: set[str]) -> tuple[int, list[str]]:
    """(lines holding a secret, those of them Windows Installer would not mask)."""
    holding, leaks = 0, []
    masked = False
    for line in text.splitlines():
        match = next((m for m in (r.search(line) for r in _MASKED_RECORDS) if m), None)
        if match is not None:
            masked = match.group("name") in hidden or match.group("name") == ""
        elif not (masked and _CONTINUED.match(line)):
            masked = False
        if any(secret in line for secret in secrets):
            holding += 1
            if not masked:
                leaks.append(line)
    return holding, leaks


def _read_log(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8", errors="replace")


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
             "PUBLIC_URL": s.glance_url, "SCRUBBER": "1"}
    t0 = time.monotonic()
    done = m.run("msiexec", "/i", _win(built.path), "/qn", "/l*v", _win(msi_log),
                 *(f"{k}={v}" for k, v in props.items()), name="msiexec-install")
    say(f"msiexec /i /qn: exit {done.returncode} in {time.monotonic() - t0:.0f} s")
    text = _read_log(msi_log)
    ours = [line for line in text.splitlines() if line.startswith("glance: ")]
    for line in ours:
        say(f"  install log: {line}")
    assert done.returncode == 0, text[-3000:]
    assert [line for line in ours if "etc: SYSTEM and Administrators only" in line]
    secret_values = [s.glance_password, s.db_password, props["DATABASE_URL"]]
    for secret in secret_values:
        assert not [line for line in ours if secret in line]
    tools = find_msi_tools()
    assert tools is not None
    hidden = set(next(row["Value"] for row in tables.export(
        m.runner, tools.msiinfo, built.path, "Property")
        if row["Property"] == "MsiHiddenProperties").split(";"))
    actions = {row["Action"]: int(row["Type"]) for row in tables.export(
        m.runner, tools.msiinfo, built.path, "CustomAction")}
    if actions["GlanceInstall"] & tables.HIDE_TARGET:
        hidden.add("CustomActionData")
    holding, leaks = log_leaks(text, secret_values, hidden)
    say(f"install log: {holding} of {len(text.splitlines())} lines hold a secret, "
        f"{len(leaks)} where Windows Installer would not mask it")
    assert leaks == []

    state = m.wait_state("glance-api", "RUNNING", 120)
    scrubber = m.wait_state("glance-scrubber", "RUNNING", 60)
    say(f"sc query glance-api: {state}; glance-scrubber: {scrubber}")
    assert state == "RUNNING" and scrubber == "RUNNING"
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

    procs = m.glance_processes("glance-api")
    workers = [p for p in procs if "--worker" in p.cmdline()]
    say(f"processes: {len(procs)} glance-api.exe ({len(workers)} workers)")
    assert len(workers) == 2

    # The scrubber's daemon: Glance's own log says it started, with the install's config
    # and database; the service's log that it never had to restart it.
    scrubber_log = root / "log" / "glance-scrubber.log"
    t0 = time.monotonic()
    waited = 0.0
    while time.monotonic() - t0 < 120 and "Starting Daemon" not in (
            scrubber_log.read_text(encoding="utf-8", errors="replace")
            if scrubber_log.exists() else ""):
        time.sleep(1)
        waited = time.monotonic() - t0
    scrubbers = m.glance_processes("glance-scrubber")
    scrubber_service_log = (root / "log" / "glance-scrubber-service.log").read_text(
        encoding="utf-8", errors="replace")
    daemon = [line for line in scrubber_log.read_text(encoding="utf-8").splitlines()
              if "Starting Daemon" in line] if scrubber_log.exists() else []
    say(f"scrubber: {len(scrubbers)} glance-scrubber.exe; glance-scrubber.log: "
        f"{daemon[0].split('] ')[-1] if daemon else 'no daemon start'} "
        f"(waited {waited:.0f} s for it)")
    assert daemon and "exited with" not in scrubber_service_log
    assert [p for p in scrubbers if "glance.cmd.scrubber" in p.cmdline()]

    t0 = time.monotonic()
    m.run("sc", "stop", "glance-api", name="sc-stop", timeout=60)
    state = m.wait_state("glance-api", "STOPPED", 60)
    gone = psutil.wait_procs(procs, timeout=15)[1] == []
    say(f"sc stop glance-api: {state} in {time.monotonic() - t0:.0f} s; every "
        f"glance-api.exe ended: {gone}; port {s.glance_port} listening: "
        f"{_listening(s.glance_port)}")
    assert state == "STOPPED" and gone and m.glance_processes("glance-api") == []
    assert not _listening(s.glance_port)
    service_log = (root / "log" / "glance-api-service.log").read_text(encoding="utf-8")
    assert "stopped" in service_log and "port" in service_log

    # Removed with the scrubber still running: the removal stops it and waits.
    t0 = time.monotonic()
    remove_log = tmp_path / "msi-remove.log"
    done = m.run("msiexec", "/x", _win(built.path), "/qn", "/l*v", _win(remove_log),
                 name="msiexec-remove")
    states = {name: m.sc_state(name) for name in ("glance-api", "glance-scrubber")}
    scrubbers_ended = psutil.wait_procs(scrubbers, timeout=15)[1] == []
    say(f"msiexec /x /qn: exit {done.returncode} in {time.monotonic() - t0:.0f} s; "
        f"sc query: {states}; every glance-scrubber.exe ended: {scrubbers_ended}; "
        f"{INSTALL_DIR}\\python left: {(root / 'python' / 'python.exe').exists()}; "
        f"log\\ kept: {(root / 'log' / 'glance-api.log').exists()}; image store holds "
        f"the image: {stored.read_bytes() == data}")
    assert done.returncode == 0
    assert all(state.startswith("absent") for state in states.values())
    assert scrubbers_ended and m.glance_processes() == []
    assert not (root / "python" / "python.exe").exists()
    assert not (root / "etc").exists() and not (root / "data").exists()
    assert (root / "log" / "glance-api.log").exists()
    assert stored.read_bytes() == data
    holding, leaks = log_leaks(_read_log(remove_log), secret_values, hidden)
    say(f"remove log: {holding} lines hold a secret, {len(leaks)} unmasked on Windows")
    assert leaks == []
    say(f"total {time.monotonic() - started:.0f} s")


def _win(path: Path) -> str:
    return "Z:" + str(path).replace("/", "\\")

