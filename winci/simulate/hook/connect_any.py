"""Behaviour ``connect-any``: connecting to 0.0.0.0 (or ``''``, ``::``) fails with
OSError EADDRNOTAVAIL (Windows: WSAEADDRNOTAVAIL, 10049); ``connect_ex`` returns it.
Binding to those addresses still works, as on Windows.

An operating-system behaviour: it applies when any frame on the stack is in scope.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterable
from types import FrameType
from typing import Any

from .recorder import TripRecorder
from .scope import Scope, frame_above

ADDR_NOT_AVAIL = "The requested address is not valid in its context"


def wrap_connect(any_addresses: Iterable[str], scope: Scope, recorder: TripRecorder) -> None:
    """Wrap ``socket.socket.connect`` and ``connect_ex`` to refuse ``any_addresses``."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    anys = frozenset(any_addresses)

    def refused(sock: socket.socket, address: Any) -> FrameType | None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return None
        if not isinstance(address, tuple) or not address or address[0] not in anys:
            return None
        frame = frame_above(2)
        site = scope.in_scope_on_stack(frame)
        if site is not None:
            recorder.trip("connect-any", f"connect to {address[0]!r}", site,
                          scope.first_non_stdlib(frame))
        return site

    def connect(sock: socket.socket, address: Any) -> None:
        if refused(sock, address) is not None:
            raise OSError(errno.EADDRNOTAVAIL, ADDR_NOT_AVAIL)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        if refused(sock, address) is not None:
            return errno.EADDRNOTAVAIL
        result: int = real_connect_ex(sock, address)
        return result

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
