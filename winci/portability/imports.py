"""What a file's names refer to: its imports, so that ``o.fork`` is ``os.fork``."""

from __future__ import annotations

import ast

from winci.portability.syntax import statements


class ImportMap:
    """Local name -> dotted import path, from every import of a module (nested ones too)."""

    def __init__(self, tree: ast.Module) -> None:
        self.names: dict[str, str] = {}
        for node in statements(tree.body):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.names[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.names[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    self.names[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def resolve(self, node: ast.expr) -> str | None:
        """Dotted import path of a name or attribute chain (``o.fork`` -> ``os.fork``)."""
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def func_name(self, call: ast.Call) -> str | None:
        """What a call calls: a dotted import path, a builtin's name, or None."""
        if isinstance(call.func, ast.Name) and call.func.id not in self.names:
            return call.func.id  # a builtin such as open()
        return self.resolve(call.func)
