"""The peak resident memory of a set of this host's processes, sampled in a thread.

``with PeakRss(find) as peak: ...`` samples the processes ``find()`` returns (psutil
``memory_info().rss``) every ``interval`` seconds while the block runs; afterwards
``peak.by_pid`` holds each process's highest value and ``peak.max`` the highest of all.
``find`` is asked again at every sample, so processes that start during the block (a
replaced worker) are counted too. Sampling misses a peak shorter than the interval:
the figure is a lower bound, good for "does it stay under N MB", not for exact sizes.

Host pids: a Windows program under Wine is a host process too, with its own host pid
(not the Windows pid it sees for itself).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

import psutil


class PeakRss:
    def __init__(self, find: Callable[[], Iterable[psutil.Process]],
                 interval: float = 0.1) -> None:
        self.find = find
        self.interval = interval
        self.by_pid: dict[int, int] = {}
        self.first_by_pid: dict[int, int] = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peak-rss", daemon=True)

    def sample(self) -> None:
        for proc in self.find():
            try:
                rss = proc.memory_info().rss
            except psutil.Error:
                continue
            self.first_by_pid.setdefault(proc.pid, rss)
            self.by_pid[proc.pid] = max(rss, self.by_pid.get(proc.pid, 0))
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self.sample()  # the baseline, before the work starts
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    @property
    def max(self) -> int:
        return max(self.by_pid.values(), default=0)

    @property
    def max_growth(self) -> int:
        """The largest rise of one process over its first sample."""
        return max((peak - self.first_by_pid[pid] for pid, peak in self.by_pid.items()),
                   default=0)
