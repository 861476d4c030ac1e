"""What python.org's Windows CPython needs to run Glance under Wine 8, and nothing on
Windows: every change is made only when ntdll has Wine's ``wine_get_version``.

Run at every interpreter start by ``glance_windows_service-wine.pth`` (site-packages).
Each item was met under Wine 8.0 (docs/wine-platform.md):

- ``_winapi.CopyFile2`` is removed: Python 3.12's ``shutil.copy2`` calls it and Wine 8
  does not implement it (the process aborts); without it shutil copies in Python;
- ``TCP_KEEPIDLE``, ``TCP_KEEPINTVL``, ``TCP_KEEPCNT`` are removed: Wine 8's setsockopt
  refuses them (WSAENOPROTOOPT) and keystoneauth sets them when they exist;
- ``_wmi`` is made unimportable: ``platform`` calls it and it reaches a function Wine 8
  lacks; ``platform`` falls back;
- ``bcryptprimitives.dll`` (``ProcessPrng``, which cryptography's Rust extension
  imports; Wine 8 has no such DLL) is loaded from ``<python>\\wine\\`` before anything
  imports cryptography, so the loader finds it by name.
"""

from __future__ import annotations

import sys
from pathlib import Path

_SOCKET_OPTIONS = ("TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT")


def under_wine() -> bool:
    if sys.platform != "win32":
        return False
    try:
        import ctypes

        return hasattr(ctypes.WinDLL("ntdll"), "wine_get_version")
    except (OSError, AttributeError, ImportError):
        return False


def apply() -> bool:
    """Make the changes above when running under Wine; True if it did."""
    if sys.platform != "win32" or not under_wine():
        return False
    import _socket
    import _winapi

    if hasattr(_winapi, "CopyFile2"):
        delattr(_winapi, "CopyFile2")
    for module in (_socket, sys.modules.get("socket")):
        for name in _SOCKET_OPTIONS:
            if module is not None and hasattr(module, name):
                delattr(module, name)
    sys.modules.setdefault("_wmi", None)  # type: ignore[arg-type]
    shim = Path(sys.prefix) / "wine" / "bcryptprimitives.dll"
    if shim.is_file():
        import ctypes

        ctypes.WinDLL(str(shim))
    return True
