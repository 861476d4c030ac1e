"""WP4xx: ``os.rename`` onto an existing file, and files removed or renamed while open.

For WP402 the family follows the files a function opens: ``with open(p)`` blocks,
``f = open(p)`` until ``f.close()``/``os.close(f)``/``with f:``, and a
``NamedTemporaryFile``'s ``.name``. A branch (``if``/``else``, ``try``/``except``)
starts from what was open before it.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, cast

from winci.portability.family import RuleFamily, ScopeNode

if TYPE_CHECKING:
    from winci.portability.walker import GuardedWalker

_OPEN_FUNCS = frozenset({"open", "io.open", "codecs.open", "os.open", "gzip.open",
                         "bz2.open", "lzma.open"})
_TEMPFILE_FUNCS = frozenset({"tempfile.NamedTemporaryFile"})
_REMOVE_FUNCS = frozenset({"os.remove", "os.unlink"})
_MOVE_FUNCS = frozenset({"os.rename", "os.replace", "shutil.move"})

#: Variable -> key of the path it holds open.
Opened = dict[str, str]


def _key(node: ast.expr) -> str:
    """A comparable form of an expression (same code, same key; ctx ignored)."""
    return ast.dump(node, annotate_fields=False, include_attributes=False).replace(
        "Store()", "Load()"
    )


def _name_key(var: str) -> str:
    """Key of ``<var>.name``: the path of a temporary file object."""
    return _key(ast.Attribute(ast.Name(var, ast.Load()), "name", ast.Load()))


class FileOps(RuleFamily):
    """``os.rename`` (WP401); ``os.remove``/``os.rename``... of a file still open (WP402)."""

    prefixes = ("WP4",)

    def __init__(self, walk: GuardedWalker) -> None:
        super().__init__(walk)
        self.opened: list[Opened] = []  # one per function scope (the module's first)
        self.open_keys: list[str] = []  # paths held by the enclosing with blocks
        self._saved_keys: list[list[str]] = []
        self._with_counts: list[int] = []

    # -- state ------------------------------------------------------------------------
    def enter_scope(self, node: ScopeNode) -> None:
        if not isinstance(node, ast.ClassDef):
            self.opened.append({})
        # code in a def, class or lambda runs later: open blocks around it say nothing
        self._saved_keys.append(self.open_keys)
        self.open_keys = []

    def leave_scope(self, node: ScopeNode) -> None:
        self.open_keys = self._saved_keys.pop()
        if not isinstance(node, ast.ClassDef):
            self.opened.pop()

    def snapshot(self) -> object:
        return dict(self.opened[-1])

    def restore(self, state: object) -> None:
        self.opened[-1] = dict(cast(Opened, state))

    def merge(self, state: object) -> None:
        self.opened[-1] = {**cast(Opened, state), **self.opened[-1]}

    def enter_with(self, node: ast.With | ast.AsyncWith) -> None:
        keys: list[str] = []
        for item in node.items:
            key = self._open_key(item.context_expr)
            if key is not None:
                keys.append(key)
            elif isinstance(item.context_expr, ast.Call) \
                    and self.walk.func_name(item.context_expr) in _TEMPFILE_FUNCS \
                    and isinstance(item.optional_vars, ast.Name):
                keys.append(_name_key(item.optional_vars.id))
        self.open_keys.extend(keys)
        self._with_counts.append(len(keys))

    def leave_with(self, node: ast.With | ast.AsyncWith) -> None:
        count = self._with_counts.pop()
        del self.open_keys[len(self.open_keys) - count:]
        for item in node.items:  # `with f:` closes a file opened earlier
            if isinstance(item.context_expr, ast.Name):
                self.opened[-1].pop(item.context_expr.id, None)

    def _open_key(self, call: ast.expr) -> str | None:
        """Key of the path a call opens."""
        if not isinstance(call, ast.Call):
            return None
        if self.walk.func_name(call) in _OPEN_FUNCS and call.args:
            return _key(call.args[0])
        return None

    def _is_open(self, arg: ast.expr) -> bool:
        key = _key(arg)
        return key in self.open_keys or key in self.opened[-1].values()

    # -- checks -----------------------------------------------------------------------
    def check_assign(self, node: ast.Assign) -> None:
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            return
        var, value = node.targets[0].id, node.value
        scope = self.opened[-1]
        key = self._open_key(value)
        if key is not None:
            scope[var] = key
        elif isinstance(value, ast.Call) and self.walk.func_name(value) in _TEMPFILE_FUNCS:
            scope[var] = _name_key(var)
        else:
            scope.pop(var, None)

    def check_call(self, node: ast.Call, name: str | None) -> None:
        if name is None:
            if isinstance(node.func, ast.Attribute) and node.func.attr == "close" \
                    and isinstance(node.func.value, ast.Name):
                self.opened[-1].pop(node.func.value.id, None)
            return
        if name == "os.close" and node.args and isinstance(node.args[0], ast.Name):
            self.opened[-1].pop(node.args[0].id, None)
        if name == "os.rename":
            self.walk.report("WP401", node, "os.rename")
        if name in _REMOVE_FUNCS or name in _MOVE_FUNCS:
            args = node.args[:2] if name in _MOVE_FUNCS else node.args[:1]
            if any(self._is_open(a) for a in args):
                self.walk.report("WP402", node, f"{name} of a file still open here")
