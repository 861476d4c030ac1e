"""``winci build msi``: prepare the tree (the queue applied, its library wheels), start
Windows CPython under Wine, build the MSI (or reuse this key's), print its figures;
``--check-reproducible`` builds it a second time into a scratch folder and compares."""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import tempfile
import time
from pathlib import Path

from winci.envs.constraints import upper_constraints, validate_constraints
from winci.errors import EXIT_OK, InfraError, UsageError
from winci.host.paths import cache_dir
from winci.msi.build import build_msi
from winci.platforms.wine.provision import open_wine
from winci.procs import Runner
from winci.ui import Progress
from winci.worktree.prepared import prepare_tree
from winci.worktree.sources import resolve


def _out_folder(value: Path | None) -> Path | None:
    """``--out``, made and written to once before any work starts."""
    if value is None:
        return None
    out = Path(value).resolve()
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: not a folder", "give a folder to copy the MSI into")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".winci-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write there ({exc.strerror or exc})",
                         "give a folder you can write to") from None
    return out


def build_msi_command(args: argparse.Namespace) -> int:
    out = _out_folder(args.out)
    constraints = Path(args.constraints) if args.constraints else upper_constraints()
    validate_constraints(constraints)
    progress = Progress()
    work = cache_dir() / "msi"
    work.mkdir(parents=True, exist_ok=True)
    with Runner(work / "logs", run_id="build-msi") as runner:
        source = resolve(args.glance_src, runner)
        path = cache_dir() / "work" / f"msi-glance-{source.version}"
        tree = prepare_tree(runner, progress, source, path, patches=not args.no_patches,
                            constraints=constraints)
        with open_wine(runner, work / "private") as wine:
            built = build_msi(runner, progress, tree, wine)
            rows = [("msi", str(built.path)), ("version", built.version),
                    ("size", f"{built.size} bytes ({built.size / 1e6:.1f} MB)"),
                    ("files", str(built.files)), ("product code", built.product_code),
                    ("package code", built.package_code),
                    ("build time", f"{built.seconds:.1f} s"
                     + (" (reused: this key was built before)" if built.reused else ""))]
            if args.check_reproducible:
                scratch = Path(tempfile.mkdtemp(prefix="winci-msi-", dir=work))
                try:
                    started = time.monotonic()
                    again = build_msi(runner, progress, tree, wine, force=True,
                                      dest=scratch / "again")
                    same = filecmp.cmp(built.path, again.path, shallow=False)
                    rows.append(("rebuild", f"{time.monotonic() - started:.1f} s, "
                                 f"{'byte-identical' if same else 'DIFFERENT'}"))
                finally:
                    shutil.rmtree(scratch, ignore_errors=True)
                if not same:
                    raise InfraError("the second build of the MSI differs from the first",
                                     "compare their tables with msiinfo export")
    if out is not None:
        try:
            shutil.copyfile(built.path, out / built.path.name)
        except OSError as exc:
            raise InfraError(f"copying the MSI into {out} failed ({exc.strerror or exc})",
                             f"it is built: {built.path}") from None
        rows.append(("copied to", str(out / built.path.name)))
    width = max(len(k) for k, _ in rows)
    print("\n".join(f"{k.ljust(width)}  {v}" for k, v in rows))
    return EXIT_OK
