"""Loopback networking helpers: free ports and readiness waits (127.0.0.1 only)."""

from __future__ import annotations

import os
import random
import socket
import threading
import time
from collections.abc import Callable

from winci.errors import InfraError, UsageError

LOOPBACK = "127.0.0.1"


# Ports winci hands out come from below the operating systems' ephemeral ranges (Linux
# 32768-60999, Windows 49152-65535): a port the kernel picks for bind(0) or for an
# outgoing connection (Keystone to MySQL, pip, podman...) cannot then take the port a
# service of the stack is about to listen on between the pick and the start.
PORT_RANGE_VAR = "WINCI_PORT_RANGE"
DEFAULT_PORT_RANGE = (20000, 32000)
_ATTEMPTS = 500

_given: set[int] = set()
_given_lock = threading.Lock()


def port_range() -> tuple[int, int]:
    """The range winci picks service ports from (``WINCI_PORT_RANGE=LOW-HIGH``)."""
    raw = os.environ.get(PORT_RANGE_VAR, "").strip()
    if not raw:
        return DEFAULT_PORT_RANGE
    low_s, sep, high_s = raw.partition("-")
    try:
        low, high = int(low_s), int(high_s)
    except ValueError:
        low = high = -1
    if not sep or not 1024 <= low < high <= 65535:
        raise UsageError(f"{PORT_RANGE_VAR}={raw!r} is not a port range",
                         "write it as LOW-HIGH with 1024 <= LOW < HIGH <= 65535, e.g. 20000-32000")
    return low, high


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((LOOPBACK, port))
        except OSError:  # in use, or reserved (Windows' excluded port ranges)
            return False
    return not port_in_use(port)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now.

    Never the same port twice in one process, so the services of a stack get distinct
    ports, and taken from :func:`port_range`, outside the ephemeral range.
    """
    low, high = port_range()
    rng = random.SystemRandom()
    for _ in range(_ATTEMPTS):
        port = rng.randint(low, high)
        with _given_lock:
            if port in _given:
                continue
            if _bindable(port):
                _given.add(port)
                return port
    raise InfraError(f"no free TCP port on {LOOPBACK} in {low}-{high} after {_ATTEMPTS} tries",
                     f"free some ports or set {PORT_RANGE_VAR}=LOW-HIGH to a quieter range")


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
