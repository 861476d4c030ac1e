"""The interface between the guard-aware walk and one family of rules (WP1xx, WP2xx...).

A family subclasses :class:`RuleFamily` and overrides only the hooks it needs; the walker
(:class:`winci.portability.walker.GuardedWalker`) calls just those. A ``check_*`` hook
runs when the walk reaches its node, before the node's children, and reports through
``self.walk.report(...)``: the walker, not the family, decides whether the place is
guarded (a POSIX-only branch, ``try/except ImportError``...) and whether the rule is
enabled. The other hooks carry a family's own state along the code (open files, the
strings seen in a function).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, ClassVar, Literal

if TYPE_CHECKING:
    from winci.portability.walker import GuardedWalker

#: What guards a report: ``import`` (try/except ImportError), ``attr`` (try/except
#: AttributeError) or only the platform guards (``any``).
Kind = Literal["any", "import", "attr"]
#: Nodes that open a scope of their own (a class keeps its function's scope for files).
ScopeNode = ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda


class RuleFamily:
    """One family of rules; ``prefixes`` (``("WP4",)``) name the rule ids it reports: a
    family whose rules are all disabled is not run."""

    prefixes: ClassVar[tuple[str, ...]] = ()

    def __init__(self, walk: GuardedWalker) -> None:
        self.walk = walk

    # -- checks: called at a node, before its children --------------------------------
    def check_import(self, node: ast.Import) -> None:
        """``import x``."""

    def check_import_from(self, node: ast.ImportFrom) -> None:
        """``from x import y`` (absolute imports only)."""

    def check_module_attr(self, module: str, name: str, node: ast.AST, kind: Kind) -> None:
        """A name looked up in an imported module: ``os.fork`` (an attribute; ``module``
        is its resolved base), ``from os import fork`` and ``getattr(os, 'fork')``."""

    def check_call(self, node: ast.Call, name: str | None) -> None:
        """A call; ``name`` is the called function's dotted import path (``os.rename``)
        or a builtin's name (``open``), None when it does not resolve (a method such as
        ``sock.connect``)."""

    def check_assign(self, node: ast.Assign) -> None:
        """``target = value``."""

    def check_dict(self, node: ast.Dict) -> None:
        """A dict display."""

    def check_string(self, node: ast.Constant, value: str) -> None:
        """A string literal in code (docstrings and bare strings are not code)."""

    def check_joined_str(self, node: ast.JoinedStr) -> None:
        """An f-string."""

    def check_subscript(self, node: ast.Subscript) -> None:
        """``x[...]``."""

    def check_binop(self, node: ast.BinOp) -> None:
        """A binary operation other than ``+`` (``'file://%s' % p``)."""

    def check_add_chain(self, node: ast.BinOp, parts: list[ast.expr]) -> None:
        """``a + b + c``, seen once as its flat list of operands."""

    def check_defaults(self, node: ast.arguments) -> None:
        """A function's or lambda's parameters (their defaults)."""

    # -- state along the code ---------------------------------------------------------
    def enter_scope(self, node: ScopeNode) -> None:
        """Before the module, a function, a lambda or a class body."""

    def leave_scope(self, node: ScopeNode) -> None:
        """After it (the module last of all)."""

    def enter_with(self, node: ast.With | ast.AsyncWith) -> None:
        """After a ``with`` statement's items, before its body."""

    def leave_with(self, node: ast.With | ast.AsyncWith) -> None:
        """After its body."""

    def snapshot(self) -> object:
        """State before a branch (``if``, ``try``), for :meth:`restore`/:meth:`merge`."""
        return None

    def restore(self, state: object) -> None:
        """Start a branch again from a :meth:`snapshot` (an ``else``, an ``except``)."""

    def merge(self, state: object) -> None:
        """Join the branch just walked with another branch's :meth:`snapshot`."""
