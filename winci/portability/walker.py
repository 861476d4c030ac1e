"""The guard-aware walk behind ``winci portability``: one pass per file, families hooked in.

Detection works on the syntax tree only: names are resolved through the file's imports
(``import os as o``, ``from os import fork``), string constants are compared with plain
string methods, and no regular expression looks at source text. What each rule looks for
lives in its family (:mod:`winci.portability.families`); this module walks the tree,
calls the families' hooks (:mod:`winci.portability.family`) and decides which of their
reports count.

Code is not reported when it only runs on POSIX (see :mod:`winci.portability.guards`):
the branch of an ``if`` or conditional expression a platform test selects, the rest of a
block after an early exit (``if os.name == 'nt': return``, ``raise``, ``skipTest``...),
functions and classes under ``skipIf(<windows>)``/``skipUnless(<posix>)`` and the right
side of ``hasattr(os, 'fork') and ...``. Imports inside ``try`` with an ``except
ImportError`` (or broader) are guarded; so are attribute look-ups inside ``try`` with an
``except AttributeError``. ``# winci: ignore[WP401]`` on a line suppresses that rule there.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from typing import Any

from winci.portability import guards
from winci.portability.family import Kind, RuleFamily, ScopeNode
from winci.portability.finding import Finding, finding_at
from winci.portability.imports import ImportMap
from winci.portability.suppressions import suppressions
from winci.portability.syntax import add_chain, const_str, last_name, statements

_CATCH_ALL = frozenset({"Exception", "BaseException"})
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"}) | _CATCH_ALL
_ATTR_ERRORS = frozenset({"AttributeError"}) | _CATCH_ALL
_EXIT_CALLS = frozenset({"skipTest", "skip", "exit", "_exit", "abort", "fail"})


def _terminates(body: list[ast.stmt]) -> bool:
    """Does this block always leave (return, raise, skip the test, exit)?"""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Return | ast.Raise | ast.Continue | ast.Break):
        return True
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        return last_name(last.value.func) in _EXIT_CALLS
    return False


def _caught(handlers: list[ast.ExceptHandler]) -> set[str]:
    names: set[str] = set()
    for handler in handlers:
        if handler.type is None:
            names |= _CATCH_ALL
            continue
        types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        names.update(last_name(t) for t in types)
    return names


def _hooks(families: list[RuleFamily], name: str) -> list[Callable[..., Any]]:
    """The bound ``name`` hooks of the families that override it, in family order."""
    default = getattr(RuleFamily, name)
    return [getattr(f, name) for f in families if getattr(type(f), name) is not default]


class GuardedWalker(ast.NodeVisitor):
    """Walk one module, call the families' hooks and collect the findings that count."""

    def __init__(self, path: str, source: str, tree: ast.Module, enabled: frozenset[str],
                 families: Iterable[type[RuleFamily]]) -> None:
        self.path = path
        self.source = source
        self.tree = tree
        self.enabled = enabled
        self.findings: list[Finding] = []
        # id(finding) -> first and last line where a suppression comment counts
        self.spans: dict[int, tuple[int, int]] = {}
        imports = ImportMap(tree)
        #: Dotted import path of a name or attribute chain (``o.fork`` -> ``os.fork``).
        self.resolve = imports.resolve
        #: What a call calls: a dotted import path, a builtin's name, or None.
        self.func_name = imports.func_name
        self.consts: dict[str, guards.Implication] = {}
        self.platform_guard = 0
        self.import_guard = 0
        self.attr_guard = 0
        self._visitors: dict[type[ast.AST], Callable[[Any], None]] = {}
        active = [cls(self) for cls in families
                  if any(rule.startswith(cls.prefixes) for rule in enabled)]
        self._on_import = _hooks(active, "check_import")
        self._on_import_from = _hooks(active, "check_import_from")
        self._on_module_attr = _hooks(active, "check_module_attr")
        self._on_call = _hooks(active, "check_call")
        self._on_assign = _hooks(active, "check_assign")
        self._on_dict = _hooks(active, "check_dict")
        self._on_string = _hooks(active, "check_string")
        self._on_joined_str = _hooks(active, "check_joined_str")
        self._on_subscript = _hooks(active, "check_subscript")
        self._on_binop = _hooks(active, "check_binop")
        self._on_add_chain = _hooks(active, "check_add_chain")
        self._on_defaults = _hooks(active, "check_defaults")
        self._enter_scope = _hooks(active, "enter_scope")
        self._leave_scope = _hooks(active, "leave_scope")
        self._enter_with = _hooks(active, "enter_with")
        self._leave_with = _hooks(active, "leave_with")
        self._flow = [f for f in active if type(f).snapshot is not RuleFamily.snapshot]

    # -- entry --------------------------------------------------------------------
    def check(self) -> list[Finding]:
        """Walk the module: its findings, suppression comments applied, one per place."""
        self._collect_constants()
        self._scope(self.tree)
        sup = suppressions(self.source)
        unique: dict[tuple[str, int, int], Finding] = {}
        for f in self.findings:
            # the comment may sit on any line of the reported construct (its last, often)
            first, last = self.spans.get(id(f), (f.line, f.line))
            if not any(f.rule in sup.get(n, ()) for n in range(first, last + 1)):
                unique.setdefault((f.rule, f.line, f.col), f)
        return list(unique.values())

    def _collect_constants(self) -> None:
        """Names assigned a platform test anywhere (``IS_WIN = os.name == 'nt'``)."""
        for stmt in statements(self.tree.body):
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                    and isinstance(stmt.targets[0], ast.Name):
                imp = guards.implies(stmt.value, self.resolve, self.consts)
                if imp != guards.UNKNOWN:
                    self.consts[stmt.targets[0].id] = imp

    # -- for the families -----------------------------------------------------------
    def implies(self, test: ast.expr) -> guards.Implication:
        """What ``test`` says about the platform, in this file."""
        return guards.implies(test, self.resolve, self.consts)

    def report(self, rule: str, node: ast.AST, detail: str, fix: str | None = None,
               kind: Kind = "any", span: ast.AST | None = None) -> None:
        """Record a finding at ``node`` unless the place is guarded or the rule is off; a
        suppression comment may sit on any line of ``span`` (default: ``node``), e.g. of
        the whole call for a keyword argument."""
        if rule not in self.enabled or self.platform_guard:
            return
        if kind == "import" and self.import_guard:
            return
        if kind == "attr" and self.attr_guard:
            return
        finding = finding_at(rule, self.path, node, detail, fix)
        self.findings.append(finding)
        around = span or node
        self.spans[id(finding)] = (getattr(around, "lineno", None) or finding.line,
                                   getattr(around, "end_lineno", None) or finding.line)

    def add(self, finding: Finding) -> None:
        """Record a finding a family decided on itself (guards and rule already checked);
        only a comment on its own line suppresses it."""
        self.findings.append(finding)

    # -- traversal with guards --------------------------------------------------------
    def visit(self, node: ast.AST) -> None:
        """``NodeVisitor.visit`` with the ``visit_<Class>`` look-up done once per class."""
        try:
            method = self._visitors[type(node)]
        except KeyError:
            method = getattr(self, "visit_" + type(node).__name__, self.generic_visit)
            self._visitors[type(node)] = method
        method(node)

    def generic_visit(self, node: ast.AST) -> None:
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                if value and isinstance(value[0], ast.stmt):
                    self.visit_body(value)
                else:
                    for item in value:
                        if isinstance(item, ast.AST):
                            self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def visit_body(self, body: list[ast.stmt]) -> None:
        pushed = 0
        for stmt in body:
            self.visit(stmt)
            if self._posix_from_here(stmt):
                self.platform_guard += 1
                pushed += 1
        self.platform_guard -= pushed

    def _posix_from_here(self, stmt: ast.stmt) -> bool:
        """Is the rest of the block only reached on POSIX (an early-exit guard)?"""
        if isinstance(stmt, ast.If):
            when_true, when_false = self.implies(stmt.test)
            if when_false == "posix" and _terminates(stmt.body):
                return True
            return when_true == "posix" and _terminates(stmt.orelse)
        if isinstance(stmt, ast.Assert):
            return self.implies(stmt.test)[0] == "posix"
        return False

    def _visit_guarded(self, nodes: list[ast.stmt] | ast.expr, guarded: bool) -> None:
        self.platform_guard += guarded
        if isinstance(nodes, list):
            self.visit_body(nodes)
        else:
            self.visit(nodes)
        self.platform_guard -= guarded

    def visit_If(self, node: ast.If) -> None:
        when_true, when_false = self.implies(node.test)
        self.visit(node.test)
        before = [f.snapshot() for f in self._flow]
        self._visit_guarded(node.body, when_true == "posix")
        after_body = [f.snapshot() for f in self._flow]
        for family, state in zip(self._flow, before, strict=True):
            family.restore(state)  # the else branch starts afresh
        self._visit_guarded(node.orelse, when_false == "posix")
        for family, state in zip(self._flow, after_body, strict=True):
            family.merge(state)

    def visit_IfExp(self, node: ast.IfExp) -> None:
        when_true, when_false = self.implies(node.test)
        self.visit(node.test)
        self._visit_guarded(node.body, when_true == "posix")
        self._visit_guarded(node.orelse, when_false == "posix")

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        pushed = 0
        for value in node.values:
            self.visit(value)
            when_true, when_false = self.implies(value)
            side = when_true if isinstance(node.op, ast.And) else when_false
            if side == "posix":
                self.platform_guard += 1
                pushed += 1
        self.platform_guard -= pushed

    def visit_Try(self, node: ast.Try | ast.TryStar) -> None:
        caught = _caught(node.handlers)
        imp = bool(caught & _IMPORT_ERRORS)
        attr = bool(caught & _ATTR_ERRORS)
        self.import_guard += imp
        self.attr_guard += attr
        before = [f.snapshot() for f in self._flow]
        self.visit_body(node.body)
        self.import_guard -= imp
        self.attr_guard -= attr
        after_body = [f.snapshot() for f in self._flow]
        for handler in node.handlers:
            for family, state in zip(self._flow, before, strict=True):
                family.restore(state)  # the body may have failed before its open()
            self.visit(handler)
        for family, state in zip(self._flow, after_body, strict=True):
            family.restore(state)
        self.visit_body(node.orelse)
        self.visit_body(node.finalbody)

    def visit_TryStar(self, node: ast.TryStar) -> None:
        self.visit_Try(node)

    def _skips_on_windows(self, decorators: list[ast.expr]) -> bool:
        for deco in decorators:
            if not isinstance(deco, ast.Call) or not deco.args:
                continue
            name = last_name(deco.func).lower()
            when_true, when_false = self.implies(deco.args[0])
            if name == "skipif" and when_false == "posix":
                return True
            if name == "skipunless" and when_true == "posix":
                return True
        return False

    def _scope(self, node: ScopeNode) -> None:
        for enter in self._enter_scope:
            enter(node)
        self.generic_visit(node)
        for leave in self._leave_scope:
            leave(node)

    def _visit_def(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        guarded = self._skips_on_windows(node.decorator_list)
        self.platform_guard += guarded
        self._scope(node)
        self.platform_guard -= guarded

    visit_FunctionDef = _visit_def
    visit_AsyncFunctionDef = _visit_def
    visit_ClassDef = _visit_def

    def visit_Lambda(self, node: ast.Lambda) -> None:
        """A lambda runs later: its body has a scope of its own."""
        self._scope(node)

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item)
        for enter in self._enter_with:
            enter(node)
        self.visit_body(node.body)
        for leave in self._leave_with:
            leave(node)

    visit_AsyncWith = visit_With

    def visit_Expr(self, node: ast.Expr) -> None:
        if const_str(node.value) is not None:
            return  # a docstring or bare string: not code
        self.visit(node.value)

    # -- nodes the families check -----------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for check in self._on_import:
            check(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return
        for check in self._on_import_from:
            check(node)
        for alias in node.names:
            for check in self._on_module_attr:
                check(node.module, alias.name, node, "import")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if self._on_module_attr and isinstance(node.ctx, ast.Load | ast.Del):
            base = self.resolve(node.value)
            if base is not None:
                for check in self._on_module_attr:
                    check(base, node.attr, node, "attr")
        self.visit(node.value)

    def visit_Call(self, node: ast.Call) -> None:
        name = self.func_name(node)
        if name == "getattr" and len(node.args) == 2 and self._on_module_attr:
            module = self.resolve(node.args[0])
            attr = const_str(node.args[1])
            if module is not None and attr:  # no default: AttributeError
                for check_attr in self._on_module_attr:
                    check_attr(module, attr, node, "attr")
        for check in self._on_call:
            check(node, name)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for check in self._on_assign:
            check(node)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for check in self._on_dict:
            check(node)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            for check in self._on_string:
                check(node, node.value)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        for check in self._on_joined_str:
            check(node)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        for check in self._on_subscript:
            check(node)
        self.generic_visit(node)

    def visit_arguments(self, node: ast.arguments) -> None:
        for check in self._on_defaults:
            check(node)
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if not isinstance(node.op, ast.Add):
            for check in self._on_binop:
                check(node)
            self.generic_visit(node)
            return
        # A chain a + b + c is one flat list of parts: no deep recursion on long chains.
        parts = add_chain(node)
        for check_chain in self._on_add_chain:
            check_chain(node, parts)
        for part in parts:
            self.visit(part)
