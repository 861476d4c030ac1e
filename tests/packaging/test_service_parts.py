"""The service package's other platform-neutral parts: the install's folders, the Wine
workarounds (nothing anywhere but under Wine), the services' dispatch, and the scrubber
host's child process (a stand-in ``glance.cmd.scrubber`` run by this interpreter)."""

from __future__ import annotations

import json
import socket
import sys
import time
from pathlib import Path

import psutil
import pytest
from glance_windows_service import host, scrubber, winecompat
from glance_windows_service.api import WorkersFailing
from glance_windows_service.layout import Layout


def test_the_install_is_the_folder_above_the_interpreter(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    exe = tmp_path / "Glance" / "python" / "glance-api.exe"
    exe.parent.mkdir(parents=True)
    exe.write_bytes(b"")
    monkeypatch.setattr(sys, "executable", str(exe))
    layout = Layout.of_interpreter()
    assert layout.root == tmp_path / "Glance"
    assert layout.python == layout.root / "python" / "python.exe"
    assert layout.api_config == layout.root / "etc" / "glance-api.conf"
    assert (layout.templates, layout.log, layout.data) == (
        layout.root / "share" / "templates", layout.root / "log", layout.root / "data")


def test_service_settings_must_be_an_object(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    layout.etc.mkdir()
    layout.service_settings.write_text(json.dumps({"port": 9292}), encoding="utf-8")
    assert layout.read_service_settings() == {"port": 9292}
    layout.service_settings.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match="holds no JSON object"):
        layout.read_service_settings()


@pytest.mark.parametrize("platform", ["linux", "win32"])
def test_wine_workarounds_change_nothing_outside_wine(
        monkeypatch: pytest.MonkeyPatch, platform: str) -> None:
    # on Windows itself ntdll has no wine_get_version: here ctypes has no WinDLL at all
    monkeypatch.setattr(winecompat.sys, "platform", platform)
    assert winecompat.under_wine() is False
    assert winecompat.apply() is False
    assert hasattr(socket, "TCP_KEEPIDLE") and "_wmi" not in sys.modules


def test_an_unknown_service_is_refused(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    layout.etc.mkdir()
    layout.service_settings.write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="no such service: glance-registry"):
        host.make_host("glance-registry", layout)
    assert isinstance(host.make_host("glance-scrubber", layout), scrubber.ScrubberHost)


@pytest.fixture
def fake_scrubber(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``glance.cmd.scrubber`` for the child: its body is the test's to write."""
    package = tmp_path / "site" / "glance" / "cmd"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("", encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "site"))
    (tmp_path / "Glance").mkdir()  # the install, the child's working folder
    return package / "scrubber.py"


def test_the_scrubber_runs_until_stopped(fake_scrubber: Path, tmp_path: Path) -> None:
    fake_scrubber.write_text("import sys, time\nprint(sys.argv[1:], flush=True)\n"
                             "time.sleep(60)\n", encoding="utf-8")
    scrubber_host = scrubber.ScrubberHost(Layout(tmp_path / "Glance"), {})
    scrubber_host.start()
    try:
        (pid,) = scrubber_host.pids()
        time.sleep(0.3)
        scrubber_host.check()  # still running: nothing restarted
        assert scrubber_host.pids() == [pid] and scrubber_host.restarts == []
    finally:
        scrubber_host.stop()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
    assert scrubber_host.pids() == []


def test_a_scrubber_that_keeps_exiting_stops_the_service(fake_scrubber: Path,
                                                         tmp_path: Path) -> None:
    fake_scrubber.write_text("raise SystemExit(1)\n", encoding="utf-8")
    scrubber_host = scrubber.ScrubberHost(Layout(tmp_path / "Glance"), {})
    scrubber_host.start()
    deadline = time.monotonic() + 30
    try:
        with pytest.raises(WorkersFailing, match="the scrubber keeps exiting"):
            while time.monotonic() < deadline:
                scrubber_host.check()
                time.sleep(0.05)
        assert len(scrubber_host.restarts) == scrubber.MAX_RESTARTS + 1
    finally:
        scrubber_host.stop()
