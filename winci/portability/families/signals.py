"""WP2xx: signals and ``signal`` functions that Windows does not have."""

from __future__ import annotations

import ast

from winci.portability.family import Kind, RuleFamily
from winci.portability.posix_api import MISSING_SIGNALS, SIGNAL_FUNCS

_SIGNAL_FIX = {
    "SIGKILL": "use Popen.kill() or psutil.Process.kill()",
    "SIGHUP": "look it up with getattr(signal, 'SIGHUP', None) and skip reloads when missing",
    "SIGALRM": "use threading.Timer or a timeout argument",
    "SIGCHLD": "wait for children with Popen.wait()/poll() instead of a SIGCHLD handler",
}
#: The enums of ``signal`` hold the same names: ``signal.Signals.SIGHUP``.
_SIGNAL_ENUMS = frozenset({"signal.Signals", "signal.Handlers", "signal.Sigmasks"})


class Signals(RuleFamily):
    """``signal.SIGHUP``, ``from signal import SIGUSR1``, ``signal.alarm``..."""

    prefixes = ("WP2",)

    def check_module_attr(self, module: str, name: str, node: ast.AST, kind: Kind) -> None:
        if module in _SIGNAL_ENUMS and isinstance(node, ast.Attribute):
            module = "signal"
        if module != "signal":
            return
        if name in MISSING_SIGNALS:
            self.walk.report("WP201", node, f"signal.{name}", _SIGNAL_FIX.get(name), kind=kind)
        elif name in SIGNAL_FUNCS:
            self.walk.report("WP202", node, f"signal.{name}", kind=kind)
