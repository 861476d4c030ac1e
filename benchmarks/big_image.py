"""Big images through Glance's API: throughput and the API workers' memory, on Linux and
on Windows CPython under Wine.

Brings up the stack each platform's tempest lane uses (MariaDB, Keystone, Glance served
by the patch queue's ``glance.cmd.api_waitress`` with two workers; on wine the image
store on ``\\\\winci-sofs\\glance`` mapped by the prefix), then per round and platform:

- ``sized``: a file of ``--size-mib`` MiB PUT with its Content-Length;
- ``chunked``: the same bytes from a generator (``Transfer-Encoding: chunked``);

each downloaded back and checked: the bytes' sha512 against Glance's ``os_hash_value``
and what was sent, md5 against ``checksum``. While each image goes up and comes back,
the workers' resident memory is sampled (psutil, every 0.1 s, host processes: under
Wine the host pids of the Windows workers, which are not the Windows pids their logs
name). Rounds alternate the platforms' order; the table gives each transfer and the
medians, the wine/Linux ratios, and the memory target: every worker's peak RSS under
300 MB (the API streams images, it does not hold them).

    .venv/bin/python benchmarks/big_image.py                 # 1 GiB, both platforms
    .venv/bin/python benchmarks/big_image.py --size-mib 256 --rounds 1 --platform wine

Results are "ran on Linux" and "Windows CPython under Wine" (not Windows, not SMB).
Uses the user's winci cache (environments, the patched work tree) like ``winci run``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import secrets
import shutil
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from winci.backends import BackendConfig, make_backend
from winci.backends.base import Backend
from winci.envs.constraints import upper_constraints
from winci.host.memory import PeakRss
from winci.host.paths import cache_dir, state_dir
from winci.platforms import PLATFORMS
from winci.procs import Runner
from winci.procs.registry import Registry
from winci.stack.image_client import ImageClient, random_chunks
from winci.stack.services import Glance
from winci.ui import Progress
from winci.worktree.prepared import PreparedTree, prepare_tree
from winci.worktree.sources import resolve
from winci.worktree.tree import work_tree_for

MiB = 1 << 20
RSS_TARGET = 300 * 10**6  # bytes: "peak RSS < 300 MB"


@dataclass
class Transfer:
    round: int
    platform: str
    mode: str                # "sized" or "chunked"
    size_mib: int
    upload_s: float
    download_s: float
    peak_rss: int            # the highest worker RSS while it went up and came back
    rss_growth: int          # the largest rise of one worker over its start
    worker_pids: list[int]   # host pids sampled
    digests_match: bool      # sha512 = os_hash_value = what was sent; md5 = checksum

    @property
    def up_mbs(self) -> float:
        return self.size_mib * MiB / self.upload_s / 1e6

    @property
    def down_mbs(self) -> float:
        return self.size_mib * MiB / self.download_s / 1e6


@contextlib.contextmanager
def stack(platform: str, tree: PreparedTree, out: Path, progress: Progress
          ) -> Iterator[Backend]:
    run_id = f"bench-big-{platform}-{secrets.token_hex(3)}"
    private = cache_dir() / "runs" / run_id
    registry = Registry(state_dir(), run_id)  # a killed benchmark: the next run reaps it
    registry.add_path(private)
    runner = Runner(out / platform / "logs", run_id=run_id, registry=registry)
    config = BackendConfig(run_id=run_id, out_dir=out / platform, private_dir=private,
                           lanes=("tempest",), platform=platform)
    backend = make_backend("local", config, runner)
    try:
        backend.prepare(tree, progress)
        backend.ensure_database()
        with progress.phase(f"stack ({PLATFORMS[platform].label})"):
            backend.up(lambda step: progress.say(f"  {step}"))
        yield backend
    finally:
        backend.down()
        if runner.close() and registry.close():
            shutil.rmtree(private, ignore_errors=True)


def _glance(backend: Backend) -> Glance:
    glance = getattr(backend, "glance", None)
    if not isinstance(glance, Glance) or not glance.serves_with_workers():
        raise SystemExit("big_image: the stack's Glance is not served by the queue's workers")
    return glance


def transfer(backend: Backend, platform: str, mode: str, source: Path, sha512: str,
             size_mib: int, round_no: int) -> Transfer:
    client, glance = ImageClient(backend.settings, timeout=3600), _glance(backend)
    image = client.create(f"bench-{mode}-{round_no}")
    with PeakRss(glance.worker_processes) as peak:
        if mode == "sized":
            with source.open("rb") as body:
                up = client.upload(image, body)
        else:
            up = client.upload(image, random_chunks(size_mib * MiB))
        shown = client.show(image)
        got = client.download(image)
    match = (got.size == size_mib * MiB and got.sha512 == sha512
             == shown["os_hash_value"] and got.md5 == shown["checksum"])
    client.delete(image)  # frees the store
    return Transfer(round_no, platform, mode, size_mib, up, got.seconds, peak.max,
                    peak.max_growth, sorted(peak.by_pid), match)


def write_source(path: Path, size_mib: int) -> str:
    digest = hashlib.sha512()
    with path.open("wb") as out:
        for chunk in random_chunks(size_mib * MiB):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def table(results: list[Transfer], platforms: list[str]) -> str:
    rows = ["| round | platform | mode | size | upload MB/s | download MB/s | "
            "peak RSS of a worker | its growth | sha512 = os_hash_value, md5 = checksum |",
            "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        rows.append(f"| {r.round} | {PLATFORMS[r.platform].label} | {r.mode} | "
                    f"{r.size_mib} MiB | {r.up_mbs:.1f} | {r.down_mbs:.1f} | "
                    f"{r.peak_rss / 1e6:.0f} MB | {r.rss_growth / 1e6:+.0f} MB | "
                    f"{'yes' if r.digests_match else 'NO'} |")
    rows.append("")
    rows.append("| platform | mode | median upload MB/s | median download MB/s | "
                "highest peak RSS | under 300 MB |")
    rows.append("|---|---|---|---|---|---|")
    medians: dict[tuple[str, str], tuple[float, float]] = {}
    for platform in platforms:
        for mode in ("sized", "chunked"):
            mine = [r for r in results if (r.platform, r.mode) == (platform, mode)]
            if not mine:
                continue
            up = statistics.median(r.up_mbs for r in mine)
            down = statistics.median(r.down_mbs for r in mine)
            medians[platform, mode] = (up, down)
            peak = max(r.peak_rss for r in mine)
            rows.append(f"| {PLATFORMS[platform].label} | {mode} | {up:.1f} | {down:.1f} "
                        f"| {peak / 1e6:.0f} MB | {'yes' if peak < RSS_TARGET else 'NO'} |")
    if {"linux", "wine"} <= set(platforms):
        rows.append("")
        for mode in ("sized", "chunked"):
            if ("linux", mode) in medians and ("wine", mode) in medians:
                (lu, ld), (wu, wd) = medians["linux", mode], medians["wine", mode]
                rows.append(f"wine/linux, {mode}: upload {wu / lu:.2f}x, "
                            f"download {wd / ld:.2f}x of Linux's throughput")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--platform", action="append", choices=("linux", "wine"),
                        help="a platform to measure (default: both)")
    parser.add_argument("--out", type=Path, default=Path("bench-big-image"),
                        help="logs and results.json (default: ./bench-big-image)")
    args = parser.parse_args(argv)
    platforms = args.platform or ["linux", "wine"]
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    progress = Progress(sys.stdout)
    with Runner(out / "logs", run_id=f"bench-big-{secrets.token_hex(3)}") as runner:
        source = resolve(None, runner)
        path, lock = work_tree_for(source, True, out / "tree")
        try:
            tree = prepare_tree(runner, Progress(io.StringIO()), source, path,
                                patches=True, constraints=upper_constraints())
            data = out / "image.bin"
            with progress.phase(f"{args.size_mib} MiB of data"):
                sha512 = write_source(data, args.size_mib)
            results: list[Transfer] = []
            with contextlib.ExitStack() as stacks:
                backends = {p: stacks.enter_context(stack(p, tree, out, progress))
                            for p in platforms}
                for round_no in range(1, args.rounds + 1):
                    order = platforms if round_no % 2 else platforms[::-1]
                    for platform in order:
                        for mode in ("sized", "chunked"):
                            started = time.monotonic()
                            result = transfer(backends[platform], platform, mode, data,
                                              sha512, args.size_mib, round_no)
                            results.append(result)
                            progress.say(
                                f"round {round_no} {platform} {mode}: up "
                                f"{result.up_mbs:.1f} MB/s, down {result.down_mbs:.1f} "
                                f"MB/s, peak RSS {result.peak_rss / 1e6:.0f} MB, "
                                f"digests {'match' if result.digests_match else 'DIFFER'}"
                                f" ({time.monotonic() - started:.0f} s)")
            data.unlink()
        finally:
            lock.__exit__(None, None, None)
    (out / "results.json").write_text(json.dumps(
        [asdict(r) | {"up_mbs": r.up_mbs, "down_mbs": r.down_mbs} for r in results],
        indent=1), encoding="utf-8")
    print(table(results, platforms))
    ok = all(r.digests_match and r.peak_rss < RSS_TARGET for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
