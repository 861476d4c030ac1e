"""WP7xx: ``eventlet.monkey_patch()`` patching ``os``, and connecting to ``0.0.0.0``."""

from __future__ import annotations

import ast

from winci.portability.family import RuleFamily
from winci.portability.syntax import const_str

_CONNECT_ATTRS = frozenset({"connect", "connect_ex"})
_CONNECT_FUNCS = frozenset({"socket.create_connection", "http.client.HTTPConnection",
                            "http.client.HTTPSConnection"})
_MONKEY_PATCH = frozenset({"eventlet.monkey_patch", "eventlet.patcher.monkey_patch"})
_ANY_URLS = ("http://0.0.0.0", "https://0.0.0.0")  # winci: ignore[WP702]


class EventletAndSockets(RuleFamily):
    """WP701 ``monkey_patch()`` without ``os=False``; WP702 ``connect(('0.0.0.0', port))``."""

    prefixes = ("WP7",)

    def check_call(self, node: ast.Call, name: str | None) -> None:
        if name is None:
            if isinstance(node.func, ast.Attribute) and node.func.attr in _CONNECT_ATTRS \
                    and node.args:
                self._connect_target(node, node.args[0])
            return
        if name in _CONNECT_FUNCS and node.args:
            self._connect_target(node, node.args[0])
        if name in _MONKEY_PATCH:
            self._monkey_patch(node)

    def check_string(self, node: ast.Constant, value: str) -> None:
        if value.startswith(_ANY_URLS):
            self.walk.report("WP702", node, repr(value))

    def _connect_target(self, node: ast.Call, target: ast.expr) -> None:
        host = target.elts[0] if isinstance(target, ast.Tuple) and target.elts else target
        if const_str(host) in ("0.0.0.0", "::"):
            self.walk.report("WP702", node, f"connect to {const_str(host)!r}")

    def _monkey_patch(self, node: ast.Call) -> None:
        if any(kw.arg is None for kw in node.keywords):
            return  # **kwargs: cannot tell
        os_kw = next((kw.value for kw in node.keywords if kw.arg == "os"), None)
        if isinstance(os_kw, ast.Constant) and os_kw.value is False:
            return
        if os_kw is not None and not isinstance(os_kw, ast.Constant):
            return  # os=<expression>: probably platform-dependent
        self.walk.report("WP701", node, "eventlet.monkey_patch() without os=False")
