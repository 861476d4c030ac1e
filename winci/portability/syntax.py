"""Small read-only helpers over Python syntax trees, shared by the walker and the families."""

from __future__ import annotations

import ast
from collections.abc import Iterator


def const_str(node: ast.AST | None) -> str | None:
    """The value of a string literal, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def last_name(node: ast.expr) -> str:
    """The last name of a reference: ``b`` for ``a.b``, ``a.b()`` or ``x['b']``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return const_str(node.slice) or last_name(node.value)
    if isinstance(node, ast.Call):
        return last_name(node.func)
    return ""


def statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement, nested ones included, without walking into expressions."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        yield stmt
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(stmt, name, None)
            if inner:
                for item in reversed(inner):
                    if isinstance(item, ast.stmt):
                        stack.append(item)
                    else:  # an except handler or a match case: its body
                        stack.extend(reversed(item.body))


def add_chain(node: ast.BinOp) -> list[ast.expr]:
    """The operands of ``a + b + c``, left to right."""
    parts: list[ast.expr] = []
    stack: list[ast.expr] = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, ast.BinOp) and isinstance(cur.op, ast.Add):
            stack.extend((cur.right, cur.left))
        else:
            parts.append(cur)
    return parts
