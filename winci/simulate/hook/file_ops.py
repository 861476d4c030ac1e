"""Behaviour ``rename`` (``os.rename`` fails with FileExistsError when the target exists,
WinError 183; ``os.replace`` still overwrites), and the ``open-files`` check on
``os.rename``, ``os.replace`` and ``os.remove``/``os.unlink``.

Operating-system behaviours: they apply when any frame on the stack is in scope, as
Windows refuses those calls whoever makes them.
"""

from __future__ import annotations

import errno
import os
from typing import Any

from .open_files import OpenFiles
from .recorder import TripRecorder
from .scope import Scope, frame_above

ALREADY_EXISTS = "Cannot create a file when that file already exists"


def _exists(path: Any, dir_fd: int | None) -> bool:
    try:
        os.stat(path, dir_fd=dir_fd, follow_symlinks=False)
    except (OSError, TypeError, ValueError):
        return False
    return True


def wrap_file_ops(rename_rule: bool, open_files: OpenFiles | None, scope: Scope,
                  recorder: TripRecorder) -> None:
    """Wrap ``os.rename``, ``os.replace``, ``os.remove`` and ``os.unlink``: refuse a rename
    onto an existing target (when ``rename_rule``) and check ``open_files`` (when given)."""
    real_rename, real_replace, real_remove = os.rename, os.replace, os.remove

    def rename(src: Any, dst: Any, *, src_dir_fd: int | None = None,
               dst_dir_fd: int | None = None) -> None:
        if open_files is not None:
            open_files.check("rename", [(src, src_dir_fd), (dst, dst_dir_fd)], (src, dst))
        if rename_rule and _exists(dst, dst_dir_fd):
            frame = frame_above(1)
            site = scope.in_scope_on_stack(frame)
            if site is not None:
                recorder.trip("rename", f"rename onto existing {os.fsdecode(dst)}", site,
                              scope.first_non_stdlib(frame))
                raise FileExistsError(errno.EEXIST, ALREADY_EXISTS, src, None, dst)
        real_rename(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

    def replace(src: Any, dst: Any, *, src_dir_fd: int | None = None,
                dst_dir_fd: int | None = None) -> None:
        if open_files is not None:
            open_files.check("replace", [(src, src_dir_fd), (dst, dst_dir_fd)], (src, dst))
        real_replace(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

    def remove(path: Any, *, dir_fd: int | None = None) -> None:
        if open_files is not None:
            open_files.check("remove", [(path, dir_fd)], (path, None))
        real_remove(path, dir_fd=dir_fd)

    os.rename = rename
    os.replace = replace
    os.remove = remove
    os.unlink = remove
