"""Behaviour ``programs``: POSIX-only programs started by name are not found.

Windows has no ``grep``, ``which`` or ``sh``: ``Popen(['grep', ...])`` fails in
CreateProcess with FileNotFoundError ([WinError 2]) and ``shutil.which('grep')`` is None.
Linux has them all, so code that runs one passes here and fails there (os-brick ran
``grep`` while being imported; Glance's functional tests ran ``which``). Refused: a bare
name of :data:`POSIX_PROGRAMS` (also with ``.exe``), or one under a POSIX program folder
(``/usr/bin/grep``), as ``argv[0]`` or ``executable``.

An operating-system behaviour: it applies when any frame on the stack is in scope (an
``execute()`` of a library called by the code under test). A command given to a shell
(``shell=True``) is not refused: on Windows cmd.exe runs it and answers exit status 9009,
which a POSIX exit status cannot carry. Install it before ``subprocess``
(:mod:`.popen_args`), whose argument check Windows makes first.
"""

from __future__ import annotations

import errno
import os
import subprocess
from typing import Any

from .popen_args import POPEN_POSITIONAL
from .recorder import TripRecorder
from .scope import Scope, frame_above

#: Programs every Linux image has (coreutils, procps, grep, sed, gawk, util-linux, sudo,
#: debianutils) that a stock Windows Server has under no name, nor does python.org's
#: Windows build: ``which``/``grep`` (probes), the POSIX shells, the process tools
#: (psutil or ``Popen.kill`` on Windows), ``sudo``/``mount``/``chown`` (administration
#: that has no Windows equivalent by that name), and the small tools tests run as
#: children. Names Windows does have, with other options (``find``, ``sort``,
#: ``hostname``, ``tar``, ``curl``, ``timeout``, ``where``), are left to the static
#: checker (WP504); cmd.exe built-ins (``echo``, ``mkdir``) to a future rule.
POSIX_PROGRAMS = frozenset({
    "which", "grep", "sed", "awk", "cat",
    "sh", "bash",
    "ps", "pgrep", "pkill", "kill", "killall",
    "sudo", "mount", "umount", "chown", "chmod",
    "true", "false", "sleep", "env", "id", "uname",
})
POSIX_PROGRAM_DIRS = ("/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/")
NOT_FOUND = "The system cannot find the file specified"


def posix_program(program: Any) -> str | None:
    """The POSIX-only program ``program`` names (``grep``, ``grep.exe``,
    ``/usr/bin/grep``), or None."""
    try:
        text = os.fsdecode(program)
    except TypeError:
        return None
    folder, _, name = text.rpartition("/")
    if folder and not text.startswith(POSIX_PROGRAM_DIRS):
        return None
    if "\\" in name:
        return None
    if name.lower().endswith(".exe"):
        name = name[:-4]
    return name if name in POSIX_PROGRAMS else None


def _program(args: Any, given: dict[str, Any]) -> Any:
    """What CreateProcess would look for: ``executable``, else the first word of a
    command line, else ``args[0]``."""
    if given.get("executable") is not None:
        return given["executable"]
    if isinstance(args, str):
        return args.split()[0].strip("\"'") if args.split() else None
    if isinstance(args, bytes):
        return args.split()[0].strip(b"\"'") if args.split() else None
    if isinstance(args, os.PathLike):
        return args
    try:
        return args[0]
    except (TypeError, IndexError, KeyError):
        return None


def hide_programs(scope: Scope, recorder: TripRecorder) -> None:
    """Wrap ``subprocess.Popen.__init__`` and ``shutil.which`` so that the programs of
    :data:`POSIX_PROGRAMS` are not found while code in ``scope`` is on the stack.

    Call it after ``open-files`` wrapped ``os.open``: shutil, imported here, then finds
    ``os.open`` not in ``os.supports_dir_fd`` and removes trees by path, as it does on
    Windows and as it did when the code under test imported it first (by descriptor, the
    descriptors of removed folders could be mistaken for a later file's).
    """
    import shutil

    real_init = subprocess.Popen.__init__
    real_which = shutil.which

    def refused(detail: str) -> bool:
        """Record a trip when a frame in scope is on the stack of the wrapper's caller."""
        frame = frame_above(2)
        site = scope.in_scope_on_stack(frame)
        if site is not None:
            recorder.trip("programs", detail, site, scope.first_non_stdlib(frame))
        return site is not None

    def __init__(self: subprocess.Popen[Any], args: Any, *pos: Any, **kw: Any) -> None:
        given = dict(zip(POPEN_POSITIONAL, pos, strict=False))
        given.update(kw)
        name = None if given.get("shell") else posix_program(_program(args, given))
        if name is not None and refused(f"run {name}"):
            raise FileNotFoundError(errno.ENOENT, NOT_FOUND, name)
        real_init(self, args, *pos, **kw)

    def which(cmd: Any, mode: int = os.F_OK | os.X_OK, path: Any = None) -> Any:
        name = posix_program(cmd)
        if name is not None and refused(f"shutil.which({name!r})"):
            return None
        return real_which(cmd, mode, path)

    subprocess.Popen.__init__ = __init__  # type: ignore[method-assign]
    shutil.which = which
