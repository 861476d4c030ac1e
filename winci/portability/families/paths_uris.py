"""WP6xx: POSIX paths as defaults, Linux pseudo-filesystems, ``file://`` URIs by string work.

``uri[7:]`` (WP603) is decided at the end of its function: it is reported when the
function mentions ``file:`` or the sliced name says uri/url/file/location, unless the
function handles another 7-character scheme (``fake://``, ``http://``).
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from winci.portability.family import RuleFamily, ScopeNode
from winci.portability.finding import finding_at
from winci.portability.syntax import const_str, last_name

if TYPE_CHECKING:
    from winci.portability.walker import GuardedWalker

_DEFAULT_PATH_PREFIXES = (
    "/tmp/", "/etc/", "/var/", "/usr/", "/opt/", "/run/", "/home/", "/root/", "/srv/",
    "/mnt/", "/media/",
)
_DEFAULT_PATH_EXACT = frozenset({"/tmp", "/etc", "/var", "/root", "/run", "/srv", "/mnt"})
#: Data for the rules, not paths this code opens.
_PSEUDO_FS = ("/proc/", "/sys/", "/dev/")  # winci: ignore[WP602]
_PSEUDO_FS_EXACT = frozenset({"/proc", "/sys", "/dev"})  # winci: ignore[WP602]
_URI_NAME_HINTS = ("uri", "url", "file", "location", "loc")
_FILE_SCHEME = "file:"


def uri_from_path(text: str, placeholder: str) -> bool:
    """``'file://'`` or ``'file://%s...'``: a URI whose path comes from elsewhere."""
    for prefix in ("file:///", "file://"):
        if text.startswith(prefix):
            rest = text[len(prefix):]
            return rest == "" or rest.startswith(placeholder)
    return False


def builds_file_uri(node: ast.JoinedStr) -> bool:
    """``f'file://{path}'``."""
    first = const_str(node.values[0]) if node.values else None
    return first is not None and first in ("file://", "file:///") and len(node.values) > 1 \
        and isinstance(node.values[1], ast.FormattedValue)


def _is_default_target(walk: GuardedWalker, target: ast.expr) -> bool:
    """A module-style constant (``DEFAULT_DIR``) or an environment variable."""
    if isinstance(target, ast.Name):
        return target.id.isupper()
    return isinstance(target, ast.Subscript) and walk.resolve(target.value) == "os.environ"


class PosixPaths(RuleFamily):
    """WP601 POSIX paths as defaults; WP602 /proc, /sys and /dev paths.

    Registered after the other families: at a call, a default value is looked at after
    what the call itself does.
    """

    prefixes = ("WP601", "WP602")

    def _default_path(self, node: ast.expr) -> None:
        value = const_str(node)
        if not value:
            return
        path = value.removeprefix("file://")  # winci: ignore[WP603]
        if path in _DEFAULT_PATH_EXACT or path.startswith(_DEFAULT_PATH_PREFIXES):
            self.walk.report("WP601", node, repr(value))

    def check_defaults(self, node: ast.arguments) -> None:
        for default in [*node.defaults, *node.kw_defaults]:
            if default is not None:
                self._default_path(default)

    def check_assign(self, node: ast.Assign) -> None:
        if any(_is_default_target(self.walk, t) for t in node.targets):
            self._default_path(node.value)

    def check_call(self, node: ast.Call, name: str | None) -> None:
        for kw in node.keywords:
            if kw.arg == "default":
                self._default_path(kw.value)
        if last_name(node.func) in ("get", "getenv", "setdefault") and len(node.args) == 2:
            self._default_path(node.args[1])

    def check_string(self, node: ast.Constant, value: str) -> None:
        if value in _PSEUDO_FS_EXACT or value.startswith(_PSEUDO_FS):
            fix = "use os.devnull" if value == "/dev/null" else None  # winci: ignore[WP602]
            self.walk.report("WP602", node, repr(value), fix)


@dataclass
class _UriScope:
    """One function's ``file://`` evidence and its ``[7:]`` slices."""

    saw_file_uri: bool = False
    saw_other_scheme: bool = False  # 'fake://', 'http://': a [7:] slice may strip those
    slices: list[ast.Subscript] = field(default_factory=list)


class FileUris(RuleFamily):
    """WP603 ``file://`` URIs sliced into paths; WP604 URIs built from paths."""

    prefixes = ("WP603", "WP604")

    def __init__(self, walk: GuardedWalker) -> None:
        super().__init__(walk)
        self.scopes: list[_UriScope] = []

    # -- scopes: [7:] slices are judged per function ----------------------------------
    def enter_scope(self, node: ScopeNode) -> None:
        if not isinstance(node, ast.ClassDef):
            self.scopes.append(_UriScope())

    def leave_scope(self, node: ScopeNode) -> None:
        if isinstance(node, ast.ClassDef):
            return
        scope = self.scopes.pop()
        for sub in scope.slices:
            named = not scope.saw_other_scheme and any(
                h in last_name(sub.value).lower() for h in _URI_NAME_HINTS)
            if scope.saw_file_uri or named:
                self.walk.add(finding_at("WP603", self.walk.path, sub,
                                         "[7:] slice of a file:// URI"))

    def check_string(self, node: ast.Constant, value: str) -> None:
        if value.startswith(_FILE_SCHEME):
            self.scopes[-1].saw_file_uri = True
        elif "://" in value[:16]:
            self.scopes[-1].saw_other_scheme = True

    # -- WP603: URIs sliced into paths ------------------------------------------------
    def check_call(self, node: ast.Call, name: str | None) -> None:
        if name is not None or not isinstance(node.func, ast.Attribute):
            return
        attr = node.func.attr
        if attr in ("replace", "lstrip", "removeprefix") and node.args \
                and (const_str(node.args[0]) or "").startswith(_FILE_SCHEME):
            self.walk.report("WP603", node, f".{attr}('file://', ...)")
        elif attr == "format" and uri_from_path(const_str(node.func.value) or "", "{"):
            self.walk.report("WP604", node, "'file://...'.format(...)")

    def check_subscript(self, node: ast.Subscript) -> None:
        sl = node.slice
        if isinstance(sl, ast.Slice) and sl.upper is None and sl.step is None \
                and sl.lower is not None:
            lower = sl.lower
            if isinstance(lower, ast.Constant) and lower.value == 7:
                if not self.walk.platform_guard and "WP603" in self.walk.enabled:
                    self.scopes[-1].slices.append(node)
            elif isinstance(lower, ast.Call) and last_name(lower.func) == "len" \
                    and lower.args and (const_str(lower.args[0]) or "").startswith(_FILE_SCHEME):
                self.walk.report("WP603", node, "slice by len('file://')")
        elif isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute) \
                and node.value.func.attr in ("split", "rsplit", "partition", "rpartition") \
                and node.value.args \
                and (const_str(node.value.args[0]) or "").startswith(_FILE_SCHEME):
            self.walk.report("WP603", node, f".{node.value.func.attr}('file://')[...]")

    # -- WP604: URIs built from paths -------------------------------------------------
    def check_binop(self, node: ast.BinOp) -> None:
        left = const_str(node.left)
        if not isinstance(node.op, ast.Mod) or left is None:
            return
        if uri_from_path(left, "%") and const_str(node.right) is None:
            self.walk.report("WP604", node, f"{left!r} %")
        elif left.startswith("%s://%s") and isinstance(node.right, ast.Tuple) \
                and len(node.right.elts) >= 2 and const_str(node.right.elts[0]) == "file" \
                and const_str(node.right.elts[1]) is None:
            # glance_store's multistore url_prefix: "%s://%s" % ('file', path)
            self.walk.report("WP604", node, f"{left!r} % ('file', ...)")

    def check_add_chain(self, node: ast.BinOp, parts: list[ast.expr]) -> None:
        texts = [const_str(p) for p in parts]
        for text, nxt in itertools.pairwise(texts):
            if text is not None and nxt is None and uri_from_path(text, "%"):
                self.walk.report("WP604", node, f"{text!r} +")
                break

    def check_joined_str(self, node: ast.JoinedStr) -> None:
        if builds_file_uri(node):
            self.walk.report("WP604", node, "f'file://{...}'")
