"""The HEALTHCHECK command of the winci images: ``python -m winci.docker.health``.

Healthy (exit 0) when the service accepts TCP connections on 127.0.0.1:PORT and, with
``--http``, answers ``GET /`` with a status below 500. The port is ``--port``, else
``$WINCI_PORT``, else the ``--port`` of the ``winci serve`` process in the container
(found with psutil, so the same check runs in Linux and Windows containers).
Engines that do not run health checks themselves (podman without systemd) get the same
command run through ``exec`` by :class:`winci.docker.containers.RunContainers`.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import urllib.error
import urllib.request

import psutil

from winci.host.netutil import LOOPBACK


def serve_port() -> int | None:
    """The ``--port`` of the ``winci serve`` process running in this container."""
    for proc in psutil.process_iter(["cmdline"]):
        cmd = proc.info.get("cmdline") or []
        if "serve" in cmd and "--port" in cmd:
            idx = cmd.index("--port")
            if idx + 1 < len(cmd) and cmd[idx + 1].isdigit():
                return int(cmd[idx + 1])
    return None


def check(port: int, *, http: bool, timeout: float = 4.0) -> tuple[bool, str]:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout):
            pass
    except OSError as exc:
        return False, f"nothing accepts connections on {LOOPBACK}:{port} ({exc})"
    if not http:
        return True, f"{LOOPBACK}:{port} accepts connections"
    try:
        with urllib.request.urlopen(f"http://{LOOPBACK}:{port}/", timeout=timeout) as resp:
            status = int(resp.status)
    except urllib.error.HTTPError as exc:
        status = int(exc.code)
    except (urllib.error.URLError, OSError) as exc:
        return False, f"GET / on port {port} failed: {exc}"
    return status < 500, f"GET / on port {port}: HTTP {status}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m winci.docker.health")
    parser.add_argument("--port", type=int)
    parser.add_argument("--http", action="store_true", help="also GET / (status < 500)")
    args = parser.parse_args(argv)
    env = os.environ.get("WINCI_PORT", "")
    port = args.port or (int(env) if env.isdigit() else None) or serve_port()
    if port is None:
        print("unhealthy: no port (pass --port, set WINCI_PORT or run winci serve)")
        return 1
    ok, why = check(port, http=args.http)
    print(("healthy: " if ok else "unhealthy: ") + why)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
