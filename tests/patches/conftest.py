"""A small synthetic Glance tree and a patch queue made for it with git."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from winci.procs import Runner

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
}

BASE_FILES = {
    "setup.cfg": "[metadata]\nname = glance\n",
    ".stestr.conf": "[DEFAULT]\ntest_path=./glance/tests/unit\n",
    "glance/__init__.py": "",
    "glance/common/wsgi_app.py": "".join(f"line {i}\n" for i in range(1, 41)),
    "glance/cmd/scrubber.py": "import subprocess\n\nPGREP = '/usr/bin/pgrep'\n",
}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True,
                          capture_output=True, text=True).stdout


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def make_queue(tmp: Path) -> Path:
    """patches/glance with two patches made by committing and format-patch."""
    work = write_tree(tmp / "work", BASE_FILES)
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "base")
    app = work / "glance/common/wsgi_app.py"
    app.write_text(app.read_text().replace("line 20\n", "line 20 (windows)\n"))
    git(work, "commit", "-qam", "Windows: change line 20\n\nBecause Windows.")
    (work / "glance/common/windows.py").write_text("IS_WINDOWS = False\n")
    scrub = work / "glance/cmd/scrubber.py"
    scrub.write_text(scrub.read_text().replace("'/usr/bin/pgrep'", "None"))
    git(work, "add", "-A")
    git(work, "commit", "-qm", "Windows: scrubber without pgrep")
    root = tmp / "patches"
    out = root / "glance"
    out.mkdir(parents=True)
    names = git(work, "format-patch", "-o", str(out), "HEAD~2..HEAD").split()
    (out / "series").write_text("# test series\n" + "".join(
        Path(n).name + "\n" for n in names))
    return root


@pytest.fixture
def queue_root(tmp_path: Path) -> Path:
    return make_queue(tmp_path / "q")


@pytest.fixture
def glance_tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "glance-src", BASE_FILES)


@pytest.fixture
def runner(tmp_path: Path) -> Runner:
    with Runner(tmp_path / "logs", run_id="test-patches") as r:
        yield r
