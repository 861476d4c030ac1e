"""A patch queue made for the tests: the synthetic Glance series of tests/patches and a
series for ``oslo.log``, whose pristine "sdist" (version 99.1.0, pinned by no real
constraints file) is a tiny project with an in-tree PEP 517 backend, so ``pip wheel``
builds it for real without reaching any index."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.patches.conftest import BASE_FILES, git, make_queue, write_tree
from winci.envs.constraints import upper_constraints

LIB_VERSION = "99.1.0"
PATCHED_LINE = "WINDOWS = True  # patched\n"

_BACKEND = '''\
"""A build backend that writes the wheel itself (no requirements to install)."""
import base64, hashlib, os, zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DIST_INFO = "oslo_log-{version}.dist-info"


def _line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{{path}},sha256={{digest}},{{len(data)}}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = {{p.relative_to(HERE).as_posix(): p.read_bytes()
             for p in sorted((HERE / "oslo_log").rglob("*.py"))}}
    files[DIST_INFO + "/METADATA"] = (
        b"Metadata-Version: 2.1\\nName: oslo.log\\nVersion: {version}\\n")
    files[DIST_INFO + "/WHEEL"] = (
        b"Wheel-Version: 1.0\\nGenerator: winci-test\\nRoot-Is-Purelib: true\\n"
        b"Tag: py3-none-any\\n")
    name = "oslo_log-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        record = []
        for path, data in files.items():
            zf.writestr(path, data)
            record.append(_line(path, data))
        record.append(DIST_INFO + "/RECORD,,")
        zf.writestr(DIST_INFO + "/RECORD", "\\n".join(record) + "\\n")
    return name
'''

LIB_FILES = {
    "PKG-INFO": f"Metadata-Version: 2.1\nName: oslo.log\nVersion: {LIB_VERSION}\n",
    "pyproject.toml": ('[build-system]\nrequires = []\nbuild-backend = "winci_test_backend"\n'
                       'backend-path = ["."]\n'),
    "winci_test_backend.py": _BACKEND.format(version=LIB_VERSION),
    "oslo_log/__init__.py": "",
    "oslo_log/log.py": "WINDOWS = False\n",
}


@dataclass
class FakeQueue:
    cache: Path             # $WINCI_CACHE_DIR
    queue_root: Path        # patches/ of the test
    glance_src: Path        # a Glance tree the glance series applies to
    constraints: Path       # upper-constraints, with oslo.log pinned to LIB_VERSION


def _library_series(tmp: Path, queue_root: Path) -> Path:
    work = write_tree(tmp / "oslo-log-work", LIB_FILES)
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "base")
    (work / "oslo_log" / "log.py").write_text(PATCHED_LINE)
    git(work, "commit", "-qam", "Windows: oslo.log knows it")
    out = queue_root / "oslo.log"
    out.mkdir(parents=True)
    names = git(work, "format-patch", "-o", str(out), "HEAD~1..HEAD").split()
    (out / "series").write_text("".join(Path(n).name + "\n" for n in names))
    shutil.rmtree(work / ".git")
    return write_tree(work, LIB_FILES)  # back to the pristine release


def fake_queue(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> FakeQueue:
    cache = tmp / "cache"
    for key, value in {"WINCI_CACHE_DIR": str(cache), "PIP_NO_INDEX": "1",
                       "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_CACHE_DIR": "1"}.items():
        monkeypatch.setenv(key, value)
    queue_root = make_queue(tmp / "q")
    pristine = _library_series(tmp, queue_root)
    # what fetch_sdist leaves for oslo.log==LIB_VERSION: no download needed
    shutil.copytree(pristine, cache / "patched" / "sources" / f"oslo_log-{LIB_VERSION}")
    monkeypatch.setattr("winci.patches.queue.patches_root", lambda: queue_root)
    text = upper_constraints().read_text(encoding="utf-8")
    assert "\noslo.log===" in text
    lines = [f"oslo.log==={LIB_VERSION}" if line.startswith("oslo.log===") else line
             for line in text.splitlines()]
    constraints = tmp / "my-constraints.txt"
    constraints.write_text("\n".join(lines) + "\n", encoding="utf-8")
    glance_src = write_tree(tmp / "glance-src", {**BASE_FILES, "requirements.txt": "pbr>=2.0\n"})
    return FakeQueue(cache, queue_root, glance_src, constraints)
