"""Paired rounds, as winci's lane benchmarks time two commands against each other.

Each round runs both sides back to back, the order swapped every round, so that a change
of the machine's load hits both alike. The figures to read: the two medians, the ratio
of the medians, and the median of the rounds' own ratios (on a machine whose load
changes, the paired figure is the steadier one).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


def timed(cmd: Sequence[str | os.PathLike[str]], *, cwd: Path | None = None,
          env: Mapping[str, str] | None = None) -> tuple[float, int]:
    """Seconds and exit code of one command; stdin /dev/null, output read and dropped
    (through a pipe: python.exe under Wine cannot start with a regular file as a
    standard stream)."""
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=dict(env) if env is not None else None,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, check=False)
    return time.perf_counter() - start, done.returncode


def paired_rounds(rounds: int, names: tuple[str, str],
                  sides: tuple[Callable[[int], float], Callable[[int], float]]
                  ) -> tuple[list[float], list[float]]:
    """Run ``rounds`` pairs of the two sides (each called with the round's index and
    returning its seconds), printing every round; the seconds of each side."""
    first: list[float] = []
    second: list[float] = []
    for i in range(rounds):
        for side in ((0, 1) if i % 2 == 0 else (1, 0)):
            (first if side == 0 else second).append(sides[side](i))
        print(f"round {i + 1}: {names[0]} {first[-1]:.1f}s, {names[1]} {second[-1]:.1f}s "
              f"(ratio {second[-1] / first[-1]:.3f})", flush=True)
    return first, second


def print_ratios(names: tuple[str, str], first: list[float], second: list[float], *,
                 target: str, adds: str = "winci adds") -> float:
    """The medians, their ratio and the median of the paired ratios (second over
    first), with the target beside it; returns the paired ratio."""
    a, b = statistics.median(first), statistics.median(second)
    paired = statistics.median(s / f for s, f in zip(second, first, strict=True))
    print(f"\nmedian {names[0]}: {a:.1f}s\nmedian {names[1]}: {b:.1f}s\n"
          f"ratio of the medians: {b / a:.3f} ({adds} {b - a:+.1f}s)\n"
          f"median of the paired ratios: {paired:.3f} (target {target})")
    return paired
