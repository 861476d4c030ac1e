"""WP3xx: modules that do not exist on Windows (``fcntl``, ``pwd``, ``resource``...)."""

from __future__ import annotations

import ast

from winci.portability.family import RuleFamily
from winci.portability.posix_api import POSIX_MODULES

_MODULE_FIX = {
    "fcntl": "for file locks use a portable lock (oslo_concurrency.lockutils, msvcrt.locking "
             "on Windows); guard the import",
    "pwd": "use getpass.getuser() for the user name; guard the import",
    "grp": "guard the import; Windows has no POSIX groups",
    "resource": "use psutil for limits and usage; guard the import",
    "syslog": "log through logging handlers (NTEventLogHandler on Windows); guard the import",
    "xattr": "keep the metadata elsewhere (a database or a side file); guard the import",
    "crypt": "use hashlib or a password-hashing library",
}


class PosixModules(RuleFamily):
    """``import fcntl``, ``from termios import tcgetattr`` outside an import guard."""

    prefixes = ("WP3",)

    def check_import(self, node: ast.Import) -> None:
        for alias in node.names:
            top = alias.name.split(".")[0]
            if top in POSIX_MODULES:
                self.walk.report("WP301", node, f"import {alias.name}", _MODULE_FIX.get(top),
                                 kind="import")

    def check_import_from(self, node: ast.ImportFrom) -> None:
        top = (node.module or "").split(".")[0]
        if top in POSIX_MODULES:
            self.walk.report("WP301", node, f"from {node.module} import ...",
                             _MODULE_FIX.get(top), kind="import")
