"""The MSI's install and remove steps on real files: the configs rendered from the
template every winci backend uses, glance-manage's output masked, the recovery
settings (Windows' service manager stands in as a fake: Wine's does not keep them),
the remove step keeping the logs and the image store; and the step's entry point,
which prints one line, secrets masked, whatever fails."""

from __future__ import annotations

import configparser
import io
import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from glance_windows_service import __main__ as entry
from glance_windows_service import install
from glance_windows_service.layout import Layout
from glance_windows_service.settings import InstallSettings, from_values

PASSWORD = "pa$word-7"
DB_URL = "mysql+pymysql://glance:db$ecret@127.0.0.1:3306/glance"
STORE = r"\\sofs01\glance$\images"
DATA = ("INSTALLDIR=C:\\Program Files\\OpenStack\\Glance\\\n"
        f"DATABASE_URL={DB_URL}\nKEYSTONE_URL=http://127.0.0.1:5000\n"
        f"GLANCE_PASSWORD={PASSWORD}\nIMAGE_STORE={STORE}\nWORKERS=3\nPORT=9393\n"
        "BIND_HOST=127.0.0.1\nPUBLIC_URL=\nSCRUBBER=0\n")
SECRETS = (PASSWORD, DB_URL, "db$ecret")


def settings(**change: str) -> InstallSettings:
    values = dict(line.split("=", 1) for line in DATA.splitlines())
    return from_values({**values, **change})


def no_secret(text: str) -> bool:
    return not any(secret in text for secret in SECRETS)


def _conf(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    return parser


def test_configs_are_rendered_from_the_shipped_template(layout: Layout) -> None:
    written = install.render_configs(settings(), layout)
    assert written == [layout.api_config, layout.etc / "glance-api-paste.ini",
                       layout.service_settings]
    conf = _conf(layout.api_config)
    # one file store at IMAGE_STORE, nothing of the test stack's multistore
    assert conf["DEFAULT"]["enabled_backends"] == "file1:file"
    assert not conf.has_section("file2") and not conf.has_section("web")
    assert conf["DEFAULT"]["public_endpoint"] == "http://127.0.0.1:9393"
    assert conf["DEFAULT"]["show_multiple_locations"] == "false"
    assert conf["keystone_authtoken"]["auth_url"] == "http://127.0.0.1:5000"
    assert conf["keystone_authtoken"]["username"] == "glance"
    assert conf["keystone_authtoken"]["project_name"] == "service"
    assert conf["wsgi"]["python_interpreter"] == str(layout.python)
    assert conf["os_glance_staging_store"]["filesystem_store_datadir"] == str(
        layout.data / "staging")
    for folder in ("image-cache", "staging", "tasks", "locks"):
        assert (layout.data / folder).is_dir()
    assert layout.log.is_dir()
    assert (layout.etc / "glance-api-paste.ini").read_text(encoding="utf-8") == (
        layout.share / "glance-api-paste.ini").read_text(encoding="utf-8")
    assert json.loads(layout.service_settings.read_text(encoding="utf-8")) == {
        "bind_host": "127.0.0.1", "port": 9393, "workers": 3, "scrubber": False,
        "public_url": "http://127.0.0.1:9393"}


def test_a_dollar_in_a_value_is_escaped_for_oslo_config(layout: Layout) -> None:
    # oslo.config reads "$name" as a substitution and "$$" as one "$" (checked with
    # oslo.config 10: pa$$word-7 -> pa$word-7)
    install.render_configs(settings(), layout)
    conf = _conf(layout.api_config)
    assert conf["keystone_authtoken"]["password"] == "pa$$word-7"
    assert conf["database"]["connection"] == DB_URL.replace("$", "$$")
    assert conf["file1"]["filesystem_store_datadir"] == r"\\sofs01\glance$$\images"


def test_masker_masks_every_secret_however_short() -> None:
    mask = install.Masker(["ab", "abcdef", ""])
    assert mask("x abcdef y ab z") == "x ****** y ****** z"
    assert install.Masker([])("nothing") == "nothing"


def _fake_python(layout: Layout, body: str) -> Path:
    """``python\\python.exe`` of the install: a script that records its arguments."""
    layout.python_dir.mkdir(parents=True, exist_ok=True)
    layout.python.write_text(f"#!{sys.executable}\nimport sys\n{body}\n", encoding="utf-8")
    layout.python.chmod(0o755)
    return layout.python


def test_manage_masks_what_glance_manage_prints(layout: Layout) -> None:
    _fake_python(layout, f"print('connecting to {DB_URL}')\n"
                         f"print('password {PASSWORD} refused')\nsys.exit(4)")
    said: list[str] = []
    with pytest.raises(RuntimeError, match="glance-manage db_sync failed with exit code 4"):
        install.manage(layout, ["db_sync"], install.Masker(list(SECRETS)), said.append)
    assert said == ["  connecting to ******", "  password ****** refused"]


def test_manage_says_nothing_when_it_succeeds(layout: Layout) -> None:
    _fake_python(layout, "print('lots of output')")
    said: list[str] = []
    install.manage(layout, ["db_sync"], install.Masker([]), said.append)
    assert said == []


class FakeServiceManager(types.ModuleType):
    """pywin32's ``win32service`` as far as the install step uses it. ``keeps``: Windows'
    service manager keeps the recovery actions; Wine 8's fails to (error 124)."""

    SC_MANAGER_ALL_ACCESS = SERVICE_ALL_ACCESS = 0xF01FF
    SERVICE_CONFIG_DESCRIPTION, SERVICE_CONFIG_FAILURE_ACTIONS = 1, 2
    SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, SC_ACTION_RESTART = 4, 1
    SERVICE_STOPPED, SERVICE_STOP_PENDING = 1, 3

    class error(Exception):  # pywin32's name
        def __init__(self, winerror: int, funcname: str, strerror: str) -> None:
            super().__init__(winerror, funcname, strerror)
            self.strerror = strerror

    def __init__(self, keeps: bool) -> None:
        super().__init__("win32service")
        self.keeps = keeps
        self.config: dict[str, dict[int, Any]] = {}
        self.open: list[str] = []

    def OpenSCManager(self, machine: None, db: None, access: int) -> str:
        self.open.append("scm")
        return "scm"

    def OpenService(self, scm: str, name: str, access: int) -> str:
        self.open.append(name)
        return name

    def CloseServiceHandle(self, handle: str) -> None:
        self.open.remove(handle)

    def ChangeServiceConfig2(self, handle: str, level: int, info: Any) -> None:
        if level == self.SERVICE_CONFIG_FAILURE_ACTIONS_FLAG and not self.keeps:
            raise self.error(124, "ChangeServiceConfig2", "Invalid level.")
        self.config.setdefault(handle, {})[level] = info

    def QueryServiceConfig2(self, handle: str, level: int) -> Any:
        return self.config[handle][level]


@pytest.fixture
def service_manager(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServiceManager]:
    fake = FakeServiceManager(keeps=True)
    monkeypatch.setitem(sys.modules, "win32service", fake)
    yield fake
    assert fake.open == []  # every handle closed


def test_install_configures_the_api_and_its_recovery_and_says_no_secret(
        layout: Layout, service_manager: FakeServiceManager) -> None:
    _fake_python(layout, f"open(r'{layout.root / 'calls'}', 'a').write(' '.join("
                         "sys.argv[1:]) + '\\n')")
    said: list[str] = []
    install.msi_install(settings(), layout, said.append)
    calls = (layout.root / "calls").read_text(encoding="utf-8").splitlines()
    assert calls == [f"-m glance.cmd.manage --config-file {layout.api_config} db_sync",
                     f"-m glance.cmd.manage --config-file {layout.api_config} "
                     f"db_load_metadefs {layout.share / 'metadefs'}"]
    assert list(service_manager.config) == ["glance-api"]
    api = service_manager.config["glance-api"]
    assert api[1] == install.DESCRIPTIONS["glance-api"]
    assert api[2]["ResetPeriod"] == 86_400
    assert api[2]["Actions"] == [(1, 10_000), (1, 10_000), (1, 60_000)]
    assert "glance-api: recovery: restart after 10 s, 10 s, 60 s (kept: 3 actions)" in said
    assert said[-1] == "configured: 3 worker(s) on 127.0.0.1:9393, public URL " \
                       "http://127.0.0.1:9393"
    assert f"image store: {STORE}" in said
    assert all(no_secret(line) for line in said)


def test_the_scrubber_is_configured_only_when_asked(
        layout: Layout, service_manager: FakeServiceManager) -> None:
    _fake_python(layout, "")
    service_manager.keeps = False  # Wine 8's service manager
    said: list[str] = []
    install.msi_install(settings(SCRUBBER="1"), layout, said.append)
    assert list(service_manager.config) == ["glance-api", "glance-scrubber"]
    assert [line for line in said if "not kept" in line] == [
        f"{name}: recovery actions set but not kept by this service manager (Invalid "
        "level.); Windows keeps them, Wine 8 does not"
        for name in ("glance-api", "glance-scrubber")]


class FakeServiceUtil(types.ModuleType):
    """``win32serviceutil.QueryServiceStatus``: each service's states, in turn."""

    def __init__(self, states: dict[str, list[int]], error: type[Exception]) -> None:
        super().__init__("win32serviceutil")
        self.states, self.error = states, error

    def QueryServiceStatus(self, name: str) -> tuple[int, int]:
        if name not in self.states:
            raise self.error(1060, "OpenService", "The service does not exist.")
        states = self.states[name]
        return (16, states.pop(0) if len(states) > 1 else states[0])


def test_remove_waits_for_the_services_then_keeps_logs_and_the_store(
        layout: Layout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        service_manager: FakeServiceManager) -> None:
    monkeypatch.setitem(sys.modules, "win32serviceutil", FakeServiceUtil(
        {"glance-api": [3, 3, 1]}, service_manager.error))  # STOP_PENDING twice
    install.render_configs(settings(), layout)
    (layout.log / "glance-api.log").write_text("kept\n", encoding="utf-8")
    cache = layout.python_dir / "Lib" / "site-packages" / "glance" / "__pycache__"
    cache.mkdir(parents=True)
    (cache / "x.cpython-312.pyc").write_bytes(b"")
    store = tmp_path / "store" / "images"
    store.mkdir(parents=True)
    (store / "image").write_bytes(b"data")
    said: list[str] = []
    install.msi_remove(layout, said.append)
    assert said == ["glance-api: stopped", f"removed {layout.etc}", f"removed {layout.data}",
                    f"removed 1 bytecode folders; kept {layout.log} and the image store"]
    assert not layout.etc.exists() and not layout.data.exists() and not cache.exists()
    assert (layout.log / "glance-api.log").read_text(encoding="utf-8") == "kept\n"
    assert (store / "image").read_bytes() == b"data"


def test_remove_gives_up_on_a_service_that_does_not_stop(
        monkeypatch: pytest.MonkeyPatch, service_manager: FakeServiceManager) -> None:
    monkeypatch.setitem(sys.modules, "win32serviceutil", FakeServiceUtil(
        {"glance-api": [3]}, service_manager.error))
    with pytest.raises(RuntimeError, match="glance-api did not stop within 0 s"):
        install.wait_stopped(("glance-api",), lambda _: None, timeout=0.3)


def _step(capsys: pytest.CaptureFixture[str], command: str, data: str) -> tuple[int, str]:
    code = entry.msi_step(command, data)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_a_bad_setting_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _step(capsys, "msi-install", DATA.replace("WORKERS=3", "WORKERS=lots"))
    assert (code, out) == (2, "error: WORKERS='lots': give a whole number from 1 to 64\n")


def test_a_failed_install_is_one_masked_line_and_exit_3(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(s: InstallSettings, layout: Layout) -> None:
        raise OSError(f"cannot reach {s.database_url} with {s.glance_password}")

    monkeypatch.setattr(install, "msi_install", fail)
    code, out = _step(capsys, "msi-install", DATA)
    assert code == 3
    assert out == "error: OSError: cannot reach ****** with ******\n"


def test_the_settings_arrive_as_utf8_whatever_the_code_page(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    got: list[InstallSettings] = []
    monkeypatch.setattr(install, "msi_install", lambda s, layout: got.append(s))
    password = "pässwörd-€"
    data = DATA.replace(PASSWORD, password).encode("utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="cp1252"))
    assert entry.main(["msi-install", "--settings-from-stdin"]) == 0
    assert got[0].glance_password == password
    assert got[0].install_dir == Path("C:\\Program Files\\OpenStack\\Glance")


class FakeSecurity(types.ModuleType):
    """pywin32's ``win32security`` as far as :func:`install.restrict_etc` uses it: what
    it was given is read back (NTFS keeps a DACL; this records it)."""

    ACL_REVISION, OBJECT_INHERIT_ACE, CONTAINER_INHERIT_ACE = 2, 0x1, 0x2
    DACL_SECURITY_INFORMATION, PROTECTED_DACL_SECURITY_INFORMATION = 0x4, 0x80000000
    SE_FILE_OBJECT, WinLocalSystemSid, WinBuiltinAdministratorsSid = 1, 22, 26

    class Acl:
        def __init__(self) -> None:
            self.aces: list[tuple[int, int, int, str]] = []

        def AddAccessAllowedAceEx(self, rev: int, flags: int, access: int,
                                  sid: str) -> None:
            self.aces.append((rev, flags, access, sid))

        def GetAceCount(self) -> int:
            return len(self.aces)

    def __init__(self) -> None:
        super().__init__("win32security")
        self.set: dict[str, tuple[int, Any]] = {}

    def ACL(self) -> Acl:
        return self.Acl()

    def CreateWellKnownSid(self, kind: int) -> str:
        return {22: "S-1-5-18", 26: "S-1-5-32-544"}[kind]

    def SetNamedSecurityInfo(self, path: str, kind: int, info: int, owner: None,
                             group: None, dacl: Acl, sacl: None) -> None:
        assert Path(path).is_dir() and not any(Path(path).iterdir())  # before the files
        self.set[path] = (info, dacl)

    def GetNamedSecurityInfo(self, path: str, kind: int, info: int) -> Any:
        dacl = self.set[path][1]
        return types.SimpleNamespace(GetSecurityDescriptorDacl=lambda: dacl)


def test_etc_is_closed_to_all_but_system_and_administrators(
        layout: Layout, monkeypatch: pytest.MonkeyPatch) -> None:
    security = FakeSecurity()
    monkeypatch.setitem(sys.modules, "win32security", security)
    monkeypatch.setitem(sys.modules, "ntsecuritycon",
                        types.SimpleNamespace(FILE_ALL_ACCESS=0x1F01FF))
    said: list[str] = []
    install.restrict_etc(layout, said.append)
    info, dacl = security.set[str(layout.etc)]
    assert info == 0x4 | 0x80000000  # the DACL, protected: nothing inherited from above
    assert dacl.aces == [(2, 0x3, 0x1F01FF, "S-1-5-18"), (2, 0x3, 0x1F01FF, "S-1-5-32-544")]
    assert said == [f"{layout.etc}: SYSTEM and Administrators only (2 access entries "
                    "read back)"]
