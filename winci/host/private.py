"""Folders and files only their owner can read: private run state and secrets.

On POSIX a private folder is mode 0700 and a private file 0600, set when they are
created (a file is never readable by others, not even for a moment) and again when
they already exist. On Windows modes mean nothing (a file's permissions are its ACL,
by default the user's profile folder's): the files are written normally there.
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) and make it owner-only; returns it.

    Only ``path`` itself is restricted: its parents keep the usual modes.
    """
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if os.name == "posix":
        path.chmod(DIR_MODE)
    return path


def write_private(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` readable and writable by its owner only.

    The text goes to a temporary file beside ``path`` created 0600, then replaces
    ``path``: a reader sees the old content or the new one, never a mix.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)  # left by a killed writer: O_EXCL makes a fresh one
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding=encoding) as out:
            fd = -1
            if os.name == "posix":
                os.fchmod(out.fileno(), FILE_MODE)  # exactly 0600, whatever the umask
            out.write(text)
        tmp.replace(path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    return path
