"""WP8xx: PATH-like values joined or split with ``':'``, and POSIX ``shlex.split``."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from winci.portability.families.paths_uris import builds_file_uri
from winci.portability.family import RuleFamily
from winci.portability.syntax import const_str, last_name

if TYPE_CHECKING:
    from winci.portability.walker import GuardedWalker


def _is_path_env(node: ast.expr) -> bool:
    """``os.environ['PATH']``, ``os.environ.get('PATH')``, ``os.getenv('PYTHONPATH')``."""
    key: str | None = None
    if isinstance(node, ast.Subscript):
        key = const_str(node.slice)
    elif isinstance(node, ast.Call) and node.args:
        if last_name(node.func) in ("get", "getenv", "pop", "setdefault"):
            key = const_str(node.args[0])
    return key is not None and key.endswith("PATH") and key.isupper()


def _is_pathish(walk: GuardedWalker, node: ast.expr) -> bool:
    if _is_path_env(node) or walk.resolve(node) == "sys.path":
        return True
    if isinstance(node, ast.List | ast.Tuple):
        return any(_is_path_env(e) for e in node.elts)
    return False


def _is_colon_join(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
        and node.func.attr == "join" and const_str(node.func.value) == ":"


def _has_colon_edge(text: str | None) -> bool:
    return text is not None and (text[:1] == ":" or text[-1:] == ":")


class PathSepAndShlex(RuleFamily):
    """WP801 ``':'.join(sys.path)``, ``env['PATH'] + ':' + d``...; WP802 ``shlex.split``."""

    prefixes = ("WP8",)

    def check_call(self, node: ast.Call, name: str | None) -> None:
        if name is None:
            if isinstance(node.func, ast.Attribute):
                self._check_method(node.func, node)
        elif name == "shlex.split":
            posix = next((k.value for k in node.keywords if k.arg == "posix"), None)
            if len(node.args) < 3 and not (isinstance(posix, ast.Constant) and not posix.value):
                self.walk.report("WP802", node, "shlex.split")

    def _check_method(self, func: ast.Attribute, node: ast.Call) -> None:
        if func.attr == "join" and const_str(func.value) == ":" and node.args \
                and _is_pathish(self.walk, node.args[0]):
            self.walk.report("WP801", node, "':'.join(...) of PATH entries",
                             "use os.pathsep.join")
        elif func.attr in ("split", "rsplit") and node.args \
                and const_str(node.args[0]) == ":" and _is_path_env(func.value):
            self.walk.report("WP801", node, "PATH split on ':'", "use .split(os.pathsep)")

    def check_add_chain(self, node: ast.BinOp, parts: list[ast.expr]) -> None:
        if any(_has_colon_edge(const_str(p)) for p in parts) \
                and any(_is_path_env(p) for p in parts):
            self.walk.report("WP801", node, "':' concatenated with PATH")

    def check_joined_str(self, node: ast.JoinedStr) -> None:
        if builds_file_uri(node):
            return  # a file:// URI (WP604), not a PATH
        if any(_has_colon_edge(const_str(v) or "") for v in node.values) and any(
                isinstance(v, ast.FormattedValue) and _is_path_env(v.value)
                for v in node.values):
            self.walk.report("WP801", node, "f-string joining PATH with ':'")

    def check_assign(self, node: ast.Assign) -> None:
        if any(_is_path_env(t) or last_name(t).endswith("PATH") for t in node.targets) \
                and _is_colon_join(node.value):
            self.walk.report("WP801", node.value, "':'.join(...) assigned to PATH")

    def check_dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            k = const_str(key)
            if k and k.endswith("PATH") and k.isupper() and _is_colon_join(value):
                self.walk.report("WP801", value, f"':'.join(...) for {k}")
