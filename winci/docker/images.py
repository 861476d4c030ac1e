"""The image build plan: which images, from which contexts, with which args and tags.

Images inherit kolla-style: ``winci/base`` (OS, Python, winci's dependencies), then one
image per service. Every service Dockerfile has the same stable layer order:

1. OS and Python (in ``winci/base``);
2. dependencies: the service's requirements, pinned by the run's constraints (the
   repository's unless ``winci run --constraints`` names others);
3. ``src/``: the patched sources (the Glance tree with the patch queue applied, and
   wheels of the libraries the queue patches), so a new patch set rebuilds from here;
4. winci itself (entrypoint ``winci serve``, templates, launcher).

A plan is pure data (:class:`BuildPlan`), printed by ``winci build --dry-run``;
:func:`stage_contexts` writes the build contexts under ``<work_dir>/<platform>/<image>/``
(``build/<image>/src`` holds the patched sources), and :mod:`winci.docker.build` builds.
Files are copied only when their content changed and keep their mtimes, so an unchanged
input gives an unchanged context and the engine's layer cache holds.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from winci import __version__
from winci.docker import labels as lbl
from winci.envs.constraints import flatten, upper_constraints
from winci.envs.specs import (
    KEYSTONE_VERSION,
    PATCHED_GLANCE_LIBRARIES,
    TEMPEST_VERSION,
    glance_env,
    keystone_env,
)
from winci.envs.specs import tempest_env as _tempest_env
from winci.errors import UsageError
from winci.host.paths import cache_dir, repo_file
from winci.worktree.mirror import mirror_tree
from winci.worktree.tree import PATCHED_STAMP

PLATFORMS = ("linux", "windows")
# Windows Server Core tags and the Windows build each one is (process isolation needs
# the host to run the same build).
WINDOWS_BASES = {"ltsc2022": 20348, "ltsc2025": 26100}
LINUX_BASE_TAG = "bookworm"
LINUX_BASE_IMAGE = "debian:bookworm-slim"
LINUX_BASE_IMAGE_ENV = "WINCI_LINUX_BASE_IMAGE"
LOCAL_BASE_IMAGE = "localhost/winci/debian:bookworm"  # made by scripts/test.d/podman.sh
REPO_PREFIX = "winci"
SERVICES = ("mysql", "keystone", "glance", "tempest")
IMAGES = ("base", *SERVICES)                      # build order: base first

# The libraries whose patched wheels (from the patch queue) go into each image's src/.
IMAGE_LIBRARIES: dict[str, tuple[str, ...]] = {
    "glance": PATCHED_GLANCE_LIBRARIES,  # as the Glance venvs: one list
    "keystone": ("keystone", "oslo.concurrency", "oslo.log"),
    "tempest": ("oslo.concurrency", "oslo.log"),
    "mysql": (),
}


@dataclass(frozen=True)
class Installer:
    """A Windows installer the operator puts in the installers folder."""

    arg: str          # build-arg prefix: PYTHON -> PYTHON_VERSION, PYTHON_SHA256
    version: str
    pattern: str      # file name, {version} filled in

    @property
    def file_name(self) -> str:
        return self.pattern.format(version=self.version)


WINDOWS_INSTALLERS = {
    "base": Installer("PYTHON", "3.12.10", "python-{version}-amd64.exe"),
    "mysql": Installer("MARIADB", "11.4.8", "mariadb-{version}-winx64.msi"),
}


@dataclass(frozen=True)
class GlanceInfo:
    """What the plan needs to know about the Glance source."""

    version: str
    tree: Path | None = None       # None only for a dry run of the PyPI release
    kind: str = "pypi"
    git_ref: str | None = None
    git_sha: str | None = None


@dataclass(frozen=True)
class BuildOptions:
    platform: str = "linux"
    base: str = "ltsc2022"                 # Windows Server Core tag
    work_dir: Path = field(default_factory=lambda: cache_dir() / "build")
    linux_base_image: str = ""             # "" = $WINCI_LINUX_BASE_IMAGE or Debian slim
    ca_bundle: Path | None = None          # CA bundle pip trusts during Linux builds
    installers: Path | None = None         # folder with the Windows installers
    queue_hash: str = "0" * 12
    patches_applied: bool = False
    images: tuple[str, ...] = IMAGES
    repo_prefix: str = REPO_PREFIX           # image names: <prefix>/<image>
    # pins the images' dependency layers in place of constraints/upper-constraints.txt
    # (``winci run --constraints``); None: the repository's
    constraints: Path | None = None

    def validate(self) -> None:
        if self.platform not in PLATFORMS:
            raise UsageError(f"unknown platform {self.platform!r}", "use linux or windows")
        if self.platform == "windows" and self.base not in WINDOWS_BASES:
            raise UsageError(f"unknown Windows base {self.base!r}",
                             f"use one of {', '.join(WINDOWS_BASES)}")
        unknown = [i for i in self.images if i not in IMAGES]
        if unknown:
            raise UsageError(f"unknown image {', '.join(unknown)}",
                             f"choose from {', '.join(IMAGES)}")

    @property
    def base_tag(self) -> str:
        return self.base if self.platform == "windows" else LINUX_BASE_TAG

    @property
    def dockerfile(self) -> str:
        return "Dockerfile.windows" if self.platform == "windows" else "Dockerfile"


@dataclass
class ImageSpec:
    """One image of the plan."""

    name: str
    repo: str
    tag: str
    dockerfile: str
    context: Path
    buildargs: dict[str, str]
    labels: dict[str, str]
    requirements: list[str] = field(default_factory=list)
    libraries: tuple[str, ...] = ()
    installer: Installer | None = None

    @property
    def ref(self) -> str:
        return f"{self.repo}:{self.tag}"


@dataclass
class BuildPlan:
    options: BuildOptions
    glance: GlanceInfo
    images: list[ImageSpec]

    def image(self, name: str) -> ImageSpec:
        for spec in self.images:
            if spec.name == name:
                return spec
        raise KeyError(name)


def sanitize_tag(text: str) -> str:
    """A docker tag component: [A-Za-z0-9_.-], no leading dot or dash."""
    clean = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip(".-")
    return clean or "unknown"


def winci_requirements() -> list[str]:
    """winci's runtime requirements (without extras), as installed metadata lists them."""
    reqs = importlib.metadata.requires("winci") or []
    return sorted(r for r in reqs if "extra ==" not in r.replace('"', "'").replace("  ", " "))


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() + b"\0")
    return h.hexdigest()


def staged_constraints(constraints: Path | None) -> dict[str, str]:
    """The files of the base image's ``constraints/`` folder: the repository's, with
    ``constraints`` (flattened: its includes read in) as ``upper-constraints.txt`` when
    given, so the service images' dependencies are pinned by it (and winci's own too,
    through ``winci.txt``'s ``-c upper-constraints.txt``)."""
    files = {p.name: p.read_text(encoding="utf-8")
             for p in sorted(repo_file("constraints").glob("*.txt"))}
    if constraints is not None and constraints.resolve() != upper_constraints().resolve():
        files[upper_constraints().name] = flatten(constraints)
    return files


def stage_constraints(dest: Path, constraints: Path | None) -> None:
    """Write :func:`staged_constraints` to ``dest`` (and nothing else there)."""
    files = staged_constraints(constraints)
    for name, text in files.items():
        _write_if_changed(dest / name, text)
    for path in dest.iterdir():
        if path.name not in files:
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def _constraints_digest(constraints: Path | None) -> str:
    return _digest(*(f"{name}:{text}" for name, text in staged_constraints(constraints).items()))


def service_requirements(name: str, glance: GlanceInfo) -> list[str]:
    """The requirement lines of a service image, shared with the local backend's venvs."""
    if name == "glance":
        if glance.tree is None:
            return ["(Glance's requirements.txt and test-requirements.txt, from the sdist)"]
        return list(glance_env(glance.tree).requirements)
    if name == "keystone":
        return list(keystone_env().requirements)
    if name == "tempest":
        return list(_tempest_env().requirements)
    return []


def make_plan(options: BuildOptions, glance: GlanceInfo) -> BuildPlan:
    """The images to build, their contexts, build args, labels and tags. No I/O but reads."""
    options.validate()
    windows = options.platform == "windows"
    suffix = f"-{options.base}" if windows else ""
    qh = options.queue_hash[:8]
    winci_ver = sanitize_tag(__version__)
    common = {
        lbl.VERSION: __version__,
        lbl.PLATFORM: options.platform,
        lbl.BASE_TAG: options.base_tag,
    }
    pip_cert = {}
    if options.ca_bundle and not windows:
        pip_cert = {"PIP_CERT": "/opt/winci/build-ca/ca-bundle.crt"}

    base_key = _digest(_constraints_digest(options.constraints), *winci_requirements(),
                       options.base_tag)[:8]
    base_args: dict[str, str] = dict(pip_cert)
    if windows:
        base_args["BASE_TAG"] = options.base
    else:
        base_args["BASE_IMAGE"] = (options.linux_base_image
                                   or os.environ.get(LINUX_BASE_IMAGE_ENV) or LINUX_BASE_IMAGE)
    base = ImageSpec(
        name="base", repo=f"{options.repo_prefix}/base", tag=f"{winci_ver}-{base_key}{suffix}",
        dockerfile=options.dockerfile, context=options.work_dir / options.platform / "base",
        buildargs=base_args, labels={**common, lbl.IMAGE: "base"},
        requirements=winci_requirements(),
        installer=WINDOWS_INSTALLERS["base"] if windows else None,
    )
    versions = {
        "glance": sanitize_tag(glance.version),
        "keystone": KEYSTONE_VERSION,
        "tempest": TEMPEST_VERSION,
        "mysql": (f"mariadb-{WINDOWS_INSTALLERS['mysql'].version}" if windows
                  else "mariadb-debian"),
    }
    specs = [base]
    for name in SERVICES:
        args = {**pip_cert, "WINCI_BASE": base.ref}
        if name == "glance" and glance.version:
            args["PBR_VERSION"] = glance.version
        image_labels = {**common, lbl.IMAGE: name, lbl.QUEUE_HASH: options.queue_hash,
                        lbl.PATCHES_APPLIED: str(options.patches_applied).lower()}
        if name == "glance":
            image_labels.update({lbl.GLANCE_VERSION: glance.version,
                                 lbl.GLANCE_REF: glance.git_ref or glance.kind,
                                 lbl.GLANCE_SHA: glance.git_sha or ""})
        tag = (f"{versions[name]}-{winci_ver}{suffix}" if name == "mysql"
               else f"{versions[name]}-{qh}-{winci_ver}{suffix}")
        specs.append(ImageSpec(
            name=name, repo=f"{options.repo_prefix}/{name}", tag=tag[:128],
            dockerfile=options.dockerfile, context=options.work_dir / options.platform / name,
            buildargs=args, labels=image_labels,
            requirements=service_requirements(name, glance),
            libraries=IMAGE_LIBRARIES[name],
            installer=WINDOWS_INSTALLERS.get(name) if windows else None,
        ))
    chosen = [s for s in specs if s.name in options.images]
    return BuildPlan(options, glance, chosen)


def plan_table(plan: BuildPlan) -> str:
    """The plan as a text table (``winci build --dry-run``)."""
    o = plan.options
    head = [f"platform: {o.platform} (base {o.base_tag}); glance {plan.glance.version} "
            f"({plan.glance.kind}{', ' + plan.glance.git_ref if plan.glance.git_ref else ''}); "
            f"patch queue {o.queue_hash} (applied: {str(o.patches_applied).lower()}); "
            f"winci {__version__}", f"work dir: {o.work_dir}"]
    rows = [("IMAGE", "TAG", "CONTEXT", "DOCKERFILE", "BUILD ARGS")]
    for s in plan.images:
        args = " ".join(f"{k}={v}" for k, v in sorted(s.buildargs.items())) or "-"
        rows.append((s.repo, s.tag, str(s.context), s.dockerfile, args))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4]
             for r in rows]
    notes = []
    for s in plan.images:
        if s.installer:
            where = o.installers / s.installer.file_name if o.installers else None
            state = "present" if where and where.is_file() else "MISSING"
            notes.append(f"{s.name}: needs {s.installer.file_name} in the installers folder "
                         f"({state}: {where or 'pass --installers DIR'})")
        if s.libraries:
            notes.append(f"{s.name}: src/ gets the patched wheels of "
                         f"{', '.join(s.libraries)} when the queue patches them")
    labels = sorted({k for s in plan.images for k in s.labels})
    notes.append("labels: " + ", ".join(labels))
    return "\n".join([*head, "", *lines, "", *notes]) + "\n"


# -- staging -----------------------------------------------------------------------------

def label_instruction(labels: Mapping[str, str]) -> str:
    """One LABEL line, sorted, appended to the staged Dockerfile.

    Labels go in the Dockerfile rather than through the build API: podman turns API
    labels into one LABEL step each, in a varying order, which gives the same image a
    new id on every build and so invalidates the cache of every image built on it.
    """
    def quote(value: str) -> str:
        return '"' + re.sub(r'["\\`$\n]', "_", value) + '"'

    pairs = " ".join(f"{key}={quote(value)}" for key, value in sorted(labels.items()))
    return f"\n# Added by winci build (winci/docker/images.py).\nLABEL {pairs}\n"


def _write_if_changed(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    path.write_text(text, encoding="utf-8")


def _copy_if_changed(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        if dest.stat().st_size == src.stat().st_size and dest.read_bytes() == src.read_bytes():
            return
    except OSError:
        pass
    shutil.copy2(src, dest)


def stage_winci_source(dest: Path) -> None:
    """winci's source (pyproject.toml, README.md, winci/) for ``pip install``."""
    root = repo_file()
    if not (root / "pyproject.toml").is_file():
        raise UsageError("winci's source tree is not available to copy into the images",
                         "run winci build from a winci checkout (pip install -e .)")
    for name in ("pyproject.toml", "README.md"):
        _copy_if_changed(root / name, dest / name)
    mirror_tree(root / "winci", dest / "winci", compare="content")


def stage_contexts(plan: BuildPlan, *, glance_tree: Path | None = None,
                   wheels: Mapping[str, Path] | None = None) -> None:
    """Write every image's build context.

    ``glance_tree`` is the prepared (patched) Glance tree; ``wheels`` maps distribution
    names to patched wheels (:func:`winci.patches.prepare_patched_libraries`).
    """
    o = plan.options
    wheels = wheels or {}
    for spec in plan.images:
        ctx = spec.context
        ctx.mkdir(parents=True, exist_ok=True)
        for item in sorted(repo_file("dockerfiles", spec.name).iterdir()):
            if item.is_file() and not item.name.startswith("Dockerfile"):
                _copy_if_changed(item, ctx / item.name)
        for name in ("Dockerfile", "Dockerfile.windows"):
            text = repo_file("dockerfiles", spec.name, name).read_text(encoding="utf-8")
            _write_if_changed(ctx / name, text + label_instruction(spec.labels))
        if spec.name == "base":
            stage_constraints(ctx / "constraints", o.constraints)
            _write_if_changed(ctx / "requirements-winci.txt",
                              "\n".join(spec.requirements) + "\n")
            (ctx / "build-ca").mkdir(exist_ok=True)
            if o.ca_bundle and o.platform == "linux":
                _copy_if_changed(o.ca_bundle, ctx / "build-ca" / "ca-bundle.crt")
        else:
            if spec.name != "mysql":
                _write_if_changed(ctx / "requirements.txt", "\n".join(spec.requirements) + "\n")
                src = ctx / "src"
                src.mkdir(exist_ok=True)
                keep = set()
                if spec.name == "glance":
                    if glance_tree is None:
                        raise UsageError("no Glance source to put in the glance image")
                    # the work tree's patch stamp is winci's, not Glance's
                    mirror_tree(glance_tree, src / "glance", exclude={PATCHED_STAMP},
                                compare="content")
                    keep.add("glance")
                for dist in spec.libraries:
                    if dist in wheels:
                        _copy_if_changed(wheels[dist], src / wheels[dist].name)
                        keep.add(wheels[dist].name)
                for item in src.iterdir():
                    if item.name not in keep:
                        shutil.rmtree(item) if item.is_dir() else item.unlink()
            stage_winci_source(ctx / "winci")
        if spec.installer:
            folder = ctx / "installers"
            folder.mkdir(exist_ok=True)
            found = o.installers / spec.installer.file_name if o.installers else None
            if not found or not found.is_file():
                raise UsageError(f"{spec.installer.file_name} is not in the installers folder "
                                 f"({o.installers or 'none given'})",
                                 "download it (see docs/windows-images.md) and pass "
                                 "--installers DIR")
            _copy_if_changed(found, folder / found.name)
            digest = hashlib.sha256(found.read_bytes()).hexdigest().upper()
            spec.buildargs[f"{spec.installer.arg}_VERSION"] = spec.installer.version
            spec.buildargs[f"{spec.installer.arg}_SHA256"] = digest
