"""The ``modules`` behaviour for imported libraries: held to Windows rules only where
Windows would run the import too (unguarded, at module level, unconditionally reached)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.simulate.test_hook import kinds, run_child
from winci.simulate.hook.import_chain import import_facts, unconditional_import_lines

IMPORT_LIB = """
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent.parent / "lib"))
    attempt("x", lambda: __import__(NAME))
"""


def import_lib(tmp_path: Path, name: str, files: dict[str, str],
               script_dir: str = "proj") -> tuple[dict[str, object], list[dict[str, object]]]:
    return run_child(tmp_path, IMPORT_LIB.replace("NAME", repr(name)),
                     files={f"lib/{k}": v for k, v in files.items()}, script_dir=script_dir)


def test_an_unguarded_posix_import_in_a_library_fails(tmp_path: Path) -> None:
    """os-brick 7.1.0's ``privileged/scaleio.py``: ``from fcntl import ioctl`` at the top."""
    out, trips = import_lib(tmp_path, "scaleio_like", {
        "scaleio_like.py": "import os\nfrom fcntl import ioctl\n"})
    assert kinds(out) == {"x": "ModuleNotFoundError"}
    assert out["x"][1] == "No module named 'fcntl'"  # type: ignore[index]
    assert [(t["behaviour"], t["detail"]) for t in trips] == [("modules", "import fcntl")]
    assert trips[0]["caller"].endswith("scaleio_like.py:2 in <module>")  # type: ignore[union-attr]
    assert trips[0]["site"].endswith("in <lambda>")  # type: ignore[union-attr]


def test_through_a_chain_of_unguarded_imports_too(tmp_path: Path) -> None:
    """glance_store's cinder driver imported os-brick, which imported the module above."""
    out, trips = import_lib(tmp_path, "driver", {
        "driver.py": "import os\nfrom connectors import scaleio\n",
        "connectors/__init__.py": "",
        "connectors/scaleio.py": "import json\nimport grp\n"})
    assert kinds(out) == {"x": "ModuleNotFoundError"}
    assert trips[0]["caller"].endswith("scaleio.py:2 in <module>")  # type: ignore[union-attr]


def test_through_a_function_that_imports_by_name(tmp_path: Path) -> None:
    """os-brick's ``connector.py``: ``_set_aliases()`` at import, a loop of
    ``importutils.import_class()`` calls, one of which imports the ScaleIO connector."""
    out, trips = import_lib(tmp_path, "connector", {
        "connector.py": "import utils\n"
                        "def _set_aliases():\n"
                        "    for item in ('scaleio_like.Connector',):\n"
                        "        globals()['x'] = utils.import_class(item)\n"
                        "_set_aliases()\n",
        "utils.py": "import sys\n"
                    "def import_class(name):\n"
                    "    mod, _, cls = name.rpartition('.')\n"
                    "    __import__(mod)\n"
                    "    return getattr(sys.modules[mod], cls)\n",
        "scaleio_like.py": "from fcntl import ioctl\nclass Connector: pass\n"})
    assert kinds(out) == {"x": "ModuleNotFoundError"}
    assert trips[0]["caller"].endswith("scaleio_like.py:1 in <module>")  # type: ignore[union-attr]


GUARDED = {
    # fasteners' process_lock: the Windows branch imports msvcrt instead
    "branch": "import os\nif os.name == 'nt':\n    import msvcrt\nelse:\n    import fcntl\n",
    "try_import_error": "try:\n    import fcntl\nexcept ImportError:\n    fcntl = None\n",
    "try_exception": "try:\n    import pwd\nexcept Exception:\n    pwd = None\n",
    "in_a_function": "def lock():\n    import fcntl\n    return fcntl\nlock()\n",
    "dynamic": "import importlib\nmod = importlib.import_module('fcntl')\n",
}


def test_a_library_platform_branch_or_guard_is_left_alone(tmp_path: Path) -> None:
    for name, text in GUARDED.items():
        out, trips = import_lib(tmp_path / name, f"lib_{name}", {f"lib_{name}.py": text})
        assert kinds(out) == {"x": "ok"}, name
        assert trips == [], name


def test_a_branch_further_up_the_chain_is_left_alone(tmp_path: Path) -> None:
    """psutil: ``if LINUX: from . import _pslinux``, which imports ``resource`` unguarded;
    Windows imports ``_pswindows`` there instead."""
    out, trips = import_lib(tmp_path, "pslike", {
        "pslike/__init__.py": "import sys\nif sys.platform.startswith('linux'):\n"
                              "    from . import _pslinux\n",
        "pslike/_pslinux.py": "import os\nimport resource\n"})
    assert kinds(out) == {"x": "ok"}
    assert trips == []


def test_a_branch_in_a_function_up_the_chain_is_left_alone(tmp_path: Path) -> None:
    out, trips = import_lib(tmp_path, "loader", {
        "loader.py": "import os\n"
                     "def load():\n"
                     "    if os.name == 'posix':\n"
                     "        import posix_impl\n"
                     "    else:\n"
                     "        import nt_impl\n"
                     "load()\n",
        "posix_impl.py": "import fcntl\n"})
    assert kinds(out) == {"x": "ok"}
    assert trips == []


def test_without_code_under_test_on_the_stack_a_library_imports_as_on_linux(
        tmp_path: Path) -> None:
    out, trips = import_lib(tmp_path, "scaleio_like", {
        "scaleio_like.py": "from fcntl import ioctl\n"}, script_dir="other")
    assert kinds(out) == {"x": "ok"}
    assert trips == []


def test_which_import_lines_a_module_always_runs() -> None:
    source = textwrap.dedent("""
        import os
        from a import (b,
                       c)
        if os.name == 'nt':
            import msvcrt
        try:
            import fcntl
        except ImportError:
            pass
        try:
            import pwd
        except KeyError:
            import grp
        else:
            import resource
        finally:
            import termios
        with open(os.devnull):
            import tty
        def f():
            import pty
        class C:
            import syslog
        for _ in ():
            import crypt
    """)
    lines = unconditional_import_lines(source.encode(), "m.py")
    text = source.splitlines()
    assert sorted(text[n - 1].strip() for n in lines) == sorted([
        "import os", "from a import (b,", "c)", "import pwd", "import resource",
        "import termios", "import tty"])
    assert unconditional_import_lines(b"def (:\n", "bad.py") == frozenset()


def test_which_lines_run_only_under_a_condition() -> None:
    source = textwrap.dedent("""
        import os
        if os.name == 'nt':
            a = 1
        elif os.name == 'posix':
            b = 2
        def f():
            while True:
                c = 3
            for _ in ():
                d = 4
        try:
            e = 5
        except ValueError:
            g = 6
        try:
            h = 7
        except ImportError:
            i = 8
        match os.name:
            case 'nt':
                j = 9
    """)
    text = source.splitlines()
    conditional = import_facts(source.encode(), "m.py")[1]
    assert sorted(text[n - 1].strip() for n in conditional) == sorted([
        "a = 1", "elif os.name == 'posix':", "b = 2", "c = 3", "g = 6", "h = 7", "i = 8",
        "j = 9"])
