"""Turn collections bundled in the PyPI ``ansible`` wheel into installable tarballs.

Galaxy is not always reachable (it is not from winci's test machines), but PyPI is, and the
``ansible`` package there bundles ansible.windows, community.windows and microsoft.ad. The
wheel leaves out the collections' tests and CI files, so its FILES.json lists files the
wheel does not carry; this script writes, per collection, a tarball in the layout
``ansible-galaxy collection install`` expects (MANIFEST.json, FILES.json, files), with
FILES.json rewritten to the files actually present and their SHA-256 sums recomputed, so
``ansible-galaxy collection install --offline`` and ``collection verify --offline`` accept it.

    python collections_from_pypi.py ansible-12.3.0-py3-none-any.whl OUTDIR ns.name[:version]...

It prints one line per tarball and exits 1 when a collection is missing from the wheel or
its version is not the one asked for.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import tarfile
import zipfile
from pathlib import Path


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))


def repackage(wheel: zipfile.ZipFile, fqcn: str, outdir: Path) -> tuple[Path, str]:
    """Write ``<ns>-<name>-<version>.tar.gz`` for one collection; return (path, version)."""
    namespace, name = fqcn.split(".", 1)
    prefix = f"ansible_collections/{namespace}/{name}/"
    present = set(wheel.namelist())
    if prefix + "MANIFEST.json" not in present:
        raise LookupError(f"{fqcn} is not in {wheel.filename}")
    manifest = json.loads(wheel.read(prefix + "MANIFEST.json"))
    files = json.loads(wheel.read(prefix + "FILES.json"))
    kept = [
        dict(f, chksum_sha256=hashlib.sha256(wheel.read(prefix + f["name"])).hexdigest())
        for f in files["files"]
        if f["ftype"] == "file" and prefix + f["name"] in present
    ]
    dirs: set[str] = set()
    for f in kept:
        parts = f["name"].split("/")[:-1]
        dirs.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    entries = [f for f in files["files"] if f["name"] == "."]
    entries += [f for f in files["files"] if f["ftype"] == "dir" and f["name"] in dirs]
    files_json = json.dumps(dict(files, files=entries + kept), indent=2).encode()
    manifest["file_manifest_file"]["chksum_sha256"] = hashlib.sha256(files_json).hexdigest()
    version = manifest["collection_info"]["version"]
    out = outdir / f"{namespace}-{name}-{version}.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        _add(tar, "MANIFEST.json", json.dumps(manifest, indent=2).encode())
        _add(tar, "FILES.json", files_json)
        for entry in entries[1:]:
            info = tarfile.TarInfo(entry["name"])
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tar.addfile(info)
        for f in kept:
            _add(tar, f["name"], wheel.read(prefix + f["name"]))
    return out, version


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    wheel_path, outdir, wanted = Path(argv[0]), Path(argv[1]), argv[2:]
    outdir.mkdir(parents=True, exist_ok=True)
    status = 0
    with zipfile.ZipFile(wheel_path) as wheel:
        for item in wanted:
            fqcn, _, pin = item.partition(":")
            try:
                out, version = repackage(wheel, fqcn, outdir)
            except LookupError as exc:
                print(f"error: {exc}", file=sys.stderr)
                status = 1
                continue
            if pin and version != pin:
                print(f"error: {wheel_path.name} has {fqcn} {version}, not {pin}", file=sys.stderr)
                status = 1
            print(out)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
