"""Make a built MSI reproducible: wixl stamps the summary stream with the time of the
build and a random package code. Both are rewritten in place (same sizes) with
olefile: the times to ``SOURCE_DATE_EPOCH`` (or :data:`DEFAULT_EPOCH`), the package
code to the one derived from the version and the staged content."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import olefile

from winci.errors import InfraError

STREAM = "\x05SummaryInformation"
PID_REVISION, PID_CREATED, PID_SAVED = 9, 12, 13
VT_LPSTR, VT_FILETIME = 30, 64
DEFAULT_EPOCH = 1577836800  # 2020-01-01T00:00:00Z
_FILETIME_OFFSET = 11644473600  # seconds from 1601-01-01 to 1970-01-01


def source_date_epoch() -> int:
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(value) if value.isdigit() else DEFAULT_EPOCH


def _properties(data: bytes) -> tuple[int, dict[int, int]]:
    """(section offset, {pid: offset of its value in the stream})."""
    (section,) = struct.unpack_from("<I", data, 44)
    _, count = struct.unpack_from("<II", data, section)
    found = {}
    for n in range(count):
        pid, offset = struct.unpack_from("<II", data, section + 8 + 8 * n)
        found[pid] = section + offset
    return section, found


def normalize(msi: Path, package_code: str, epoch: int | None = None) -> None:
    """Set the creation and save times and the package code of ``msi``."""
    epoch = source_date_epoch() if epoch is None else epoch
    filetime = (epoch + _FILETIME_OFFSET) * 10_000_000
    code = ("{" + package_code.upper() + "}").encode("ascii")
    with olefile.OleFileIO(str(msi), write_mode=True) as ole:
        data = bytearray(ole.openstream(STREAM).read())
        _, props = _properties(bytes(data))
        for pid in (PID_CREATED, PID_SAVED):
            if pid in props:
                vtype, = struct.unpack_from("<I", data, props[pid])
                if vtype & 0xFFFF != VT_FILETIME:
                    raise InfraError(f"{msi}: summary property {pid} is not a FILETIME")
                struct.pack_into("<Q", data, props[pid] + 4, filetime)
        at = props.get(PID_REVISION)
        if at is None:
            raise InfraError(f"{msi}: no package code in the summary stream")
        vtype, size = struct.unpack_from("<II", data, at)
        if vtype & 0xFFFF != VT_LPSTR or size < len(code) + 1:
            raise InfraError(f"{msi}: unexpected package code property (type {vtype})")
        data[at + 8:at + 8 + len(code)] = code
        ole.write_stream(STREAM, bytes(data))


def package_code(msi: Path) -> str:
    """The package code of ``msi`` (for checks)."""
    with olefile.OleFileIO(str(msi)) as ole:
        data = ole.openstream(STREAM).read()
    _, props = _properties(data)
    _, size = struct.unpack_from("<II", data, props[PID_REVISION])
    value: bytes = data[props[PID_REVISION] + 8:props[PID_REVISION] + 8 + size]
    return value.rstrip(b"\0").decode()
