"""Behaviour ``subprocess``: ``Popen`` rejects ``preexec_fn``, ``pass_fds`` and
``start_new_session`` with ValueError.

On Windows ``preexec_fn`` raises the same ValueError, ``pass_fds`` an AssertionError and
``start_new_session`` is ignored: the simulation is stricter on the last two so the
dependency shows. An operating-system behaviour: it applies when any frame on the stack
is in scope (oslo.concurrency 7's ``execute`` always passes ``preexec_fn``).
"""

from __future__ import annotations

import subprocess
from typing import Any

from .recorder import TripRecorder
from .scope import Scope, frame_above

#: ``Popen``'s parameters after ``args``, in order (for arguments given by position).
POPEN_POSITIONAL = (
    "bufsize", "executable", "stdin", "stdout", "stderr", "preexec_fn", "close_fds",
    "shell", "cwd", "env", "universal_newlines", "startupinfo", "creationflags",
    "restore_signals", "start_new_session", "pass_fds",
)


def _problem(given: dict[str, Any]) -> tuple[str, str] | None:
    """The argument Windows refuses and the error message, or None."""
    if given.get("preexec_fn") is not None:
        return ("preexec_fn", "preexec_fn is not supported on Windows platforms")
    if given.get("pass_fds"):
        return ("pass_fds", "pass_fds is not supported on Windows platforms")
    if given.get("start_new_session"):
        return ("start_new_session", "start_new_session is not supported on Windows platforms")
    return None


def wrap_popen(scope: Scope, recorder: TripRecorder) -> None:
    """Wrap ``subprocess.Popen.__init__`` to refuse the POSIX-only arguments."""
    real_init = subprocess.Popen.__init__

    def __init__(self: subprocess.Popen[Any], args: Any, *pos: Any, **kw: Any) -> None:
        given = dict(zip(POPEN_POSITIONAL, pos, strict=False))
        given.update(kw)
        problem = _problem(given)
        if problem is not None:
            frame = frame_above(1)
            site = scope.in_scope_on_stack(frame)
            if site is not None:
                recorder.trip("subprocess", f"Popen({problem[0]}=...)", site,
                              scope.first_non_stdlib(frame))
                raise ValueError(problem[1])
        real_init(self, args, *pos, **kw)

    subprocess.Popen.__init__ = __init__  # type: ignore[method-assign]
