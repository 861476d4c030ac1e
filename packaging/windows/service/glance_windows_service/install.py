"""What the MSI runs through its custom actions (packaging/windows/customaction).

``msi-install`` (after the files are copied and the services registered, before they
start): ``etc\\`` closed to all but SYSTEM and Administrators, the configs from the
templates every winci backend uses (``share\\templates``), ``glance-manage db_sync`` and
``db_load_metadefs``, the services' description and recovery actions (restart after
10 s, 10 s, 60 s; counter reset after a day; also on a stop with an error code).
``msi-remove`` (after the services were told to stop, before the files go): waits until
they are stopped, then removes what the install and the services wrote (configs, data,
bytecode), never the image store, and keeps the logs.

Every line printed goes into the MSI's log: secrets are masked in whatever a child
prints, and never printed by this module.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from glance_windows_service import __version__
from glance_windows_service.layout import Layout
from glance_windows_service.settings import InstallSettings

SERVICES = ("glance-api", "glance-scrubber")
DESCRIPTIONS = {
    "glance-api": "OpenStack Glance image API (waitress, worker processes)",
    "glance-scrubber": "OpenStack Glance scrubber (deletes images queued for deletion)",
}
RESTART_DELAYS_MS = (10_000, 10_000, 60_000)
RESET_PERIOD_S = 86_400
CREATE_NO_WINDOW = 0x08000000

Say = Callable[[str], None]


def _say(text: str) -> None:
    print(text, flush=True)


class Masker:
    """Replaces each secret value, however short, with ``******`` (the install's
    secrets are the administrator's, not generated: a short one is masked too)."""

    def __init__(self, secrets: list[str]) -> None:
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "******")
        return text


def conf_value(text: str) -> str:
    """``text`` as an oslo.config value: ``$`` starts a substitution there (``$name``),
    so a literal one is written ``$$`` (a password, or a hidden share ``\\\\sofs\\glance$``)."""
    return text.replace("$", "$$")


def render_configs(settings: InstallSettings, layout: Layout) -> list[Path]:
    """glance-api.conf from the shipped template; the paste config beside it; the
    services' own settings (glance-service.json)."""
    import jinja2

    for folder in (layout.etc, layout.log, *(layout.data / s for s in (
            "image-cache", "staging", "tasks", "locks"))):
        folder.mkdir(parents=True, exist_ok=True)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(layout.templates)),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             autoescape=False)
    text = env.get_template("glance-api.conf.j2").render(
        winci_version=f"glance-windows-service {__version__}",
        rendered_for=f"the MSI install in {layout.root}",
        keystone_url=conf_value(settings.keystone_url),
        glance_url=conf_value(settings.public_url),
        glance_user=conf_value(settings.glance_user),
        glance_password=conf_value(settings.glance_password),
        service_project=conf_value(settings.glance_project),
        database_url=conf_value(settings.database_url),
        log_dir=conf_value(str(layout.log)), state_dir=conf_value(str(layout.data)),
        store_dir=conf_value(settings.image_store), config_dir=conf_value(str(layout.etc)),
        python=conf_value(str(layout.python)), multistore=False)
    layout.api_config.write_text(text, encoding="utf-8")
    shutil.copyfile(layout.share / "glance-api-paste.ini", layout.etc / "glance-api-paste.ini")
    layout.service_settings.write_text(json.dumps({
        "bind_host": settings.bind_host, "port": settings.port, "workers": settings.workers,
        "scrubber": settings.scrubber, "public_url": settings.public_url}, indent=1),
        encoding="utf-8")
    return [layout.api_config, layout.etc / "glance-api-paste.ini", layout.service_settings]


def restrict_etc(layout: Layout, say: Say) -> None:
    """``etc\\`` only for SYSTEM (the services, the install) and Administrators:
    glance-api.conf holds the database URL and the service password, and the install
    folder's own permissions (Program Files) let local users read. A protected DACL
    whose entries its files inherit, set before they are written; read back, so the
    log says what the file system kept."""
    import ntsecuritycon
    import win32security

    dacl = win32security.ACL()
    inherit = win32security.OBJECT_INHERIT_ACE | win32security.CONTAINER_INHERIT_ACE
    for sid in (win32security.WinLocalSystemSid, win32security.WinBuiltinAdministratorsSid):
        dacl.AddAccessAllowedAceEx(win32security.ACL_REVISION, inherit,
                                   ntsecuritycon.FILE_ALL_ACCESS,
                                   win32security.CreateWellKnownSid(sid))
    layout.etc.mkdir(parents=True, exist_ok=True)
    win32security.SetNamedSecurityInfo(
        str(layout.etc), win32security.SE_FILE_OBJECT,
        win32security.DACL_SECURITY_INFORMATION
        | win32security.PROTECTED_DACL_SECURITY_INFORMATION, None, None, dacl, None)
    kept = win32security.GetNamedSecurityInfo(
        str(layout.etc), win32security.SE_FILE_OBJECT,
        win32security.DACL_SECURITY_INFORMATION).GetSecurityDescriptorDacl()
    say(f"{layout.etc}: SYSTEM and Administrators only "
        f"({kept.GetAceCount() if kept is not None else 0} access entries read back)")


def manage(layout: Layout, args: list[str], mask: Masker, say: Say) -> None:
    """``python -m glance.cmd.manage --config-file glance-api.conf ARGS``, its output masked."""
    flags = CREATE_NO_WINDOW if sys.platform == "win32" else 0
    proc = subprocess.run([str(layout.python), "-m", "glance.cmd.manage", "--config-file",
                           str(layout.api_config), *args], cwd=str(layout.root),
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, creationflags=flags, timeout=1800)
    lines = proc.stdout.decode("utf-8", "replace").splitlines()
    for line in lines[-20:] if proc.returncode else []:
        say(f"  {mask(line)}")
    if proc.returncode:
        raise RuntimeError(f"glance-manage {args[0]} failed with exit code {proc.returncode}")


def configure_recovery(name: str, say: Say) -> None:
    """Description and restart-on-failure actions of the registered service ``name``;
    says when the service manager does not keep them (Wine 8)."""
    import win32service

    scm = win32service.OpenSCManager(None, None, win32service.SC_MANAGER_ALL_ACCESS)
    try:
        handle = win32service.OpenService(scm, name, win32service.SERVICE_ALL_ACCESS)
        try:
            win32service.ChangeServiceConfig2(handle, win32service.SERVICE_CONFIG_DESCRIPTION,
                                              DESCRIPTIONS[name])
            actions = {"ResetPeriod": RESET_PERIOD_S, "RebootMsg": None, "Command": None,
                       "Actions": [(win32service.SC_ACTION_RESTART, d)
                                   for d in RESTART_DELAYS_MS]}
            win32service.ChangeServiceConfig2(
                handle, win32service.SERVICE_CONFIG_FAILURE_ACTIONS, actions)
            try:
                win32service.ChangeServiceConfig2(
                    handle, win32service.SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, True)
                kept = win32service.QueryServiceConfig2(
                    handle, win32service.SERVICE_CONFIG_FAILURE_ACTIONS)
            except win32service.error as exc:
                say(f"{name}: recovery actions set but not kept by this service manager "
                    f"({exc.strerror}); Windows keeps them, Wine 8 does not")
                return
            say(f"{name}: recovery: restart after "
                f"{', '.join(str(d // 1000) + ' s' for d in RESTART_DELAYS_MS)} "
                f"(kept: {len(kept.get('Actions') or [])} actions)")
        finally:
            win32service.CloseServiceHandle(handle)
    finally:
        win32service.CloseServiceHandle(scm)


def msi_install(settings: InstallSettings, layout: Layout, say: Say = _say) -> None:
    mask = Masker(settings.secrets())
    say(f"glance-windows-service {__version__}: configuring {layout.root}")
    if sys.platform == "win32":
        restrict_etc(layout, say)
    for path in render_configs(settings, layout):
        say(f"wrote {path}")
    say(f"image store: {settings.image_store}")
    say("glance-manage db_sync")
    manage(layout, ["db_sync"], mask, say)
    say("glance-manage db_load_metadefs")
    manage(layout, ["db_load_metadefs", str(layout.share / "metadefs")], mask, say)
    for name in SERVICES:
        if name == "glance-scrubber" and not settings.scrubber:
            continue
        configure_recovery(name, say)
    say(f"configured: {settings.workers} worker(s) on {settings.bind_host}:{settings.port}, "
        f"public URL {settings.public_url}")


def wait_stopped(names: tuple[str, ...], say: Say, timeout: float = 90.0) -> None:
    """Until every one of ``names`` that is registered is STOPPED (Windows Installer
    waits for StopServices itself; Wine 8's does not)."""
    import win32service
    import win32serviceutil

    deadline = time.monotonic() + timeout
    for name in names:
        while True:
            try:
                state = win32serviceutil.QueryServiceStatus(name)[1]
            except win32service.error:
                break  # not registered (the scrubber was not installed)
            if state == win32service.SERVICE_STOPPED:
                say(f"{name}: stopped")
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not stop within {timeout:.0f} s")
            time.sleep(0.5)


def msi_remove(layout: Layout, say: Say = _say) -> None:
    wait_stopped(SERVICES, say)
    for path in (layout.etc, layout.data):
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)
            say(f"removed {path}")
    caches = [p for p in layout.python_dir.rglob("__pycache__") if p.is_dir()]
    for cache in caches:
        shutil.rmtree(cache, ignore_errors=True)
    say(f"removed {len(caches)} bytecode folders; kept {layout.log} and the image store")
