"""Both services on pywin32's service framework, hosted by the installed interpreter
(``python\\glance-api.exe -m glance_windows_service host glance-api``: the MSI's
ServiceInstall names a copy of python.exe, so the workers, started as
``sys.executable -m ...``, run the same interpreter).

Status: START_PENDING (with checkpoints) while binding and starting the workers,
RUNNING once they are started (the socket accepts connections from then on; the log
says when the API first answers), STOP_PENDING while they end, STOPPED when none is
left. A start that fails, or workers that keep dying, end the service with an error
code, so the recovery actions the install configured restart it.
"""

from __future__ import annotations

import logging
import threading
import traceback
from typing import Any, Protocol

from glance_windows_service.layout import Layout

START_WAIT_HINT_MS = 60_000
STOP_WAIT_HINT_MS = 30_000


class Host(Protocol):
    def start(self, pending: Any = None) -> None: ...

    def check(self) -> None: ...

    def stop(self) -> None: ...


def make_host(name: str, layout: Layout) -> Host:
    settings = layout.read_service_settings()
    if name == "glance-api":
        from glance_windows_service.api import ApiHost

        return ApiHost(layout, settings)
    if name == "glance-scrubber":
        from glance_windows_service.scrubber import ScrubberHost

        return ScrubberHost(layout, settings)
    raise ValueError(f"no such service: {name}")


def setup_logging(layout: Layout, name: str) -> logging.Logger:
    layout.log.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(layout.log / f"{name}-service.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s "
                                           "%(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return logging.getLogger(f"{name}-service")


def service_class(name: str) -> type:
    """The pywin32 service class of ``name`` (pywin32 is imported only here)."""
    import win32service
    import win32serviceutil

    class GlanceService(win32serviceutil.ServiceFramework):
        _svc_name_ = name
        _svc_display_name_ = f"OpenStack Glance ({name})"

        def __init__(self, args: Any) -> None:
            super().__init__(args)
            self.stop_requested = threading.Event()
            self.layout = Layout.of_interpreter()
            self.log = setup_logging(self.layout, name)

        def SvcStop(self) -> None:
            self.log.info("stop requested")
            self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING,
                                     waitHint=STOP_WAIT_HINT_MS)
            self.stop_requested.set()

        def SvcRun(self) -> None:
            def pending() -> None:
                self.ReportServiceStatus(win32service.SERVICE_START_PENDING,
                                         waitHint=START_WAIT_HINT_MS)

            pending()
            self.log.info("starting (%s)", self.layout.root)
            host = make_host(name, self.layout)
            try:
                host.start(pending)
                self.ReportServiceStatus(win32service.SERVICE_RUNNING)
                self.log.info("running")
                while not self.stop_requested.wait(1.0):
                    host.check()
            except BaseException:
                self.log.error("failed: %s", traceback.format_exc())
                raise
            finally:
                self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING,
                                         waitHint=STOP_WAIT_HINT_MS)
                host.stop()
                self.log.info("stopped")

    return GlanceService


def run_service(name: str) -> None:
    """Hand this process to the service control manager as the service ``name``."""
    import servicemanager

    cls = service_class(name)
    servicemanager.Initialize()
    servicemanager.PrepareToHostSingle(cls)
    # types-pywin32 leaves this one unannotated
    servicemanager.StartServiceCtrlDispatcher()  # type: ignore[no-untyped-call]


def run_console(name: str, layout: Layout | None = None) -> None:
    """The same work in the foreground until Ctrl-C (troubleshooting, and Linux tests)."""
    layout = layout or Layout.of_interpreter()
    log = setup_logging(layout, name)
    host = make_host(name, layout)
    host.start()
    log.info("running in the console; Ctrl-C stops")
    try:
        while True:
            threading.Event().wait(1.0)
            host.check()
    except KeyboardInterrupt:
        pass
    finally:
        host.stop()
