"""A wine child's standard output into a file, byte for byte, through a FIFO.

python.exe under Wine 8 dies at start-up (``init_sys_streams ... [WinError 6] Invalid
handle``) when any of its standard streams is a regular file; /dev/null and pipes work
(measured here). :meth:`winci.procs.Runner.run` hands ``stdout_path`` to the child as a
regular file, so for a wine child the path it gets is a FIFO instead, and a thread here
copies what comes out of it into the real file: binary subunit arrives unchanged, and
the child's standard error still goes to the runner's log.

A *detached* service (``--keep``: the runner hands it its log file as standard output,
so it can outlive winci) gets a relay instead (:func:`relayed`): a small host Python
process that starts the wine command with /dev/null and a pipe, and copies the pipe
into its own output, the log; it outlives winci with the service, and ends with it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from winci.errors import InfraError


class _Copier(threading.Thread):
    def __init__(self, fifo: Path, target: Path) -> None:
        super().__init__(daemon=True, name=f"wine-stdout-{target.name}")
        self.fifo = fifo
        self.target = target
        self.error: OSError | None = None

    def run(self) -> None:
        try:
            # Opening a FIFO for reading waits for its writer (the runner's open()).
            with open(self.fifo, "rb") as src, open(self.target, "wb") as out:
                shutil.copyfileobj(src, out)
        except OSError as exc:
            self.error = exc


@contextlib.contextmanager
def fifo_to_file(target: Path, *, drain_timeout: float = 30.0) -> Iterator[Path]:
    """A FIFO to give as ``stdout_path``; its bytes land in ``target``.

    The copy ends when the last writer closes the FIFO (the child and any Windows
    process it started that kept the handle). Leaving the block waits for that at most
    ``drain_timeout`` seconds, then unblocks the copier itself.
    """
    if sys.platform == "win32" or not hasattr(os, "mkfifo"):
        raise InfraError("a FIFO for a wine child's output needs a POSIX host")
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="winci-wine-stdout-"))
    fifo = folder / "stdout"
    os.mkfifo(fifo, 0o600)
    copier = _Copier(fifo, target)
    copier.start()
    try:
        yield fifo
    finally:
        copier.join(drain_timeout)
        if copier.is_alive():
            # No writer ever came (the child did not start) or one still holds it open:
            # open the FIFO for writing ourselves so the reader sees EOF once we close.
            with contextlib.suppress(OSError):
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                os.close(fd)
            copier.join(5)
        shutil.rmtree(folder, ignore_errors=True)
    if copier.error is not None:
        raise InfraError(f"could not copy a wine child's output to {target}",
                         str(copier.error))


# Run by this host's Python: argv[1:] with /dev/null and a pipe, the pipe copied into
# this process's own standard output; exits with the command's code.
_RELAY = (
    "import subprocess, sys\n"
    "p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,"
    " stderr=subprocess.STDOUT)\n"
    "for chunk in iter(lambda: p.stdout.read1(65536), b''):\n"
    "    sys.stdout.buffer.write(chunk)\n"
    "    sys.stdout.buffer.flush()\n"
    "sys.exit(p.wait())\n"
)


def relayed(cmd: Sequence[str | os.PathLike[str]]) -> list[str | os.PathLike[str]]:
    """``cmd`` behind the relay, for a service whose standard output is a regular file."""
    return [sys.executable, "-c", _RELAY, *cmd]
