"""Loopback networking helpers: free ports and readiness waits (127.0.0.1 only)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from winci.errors import InfraError, UsageError

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def port_in_use(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def require_free(port: int, what: str) -> None:
    """For a port the user asked for: a clear usage error when it is taken."""
    if port_in_use(port):
        raise UsageError(f"port {port} for {what} is already in use",
                         "choose another port or leave it unset so winci picks a free one")


def wait_until(check: Callable[[], bool], *, timeout: float, what: str,
               alive: Callable[[], bool] | None = None, interval: float = 0.25) -> None:
    """Poll ``check`` until it is true; fail early if ``alive`` says the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if alive is not None and not alive():
            raise InfraError(f"{what} exited while starting")
        time.sleep(interval)
    raise InfraError(f"{what} was not ready after {timeout:.0f}s")


def wait_for_port(port: int, *, timeout: float, what: str,
                  alive: Callable[[], bool] | None = None) -> None:
    wait_until(lambda: port_in_use(port), timeout=timeout, what=what, alive=alive)
