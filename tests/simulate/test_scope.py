"""The hook's scope, in this process: the code under test is in, the hook itself never."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from winci.simulate.hook.scope import Scope


def test_with_roots_only_their_files_are_in_scope(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    scope = Scope([str(tmp_path / "src")])
    assert scope.contains(str(tmp_path / "src" / "a.py"))
    assert not scope.contains(str(tmp_path / "srcx" / "a.py"))
    assert not scope.contains("<frozen importlib._bootstrap>")


def test_without_roots_the_hook_own_files_stay_out(tmp_path: Path) -> None:
    """Default scope: everything outside the standard library and site-packages, except
    the hook (its package folder and its sitecustomize file)."""
    package, start = tmp_path / "hook" / "_winci_simulation", tmp_path / "hook" / "sitecustomize.py"
    scope = Scope([], own_dirs=[str(package)], own_files=[str(start)])
    assert scope.contains(str(tmp_path / "proj" / "a.py"))
    assert scope.contains(str(tmp_path / "hook" / "other.py"))
    for own in (package / "scope.py", start):
        assert not scope.contains(str(own))
        assert scope.is_own(str(own))
        assert scope.is_plumbing(str(own))
    assert not scope.contains(os.__file__)
    assert scope.is_plumbing(os.__file__)


def test_stack_walks_skip_the_hook_frames(tmp_path: Path) -> None:
    here = sys._getframe()
    scope = Scope([], own_dirs=[str(Path(__file__).parent)])
    assert scope.caller(here) is not here  # this file counts as the hook's here
    assert scope.in_scope_on_stack(here) is not here
    plain = Scope([str(Path(__file__).parent)])
    assert plain.caller_in_scope(here) is here
    assert plain.in_scope_on_stack(here) is here
    assert plain.first_non_stdlib(here) is here
