"""Check, apply and inspect a patch series on a source tree with ``git apply``.

``git apply`` works on a plain tree as well as in a git checkout. Checks never touch
the tree: the files a series touches are copied to a scratch folder and the patches
are applied there one after another, so the first one that fails is named together
with git's own words for where (``patch failed: glance/x.py:55``). Status is read the
same way: a series that applies backwards (``-R``, last patch first) is applied.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from winci.errors import InfraError, PatchConflict
from winci.patches.queue import Patch, Series
from winci.procs import Runner

GIT_TIMEOUT = 120.0


class Status(StrEnum):
    APPLIED = "applied"
    NOT_APPLIED = "not-applied"
    CONFLICT = "conflict"


@dataclass
class Failure:
    """The first patch of a series that does not apply, and git's account of where."""

    project: str
    patch: str
    subject: str
    where: list[str]
    log: Path

    def describe(self) -> str:
        where = "; ".join(self.where) or "see the log"
        return f"{self.project}/{self.patch} ({self.subject}) does not apply: {where}"


@dataclass
class CheckResult:
    project: str
    tree: Path
    applied: list[str] = field(default_factory=list)
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


class SeriesConflict(PatchConflict):
    """A series does not apply to the tree under test; names the patch and the spot."""

    def __init__(self, failure: Failure, tree: Path) -> None:
        super().__init__(
            f"patch queue does not apply to {tree}: {failure.describe()}",
            f"git output in {failure.log}; refresh the patch (docs/patch-queue.md) "
            "or run with --no-patches",
        )
        self.failure = failure
        self.tree = tree


def _git() -> str:
    git = shutil.which("git")
    if not git:
        raise InfraError("git is not installed; winci applies the patch queue with `git apply`",
                         "install git (Debian: apt-get install git)")
    return git


def _where(lines: list[str]) -> list[str]:
    """git's error lines (``error: patch failed: f.py:12``), without the prefix."""
    out = []
    for line in lines:
        text = line.strip()
        if text.startswith("error: "):
            out.append(text[len("error: "):])
    return out


def _git_apply(runner: Runner, patch: Patch, tree: Path, *, project: str, reverse: bool = False,
               check_only: bool = False) -> Failure | None:
    cmd = [_git(), "apply", "--whitespace=nowarn"]
    if reverse:
        cmd.append("-R")
    if check_only:
        cmd.append("--check")
    cmd.append(str(patch.path.resolve()))
    # Keep git from taking an enclosing repository's top as the base of the paths.
    done = runner.run(cmd, name=f"git-apply-{project}-{patch.path.stem}", timeout=GIT_TIMEOUT,
                      cwd=tree, check=False,
                      extra_env={"GIT_CEILING_DIRECTORIES": str(tree.resolve().parent)})
    if done.ok:
        return None
    return Failure(project, patch.name, patch.subject, _where(done.tail) or done.tail[-3:],
                   done.log)


def _scratch_copy(series: Series, tree: Path, dest: Path) -> None:
    for rel in series.files():
        src = tree / rel
        if src.is_file():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


def _run_series(runner: Runner, series: Series, tree: Path, *, reverse: bool) -> CheckResult:
    result = CheckResult(series.project, tree)
    patches = list(reversed(series.patches)) if reverse else list(series.patches)
    with tempfile.TemporaryDirectory(prefix=f"winci-patch-{series.project}-") as tmp:
        scratch = Path(tmp) / "tree"
        scratch.mkdir()
        _scratch_copy(series, tree, scratch)
        for patch in patches:
            failure = _git_apply(runner, patch, scratch, project=series.project, reverse=reverse)
            if failure:
                result.failure = failure
                return result
            result.applied.append(patch.name)
    return result


def check_series(runner: Runner, series: Series, tree: Path) -> CheckResult:
    """Would the whole series apply to ``tree``, in order? The tree is not changed."""
    if not tree.is_dir():
        raise InfraError(f"source tree {tree} does not exist")
    return _run_series(runner, series, tree, reverse=False)


def series_status(runner: Runner, series: Series, tree: Path) -> Status:
    """Applied (reverses cleanly), not applied (applies cleanly) or conflict (neither)."""
    if not series.patches:
        return Status.APPLIED
    if check_series(runner, series, tree).ok:
        return Status.NOT_APPLIED
    if _run_series(runner, series, tree, reverse=True).ok:
        return Status.APPLIED
    return Status.CONFLICT


def apply_series(runner: Runner, series: Series, tree: Path) -> Status:
    """Apply ``series`` to ``tree`` unless it is already applied.

    Returns :attr:`Status.APPLIED` when the tree already carried the series and
    :attr:`Status.NOT_APPLIED` when this call applied it. Raises
    :class:`SeriesConflict` (a :class:`~winci.errors.PatchConflict`) when it applies
    neither way; the tree is then left untouched.
    """
    check = check_series(runner, series, tree)
    if check.failure is not None:
        if series.patches and _run_series(runner, series, tree, reverse=True).ok:
            return Status.APPLIED
        raise SeriesConflict(check.failure, tree)
    for patch in series.patches:
        failure = _git_apply(runner, patch, tree, project=series.project)
        if failure:  # the scratch run passed, so only a tree changing under us gets here
            raise SeriesConflict(failure, tree)
    return Status.NOT_APPLIED
