"""What a lane reads of stestr's file repository (``<tree>/.stestr``).

- :func:`save_latest_stream`: the run ``stestr run`` just stored (``<repo>/<n>``, subunit
  v1) as subunit v2, with stestr's own repository code, in this process;
- :func:`save_partial_stream`: what an interrupted ``stestr run`` left. stestr writes
  a run's stream into a temporary file of the repository (``tmp*``, made by
  :func:`tempfile.mkstemp`) and renames it to ``<n>`` only when the run ends; its v1
  writer flushes after each test, so a run ended by a signal leaves that file holding
  every test that finished, the last one possibly cut off mid-record;
- :func:`prune`: the older runs' streams, and the temporary files of ended runs.

The repository is on this host for both executors (a container's work tree is a bind
mount at the same path).
"""

from __future__ import annotations

import shutil
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any, BinaryIO

import subunit
import subunit.v2
import testtools

_TEMP_PREFIX = "tmp"  # tempfile.mkstemp's default prefix, which stestr uses


def next_stream(repo: Path) -> int | None:
    """The id stestr gives its next run in ``repo``; None without a repository."""
    try:
        return int((repo / "next-stream").read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def temp_streams(repo: Path) -> set[str]:
    """The names of the temporary (in-progress or abandoned) streams in ``repo``."""
    try:
        return {p.name for p in repo.iterdir()
                if p.name.startswith(_TEMP_PREFIX) and p.is_file()}
    except OSError:
        return set()


def stored_a_run(repo: Path, before: int | None) -> bool:
    """Did stestr store a run in ``repo`` since ``next_stream`` said ``before``?"""
    after = next_stream(repo)
    if after is None:
        return before is None  # no repository visible here: let the caller ask stestr
    return after != (before if before is not None else 0)


def save_latest_stream(repo: Path, stream: Path) -> bool:
    """Write the run stestr just stored in ``repo`` to ``stream`` as subunit v2.

    The same bytes as ``stestr last --subunit``. False when it cannot be read here,
    so the caller asks the runner's own stestr instead.
    """
    from stestr.repository import abstract as stestr_repository
    from stestr.repository import file as stestr_file

    try:
        # open() takes the folder that holds the repository (it adds .stestr)
        latest = stestr_file.RepositoryFactory().open(str(repo.parent)).get_latest_run()
        data = latest.get_subunit_stream()
        stream.parent.mkdir(parents=True, exist_ok=True)
        with stream.open("wb") as out:
            shutil.copyfileobj(data, out)
    except (stestr_repository.RepositoryNotFound, KeyError, OSError, ValueError):
        stream.unlink(missing_ok=True)
        return False
    return True


class _UpToLastTest(testtools.ExtendedToStreamDecorator):  # type: ignore[misc]
    """v1 test events to v2 bytes, noting where the output stood after the last test
    that was written whole (``complete_at``) and whether one is still open."""

    def __init__(self, out: BinaryIO) -> None:
        super().__init__(subunit.v2.StreamResultToBytes(out))
        self.out = out
        self.open = False
        self.complete_at = 0

    def startTest(self, test: Any) -> None:
        self.open = True
        super().startTest(test)

    def stopTest(self, test: Any) -> None:
        super().stopTest(test)
        self.open = False
        self.complete_at = self.out.tell()


def v1_to_v2(data: bytes, stream: Path) -> None:
    """Write the complete tests of a possibly cut-off v1 stream to ``stream`` as v2.

    A test whose record the interrupt cut off is left out (its outcome was never
    written whole), and so is a last line without its newline; other non-subunit
    lines are dropped, never printed.
    """
    lines = data.splitlines(keepends=True)
    if lines and not lines[-1].endswith(b"\n"):
        lines.pop()
    stream.parent.mkdir(parents=True, exist_ok=True)
    with stream.open("w+b") as out:
        result = _UpToLastTest(out)
        parser = subunit.TestProtocolServer(result, stream=subunit.DiscardStream())
        result.startTestRun()
        for line in lines:
            parser.lineReceived(line)
        if result.open:  # the last test started, its outcome never arrived
            out.truncate(result.complete_at)
        else:
            result.stopTestRun()


def save_partial_stream(repo: Path, stream: Path, *, before: int | None,
                        temps_before: set[str]) -> bool:
    """After ``stestr run`` was interrupted: its stream as far as it got, as v2.

    ``before`` and ``temps_before`` are :func:`next_stream` and :func:`temp_streams`
    taken before the run started. When stestr stored the run itself (it was sent
    Ctrl-C too and finished its stream), that run; else its temporary file, which is
    then removed. False, and no ``stream``, when no test had finished.
    """
    if next_stream(repo) is not None and stored_a_run(repo, before) \
            and save_latest_stream(repo, stream):
        return True
    new = [repo / name for name in temp_streams(repo) - temps_before]
    if not new:
        stream.unlink(missing_ok=True)
        return False
    try:
        newest = max(new, key=lambda p: p.stat().st_size)
        v1_to_v2(newest.read_bytes(), stream)
    except (OSError, ValueError, TypeError):  # unreadable, or not stestr's v1 after all
        stream.unlink(missing_ok=True)
        return False
    finally:
        _remove(new)
    if stream.stat().st_size == 0:  # no test had finished: no stream, not an empty one
        stream.unlink()
        return False
    return True


def _remove(paths: Iterable[Path]) -> None:
    """Remove what can be (a container's stestr may have written them as another user)."""
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


def prune(repo: Path, *, stale: Collection[str] = ()) -> None:
    """Keep only the newest run's stream in a reused stestr file repository, and
    remove the ``stale`` temporary streams (left by runs that were ended).

    Each run adds its stream (13 MB for the unit lane) as ``<repo>/<n>``; the lane has
    already saved it, and stestr's timing data (used to schedule workers) is kept.
    """
    _remove(repo / name for name in stale)
    following = next_stream(repo)
    if following is None:
        return
    latest = following - 1
    for old in repo.iterdir():
        if old.name.isdigit() and int(old.name) < latest:
            old.unlink(missing_ok=True)
