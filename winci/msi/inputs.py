"""What goes into the MSI: the service package's wheel (pure Python, built on this host,
cached by the digest of its sources) and the Windows environment pip makes inside
Windows CPython under Wine of Glance's requirements, the patch queue's library wheels,
pywin32, the DB driver and that wheel, pinned by the tree's constraints. Glance itself
comes from the prepared (patched) work tree, copied by the stage."""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

from winci.envs.builder import EnvSpec
from winci.envs.specs import patched_env_inputs
from winci.errors import InfraError
from winci.host.filelock import FileLock
from winci.host.paths import cache_dir, repo_file
from winci.procs import Runner
from winci.worktree.prepared import PreparedTree

PACKAGING = repo_file("packaging", "windows")
SERVICE_SOURCE = PACKAGING / "service"
# pywin32 is not in OpenStack's upper constraints (they are resolved on Linux): pinned here.
PYWIN32 = "pywin32==311"
RUNTIME_REQUIREMENTS = (PYWIN32, "waitress", "PyMySQL", "Jinja2")
ENV_FORMAT = "msi-1"  # bumped when what the environment holds changes


def source_digest(root: Path, parts: tuple[str, ...], *, exclude: tuple[str, ...] = ()) -> str:
    """A digest of the files under ``root/part`` for each of ``parts`` (bytecode,
    build output, ``exclude`` folders and metadata folders other than a part itself,
    such as ``glance.egg-info``, left out)."""
    digest = hashlib.sha256()
    for part in parts:
        base = root / part
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in files:
            rel = path.relative_to(root).as_posix()
            if ("__pycache__" in path.parts or path.suffix == ".pyc"
                    or any(rel.startswith(x) for x in exclude)
                    or (".egg-info" in rel and not part.endswith(".egg-info"))
                    or rel.startswith(("build/", "dist/"))):
                continue
            digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def _wheel(runner: Runner, name: str, src: Path, key: str, env: dict[str, str]) -> Path:
    entry = cache_dir() / "msi" / "wheels" / f"{name}-{key}"
    done = entry / "done"
    if done.is_file():
        return entry / done.read_text(encoding="utf-8").strip()
    entry.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(entry.parent / f"{entry.name}.lock", what=f"the {name} wheel"):
        if done.is_file():
            return entry / done.read_text(encoding="utf-8").strip()
        shutil.rmtree(entry, ignore_errors=True)
        entry.mkdir()
        # From a copy: setuptools builds in the source folder (build/, *.egg-info), and
        # a module left in an old build/ would go into the wheel.
        copy = entry / "src"
        shutil.copytree(src, copy, ignore=shutil.ignore_patterns(
            "build", "dist", "*.egg-info", "__pycache__", "*.pyc"))
        try:
            runner.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir",
                        entry, copy], name=f"msi-wheel-{name}", timeout=900, extra_env=env)
        finally:
            shutil.rmtree(copy, ignore_errors=True)
        wheels = sorted(entry.glob("*.whl"))
        if len(wheels) != 1:
            raise InfraError(f"building the {name} wheel left {len(wheels)} wheels in {entry}")
        done.write_text(wheels[0].name + "\n", encoding="utf-8")
        return wheels[0]


def glance_requirements(tree: Path) -> list[str]:
    """Glance's own requirements (``requirements.txt``), without its test requirements."""
    lines = []
    for raw in (tree / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def glance_digest(tree: Path) -> str:
    """What the stage copies of the work tree: the glance package and its metadata."""
    return source_digest(tree, ("glance", "glance.egg-info"), exclude=("glance/tests",))


def service_wheel(runner: Runner) -> Path:
    key = source_digest(SERVICE_SOURCE, ("pyproject.toml", "glance_windows_service"))
    return _wheel(runner, "glance-windows-service", SERVICE_SOURCE, key, {})


def env_spec(tree: PreparedTree, service: Path) -> EnvSpec:
    """The Windows environment of the MSI (built by pip inside Wine): Glance's
    requirements, never Glance itself; the stage copies Glance from the work tree with
    its metadata (``glance.egg-info``), as every winci backend runs it."""
    libraries, _ = patched_env_inputs(dict(tree.wheels))
    return EnvSpec(name="msi-glance",
                   requirements=(*glance_requirements(tree.path), *libraries,
                                 *RUNTIME_REQUIREMENTS, str(service)),
                   constraints=tree.constraints, local_key=ENV_FORMAT)
