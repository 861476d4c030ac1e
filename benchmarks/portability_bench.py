"""Time ``winci portability`` over the whole Glance tree (target: under 10 s).

    python benchmarks/portability_bench.py [GLANCE_DIR] [--repeat N]

Prints the files checked, the findings and the best and median wall time of N runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from winci.host.paths import cache_dir
from winci.portability import check_paths

#: The unpacked sdist if present, else the copy `winci run` caches.
DEFAULT = next((p for p in (Path("/tmp/src/glance-33.0.0"),
                            cache_dir() / "sources" / "glance-33.0.0") if p.is_dir()),
               Path("/tmp/src/glance-33.0.0"))
TARGET_S = 10.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("tree", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.tree.is_dir():
        print(f"no such folder: {args.tree} (unpack Glance 33.0.0 there or pass its path)",
              file=sys.stderr)
        return 2
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        findings, files = check_paths([args.tree])
        times.append(time.perf_counter() - start)
    best, median = min(times), statistics.median(times)
    print(f"portability check of {args.tree}: {files} files, {len(findings)} findings")
    print(f"wall time: best {best:.2f} s, median {median:.2f} s over {args.repeat} runs "
          f"(target < {TARGET_S:.0f} s)")
    return 0 if median < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
