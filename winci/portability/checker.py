"""The AST walk behind ``winci portability``: one pass per file, guards understood.

Detection works on the syntax tree only: names are resolved through the file's imports
(``import os as o``, ``from os import fork``), string constants are compared with plain
string methods, and no regular expression looks at source text.

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
import io
import itertools
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field

from winci.portability import guards
from winci.portability.posix_api import (
    FIFO,
    FORK,
    IDS,
    KILLPG,
    MISSING_SIGNALS,
    OTHER_OS,
    OWNERSHIP,
    POPEN_PASS_FDS,
    POPEN_PREEXEC,
    POPEN_SESSION_ARGS,
    POSIX_MODULES,
    PROCESS_GROUPS,
    SIGNAL_FUNCS,
    STATVFS,
    WAIT,
)
from winci.portability.rules import RULES, Severity


@dataclass(frozen=True)
class Finding:
    """One reported construct. ``line`` and ``col`` are 1-based."""

    rule: str
    path: str
    line: int
    col: int
    severity: Severity
    message: str
    fix: str

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "severity": self.severity.label,
            "title": RULES[self.rule].title,
            "message": self.message,
            "fix": self.fix,
        }


_OS_RULES: list[tuple[frozenset[str], str]] = [
    (FORK, "WP101"), (PROCESS_GROUPS, "WP102"), (KILLPG, "WP103"), (IDS, "WP104"),
    (OWNERSHIP, "WP105"), (WAIT, "WP106"), (STATVFS, "WP107"), (FIFO, "WP108"),
    (OTHER_OS, "WP109"),
]
OS_RULE: dict[str, str] = {name: rid for names, rid in _OS_RULES for name in names}

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
_SIGNAL_FIX = {
    "SIGKILL": "use Popen.kill() or psutil.Process.kill()",
    "SIGHUP": "look it up with getattr(signal, 'SIGHUP', None) and skip reloads when missing",
    "SIGALRM": "use threading.Timer or a timeout argument",
    "SIGCHLD": "wait for children with Popen.wait()/poll() instead of a SIGCHLD handler",
}

#: Functions that start a child process, by dotted name.
_SUBPROCESS_FUNCS = frozenset(
    {
        "subprocess.Popen", "subprocess.run", "subprocess.call", "subprocess.check_call",
        "subprocess.check_output", "asyncio.create_subprocess_exec",
        "oslo_concurrency.processutils.execute", "oslo_concurrency.processutils.trycmd",
    }
)
_SHELL_FUNCS = frozenset(
    {"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
     "asyncio.create_subprocess_shell"}
)
#: Programs that do not exist on a stock Windows host.
POSIX_TOOLS = frozenset(
    {
        "sudo", "su", "pgrep", "pkill", "kill", "killall", "sh", "bash", "dash", "zsh", "ls",
        "cat", "rm", "cp", "mv", "ln", "chmod", "chown", "chgrp", "mount", "umount", "df",
        "du", "dd", "grep", "sed", "awk", "ps", "which", "env", "nice", "ionice", "prlimit",
        "tee", "touch", "find", "xargs", "sync", "losetup", "blockdev", "lsblk", "true",
        "false", "readlink", "stat", "uname", "id", "sleep", "head", "tail", "truncate",
        "mkfifo", "setsid", "flock", "nohup", "fuser", "lsof", "iscsiadm", "multipath",
        "qemu-nbd", "cryptsetup", "systemctl", "service", "ip", "ifconfig", "mkdir", "chattr",
        "getfattr", "setfattr", "dmsetup", "udevadm", "rootwrap", "sg_scan",
    }
)
_POSIX_BIN_PREFIXES = ("/bin/", "/sbin/", "/usr/", "/opt/", "/snap/")
_DEFAULT_PATH_PREFIXES = (
    "/tmp/", "/etc/", "/var/", "/usr/", "/opt/", "/run/", "/home/", "/root/", "/srv/",
    "/mnt/", "/media/",
)
_DEFAULT_PATH_EXACT = frozenset({"/tmp", "/etc", "/var", "/root", "/run", "/srv", "/mnt"})
#: Data for the rules, not paths this code opens.
_PSEUDO_FS = ("/proc/", "/sys/", "/dev/")  # winci: ignore[WP602]
_PSEUDO_FS_EXACT = frozenset({"/proc", "/sys", "/dev"})  # winci: ignore[WP602]
_OPEN_FUNCS = frozenset({"open", "io.open", "codecs.open", "os.open", "gzip.open",
                         "bz2.open", "lzma.open"})
_TEMPFILE_FUNCS = frozenset({"tempfile.NamedTemporaryFile"})
_REMOVE_FUNCS = frozenset({"os.remove", "os.unlink"})
_MOVE_FUNCS = frozenset({"os.rename", "os.replace", "shutil.move"})
_CONNECT_ATTRS = frozenset({"connect", "connect_ex"})
_CONNECT_FUNCS = frozenset({"socket.create_connection", "http.client.HTTPConnection",
                            "http.client.HTTPSConnection"})
_ANY_URLS = ("http://0.0.0.0", "https://0.0.0.0")  # winci: ignore[WP702]
_URI_NAME_HINTS = ("uri", "url", "file", "location", "loc")
_FILE_SCHEME = "file:"
_CATCH_ALL = frozenset({"Exception", "BaseException"})
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"}) | _CATCH_ALL
_ATTR_ERRORS = frozenset({"AttributeError"}) | _CATCH_ALL
_EXIT_CALLS = frozenset({"skipTest", "skip", "exit", "_exit", "abort", "fail"})


def _key(node: ast.expr) -> str:
    """A comparable form of an expression (same code, same key; ctx ignored)."""
    return ast.dump(node, annotate_fields=False, include_attributes=False).replace(
        "Store()", "Load()"
    )


def _const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _last_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return _const_str(node.slice) or _last_name(node.value)
    if isinstance(node, ast.Call):
        return _last_name(node.func)
    return ""


def _terminates(body: list[ast.stmt]) -> bool:
    """Does this block always leave (return, raise, skip the test, exit)?"""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Return | ast.Raise | ast.Continue | ast.Break):
        return True
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        return _last_name(last.value.func) in _EXIT_CALLS
    return False


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
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


def _add_chain(node: ast.BinOp) -> list[ast.expr]:
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


def _uri_from_path(text: str, placeholder: str) -> bool:
    """``'file://'`` or ``'file://%s...'``: a URI whose path comes from elsewhere."""
    for prefix in ("file:///", "file://"):
        if text.startswith(prefix):
            rest = text[len(prefix):]
            return rest == "" or rest.startswith(placeholder)
    return False


def suppressions(source: str) -> dict[int, set[str]]:
    """Line -> rule ids named by ``# winci: ignore[WP401,WP402]`` comments."""
    out: dict[int, set[str]] = {}
    if "winci:" not in source:
        return out
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return out
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        text = tok.string.lstrip("#").strip()
        head, sep, rest = text.partition("winci:")
        if not sep or head.strip():
            continue
        rest = rest.strip()
        if not rest.startswith("ignore[") or "]" not in rest:
            continue
        ids = rest[len("ignore["):rest.index("]")]
        out.setdefault(tok.start[0], set()).update(
            i.strip().upper() for i in ids.split(",") if i.strip()
        )
    return out


@dataclass
class _Scope:
    """Per-function state: open handles and file:// slicing candidates."""

    opened: dict[str, str] = field(default_factory=dict)  # variable -> path key
    saw_file_uri: bool = False
    saw_other_scheme: bool = False  # 'fake://', 'http://': a [7:] slice may strip those
    slices: list[ast.Subscript] = field(default_factory=list)


class Checker(ast.NodeVisitor):
    """Walk one module and collect findings for the enabled rules."""

    def __init__(self, path: str, source: str, enabled: frozenset[str]) -> None:
        self.path = path
        self.source = source
        self.enabled = enabled
        self.findings: list[Finding] = []
        # id(finding) -> first and last line where a suppression comment counts
        self.spans: dict[int, tuple[int, int]] = {}
        self.imports: dict[str, str] = {}
        self.consts: dict[str, guards.Implication] = {}
        self.platform_guard = 0
        self.import_guard = 0
        self.attr_guard = 0
        self.open_keys: list[str] = []
        self.scopes: list[_Scope] = [_Scope()]

    # -- entry --------------------------------------------------------------------
    def check(self, tree: ast.Module) -> list[Finding]:
        self._collect_imports(tree)
        self._collect_constants(tree)
        self.visit_body(tree.body)
        self._close_scope()
        sup = suppressions(self.source)
        unique: dict[tuple[str, int, int], Finding] = {}
        for f in self.findings:
            # the comment may sit on any line of the reported construct (its last, often)
            first, last = self.spans.get(id(f), (f.line, f.line))
            if not any(f.rule in sup.get(n, ()) for n in range(first, last + 1)):
                unique.setdefault((f.rule, f.line, f.col), f)
        return list(unique.values())

    def _collect_imports(self, tree: ast.Module) -> None:
        for node in _statements(tree.body):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.imports[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.imports[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def _collect_constants(self, tree: ast.Module) -> None:
        """Names assigned a platform test anywhere (``IS_WIN = os.name == 'nt'``)."""
        for stmt in _statements(tree.body):
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                    and isinstance(stmt.targets[0], ast.Name):
                imp = guards.implies(stmt.value, self.resolve, self.consts)
                if imp != guards.UNKNOWN:
                    self.consts[stmt.targets[0].id] = imp

    def resolve(self, node: ast.expr) -> str | None:
        """Dotted import path of a name or attribute chain (``o.fork`` -> ``os.fork``)."""
        if isinstance(node, ast.Name):
            return self.imports.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def _func_name(self, call: ast.Call) -> str | None:
        if isinstance(call.func, ast.Name) and call.func.id not in self.imports:
            return call.func.id  # a builtin such as open()
        return self.resolve(call.func)

    # -- reporting ------------------------------------------------------------------
    def report(self, rule: str, node: ast.AST, detail: str, fix: str | None = None,
               kind: str = "any", span: ast.AST | None = None) -> None:
        """Record a finding at ``node``; a suppression comment may sit on any line of
        ``span`` (default: ``node``), e.g. of the whole call for a keyword argument."""
        if rule not in self.enabled or self.platform_guard:
            return
        if kind == "import" and self.import_guard:
            return
        if kind == "attr" and self.attr_guard:
            return
        spec = RULES[rule]
        finding = Finding(
            rule=rule, path=self.path, line=getattr(node, "lineno", 1),
            col=getattr(node, "col_offset", 0) + 1, severity=spec.severity,
            message=f"{detail}: {spec.title}", fix=fix or spec.fix,
        )
        self.findings.append(finding)
        around = span or node
        self.spans[id(finding)] = (getattr(around, "lineno", None) or finding.line,
                                   getattr(around, "end_lineno", None) or finding.line)

    # -- traversal with guards --------------------------------------------------------
    def generic_visit(self, node: ast.AST) -> None:
        for _name, value in ast.iter_fields(node):
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

    def _implies(self, test: ast.expr) -> guards.Implication:
        return guards.implies(test, self.resolve, self.consts)

    def _posix_from_here(self, stmt: ast.stmt) -> bool:
        """Is the rest of the block only reached on POSIX (an early-exit guard)?"""
        if isinstance(stmt, ast.If):
            when_true, when_false = self._implies(stmt.test)
            if when_false == "posix" and _terminates(stmt.body):
                return True
            return when_true == "posix" and _terminates(stmt.orelse)
        if isinstance(stmt, ast.Assert):
            return self._implies(stmt.test)[0] == "posix"
        return False

    def _visit_guarded(self, nodes: list[ast.stmt] | ast.expr, guarded: bool) -> None:
        self.platform_guard += guarded
        if isinstance(nodes, list):
            self.visit_body(nodes)
        else:
            self.visit(nodes)
        self.platform_guard -= guarded

    def visit_If(self, node: ast.If) -> None:
        when_true, when_false = self._implies(node.test)
        self.visit(node.test)
        scope = self.scopes[-1]
        before = dict(scope.opened)
        self._visit_guarded(node.body, when_true == "posix")
        after_body, scope.opened = scope.opened, before  # the else branch starts afresh
        self._visit_guarded(node.orelse, when_false == "posix")
        scope.opened = {**after_body, **scope.opened}

    def visit_IfExp(self, node: ast.IfExp) -> None:
        when_true, when_false = self._implies(node.test)
        self.visit(node.test)
        self._visit_guarded(node.body, when_true == "posix")
        self._visit_guarded(node.orelse, when_false == "posix")

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        pushed = 0
        for value in node.values:
            self.visit(value)
            when_true, when_false = self._implies(value)
            side = when_true if isinstance(node.op, ast.And) else when_false
            if side == "posix":
                self.platform_guard += 1
                pushed += 1
        self.platform_guard -= pushed

    def _caught(self, handlers: list[ast.ExceptHandler]) -> set[str]:
        names: set[str] = set()
        for handler in handlers:
            if handler.type is None:
                names |= _CATCH_ALL
                continue
            types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            names.update(_last_name(t) for t in types)
        return names

    def visit_Try(self, node: ast.Try | ast.TryStar) -> None:
        caught = self._caught(node.handlers)
        imp = bool(caught & _IMPORT_ERRORS)
        attr = bool(caught & _ATTR_ERRORS)
        self.import_guard += imp
        self.attr_guard += attr
        scope = self.scopes[-1]
        before = dict(scope.opened)
        self.visit_body(node.body)
        self.import_guard -= imp
        self.attr_guard -= attr
        after_body = scope.opened
        for handler in node.handlers:
            scope.opened = dict(before)  # the body may have failed before its open()
            self.visit(handler)
        scope.opened = after_body
        self.visit_body(node.orelse)
        self.visit_body(node.finalbody)

    def visit_TryStar(self, node: ast.TryStar) -> None:
        self.visit_Try(node)

    def _skips_on_windows(self, decorators: list[ast.expr]) -> bool:
        for deco in decorators:
            if not isinstance(deco, ast.Call) or not deco.args:
                continue
            name = _last_name(deco.func).lower()
            when_true, when_false = self._implies(deco.args[0])
            if name == "skipif" and when_false == "posix":
                return True
            if name == "skipunless" and when_true == "posix":
                return True
        return False

    def _visit_def(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        guarded = self._skips_on_windows(node.decorator_list)
        self.platform_guard += guarded
        is_func = not isinstance(node, ast.ClassDef)
        if is_func:
            self.scopes.append(_Scope())
        saved_open, self.open_keys = self.open_keys, []
        self.generic_visit(node)
        self.open_keys = saved_open
        if is_func:
            self._close_scope()
        self.platform_guard -= guarded

    visit_FunctionDef = _visit_def
    visit_AsyncFunctionDef = _visit_def
    visit_ClassDef = _visit_def

    def visit_Lambda(self, node: ast.Lambda) -> None:
        """A lambda runs later: open files around it say nothing about its body."""
        saved_open, self.open_keys = self.open_keys, []
        self.scopes.append(_Scope())
        self.generic_visit(node)
        self._close_scope()
        self.open_keys = saved_open

    def _close_scope(self) -> None:
        scope = self.scopes.pop()
        for sub in scope.slices:
            named = not scope.saw_other_scheme and any(
                h in _last_name(sub.value).lower() for h in _URI_NAME_HINTS)
            if scope.saw_file_uri or named:
                self.findings.append(self._slice_finding(sub))

    def _slice_finding(self, sub: ast.Subscript) -> Finding:
        spec = RULES["WP603"]
        return Finding("WP603", self.path, sub.lineno, sub.col_offset + 1, spec.severity,
                       f"[7:] slice of a file:// URI: {spec.title}", spec.fix)

    def visit_Expr(self, node: ast.Expr) -> None:
        if _const_str(node.value) is not None:
            return  # a docstring or bare string: not code
        self.visit(node.value)

    # -- imports ------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            top = alias.name.split(".")[0]
            if top in POSIX_MODULES:
                self.report("WP301", node, f"import {alias.name}", _MODULE_FIX.get(top),
                            kind="import")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return
        top = node.module.split(".")[0]
        if top in POSIX_MODULES:
            self.report("WP301", node, f"from {node.module} import ...", _MODULE_FIX.get(top),
                        kind="import")
            return
        for alias in node.names:
            self._name_use(node.module, alias.name, node, "import")

    def _name_use(self, module: str, name: str, node: ast.AST, kind: str) -> None:
        if module == "os" and name in OS_RULE:
            self.report(OS_RULE[name], node, f"os.{name}", kind=kind)
        elif module == "signal" and name in MISSING_SIGNALS:
            self.report("WP201", node, f"signal.{name}", _SIGNAL_FIX.get(name), kind=kind)
        elif module == "signal" and name in SIGNAL_FUNCS:
            self.report("WP202", node, f"signal.{name}", kind=kind)

    # -- names, calls, constants ------------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, ast.Load | ast.Del):
            base = self.resolve(node.value)
            if base in ("os", "signal"):
                self._name_use(base, node.attr, node, "attr")
            elif base in ("signal.Signals", "signal.Handlers", "signal.Sigmasks"):
                self._name_use("signal", node.attr, node, "attr")
        self.visit(node.value)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if not isinstance(value, str):
            return
        if "://" in value[:16] and not value.startswith(_FILE_SCHEME):
            self.scopes[-1].saw_other_scheme = True
        if not value.startswith(("/", "file:", "http")):
            return
        if value.startswith(_FILE_SCHEME):
            self.scopes[-1].saw_file_uri = True
        elif value in _PSEUDO_FS_EXACT or value.startswith(_PSEUDO_FS):
            fix = "use os.devnull" if value == "/dev/null" else None  # winci: ignore[WP602]
            self.report("WP602", node, repr(value), fix)
        elif value.startswith(_ANY_URLS):
            self.report("WP702", node, repr(value))

    def visit_arguments(self, node: ast.arguments) -> None:
        for default in [*node.defaults, *node.kw_defaults]:
            if default is not None:
                self._default_path(default)
        self.generic_visit(node)

    def _default_path(self, node: ast.expr) -> None:
        value = _const_str(node)
        if not value:
            return
        path = value.removeprefix("file://")  # winci: ignore[WP603]
        if path in _DEFAULT_PATH_EXACT or path.startswith(_DEFAULT_PATH_PREFIXES):
            self.report("WP601", node, repr(value))

    def visit_Subscript(self, node: ast.Subscript) -> None:
        sl = node.slice
        if isinstance(sl, ast.Slice) and sl.upper is None and sl.step is None \
                and sl.lower is not None:
            lower = sl.lower
            if isinstance(lower, ast.Constant) and lower.value == 7:
                if not self.platform_guard and "WP603" in self.enabled:
                    self.scopes[-1].slices.append(node)
            elif isinstance(lower, ast.Call) and _last_name(lower.func) == "len" \
                    and lower.args and (_const_str(lower.args[0]) or "").startswith(_FILE_SCHEME):
                self.report("WP603", node, "slice by len('file://')")
        elif isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute) \
                and node.value.func.attr in ("split", "rsplit", "partition", "rpartition") \
                and node.value.args \
                and (_const_str(node.value.args[0]) or "").startswith(_FILE_SCHEME):
            self.report("WP603", node, f".{node.value.func.attr}('file://')[...]")
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if not isinstance(node.op, ast.Add):
            left = _const_str(node.left)
            if isinstance(node.op, ast.Mod) and left is not None \
                    and _uri_from_path(left, "%") and _const_str(node.right) is None:
                self.report("WP604", node, f"{left!r} %")
            self.generic_visit(node)
            return
        # A chain a + b + c is one flat list of parts: no deep recursion on long chains.
        parts = _add_chain(node)
        texts = [_const_str(p) for p in parts]
        for text, nxt in itertools.pairwise(texts):
            if text is not None and nxt is None and _uri_from_path(text, "%"):
                self.report("WP604", node, f"{text!r} +")
                break
        has_colon = any(t is not None and (t[:1] == ":" or t[-1:] == ":") for t in texts)
        if has_colon and any(self._is_path_env(p) for p in parts):
            self.report("WP801", node, "':' concatenated with PATH")
        for part in parts:
            self.visit(part)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        first = _const_str(node.values[0]) if node.values else None
        if first is not None and first in ("file://", "file:///") and len(node.values) > 1 \
                and isinstance(node.values[1], ast.FormattedValue):
            self.report("WP604", node, "f'file://{...}'")
        elif any((_const_str(v) or "").startswith(":") or (_const_str(v) or "").endswith(":")
                 for v in node.values) and any(
                     isinstance(v, ast.FormattedValue) and self._is_path_env(v.value)
                     for v in node.values):
            self.report("WP801", node, "f-string joining PATH with ':'")
        self.generic_visit(node)

    def _is_path_env(self, node: ast.expr) -> bool:
        """``os.environ['PATH']``, ``os.environ.get('PATH')``, ``os.getenv('PYTHONPATH')``."""
        key: str | None = None
        if isinstance(node, ast.Subscript):
            key = _const_str(node.slice)
        elif isinstance(node, ast.Call) and node.args:
            if _last_name(node.func) in ("get", "getenv", "pop", "setdefault"):
                key = _const_str(node.args[0])
        return key is not None and key.endswith("PATH") and key.isupper()

    def _is_pathish(self, node: ast.expr) -> bool:
        if self._is_path_env(node) or self.resolve(node) == "sys.path":
            return True
        if isinstance(node, ast.List | ast.Tuple):
            return any(self._is_path_env(e) for e in node.elts)
        return False

    def visit_Assign(self, node: ast.Assign) -> None:
        self._colon_join_target(node.targets, node.value)
        if any(self._is_default_target(t) for t in node.targets):
            self._default_path(node.value)
        self._track_open_assign(node.targets, node.value)
        self.generic_visit(node)

    def _is_default_target(self, target: ast.expr) -> bool:
        """A module-style constant (``DEFAULT_DIR``) or an environment variable."""
        if isinstance(target, ast.Name):
            return target.id.isupper()
        return isinstance(target, ast.Subscript) and self.resolve(target.value) == "os.environ"

    def _colon_join_target(self, targets: list[ast.expr], value: ast.expr) -> None:
        if not any(self._is_path_env(t) or _last_name(t).endswith("PATH") for t in targets):
            return
        if self._is_colon_join(value):
            self.report("WP801", value, "':'.join(...) assigned to PATH")

    def _is_colon_join(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "join" and _const_str(node.func.value) == ":"

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            k = _const_str(key)
            if k and k.endswith("PATH") and k.isupper() and self._is_colon_join(value):
                self.report("WP801", value, f"':'.join(...) for {k}")
        self.generic_visit(node)

    # -- open handles ---------------------------------------------------------------
    def _open_key(self, call: ast.expr) -> str | None:
        """Key of the path a call opens, or of ``<var>.name`` for a temporary file."""
        if not isinstance(call, ast.Call):
            return None
        name = self._func_name(call)
        if name in _OPEN_FUNCS and call.args:
            return _key(call.args[0])
        return None

    def _track_open_assign(self, targets: list[ast.expr], value: ast.expr) -> None:
        if len(targets) != 1 or not isinstance(targets[0], ast.Name):
            return
        var = targets[0].id
        scope = self.scopes[-1]
        key = self._open_key(value)
        if key is not None:
            scope.opened[var] = key
        elif isinstance(value, ast.Call) and self._func_name(value) in _TEMPFILE_FUNCS:
            scope.opened[var] = _key(ast.Attribute(ast.Name(var, ast.Load()), "name", ast.Load()))
        else:
            scope.opened.pop(var, None)

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        keys: list[str] = []
        for item in node.items:
            self.visit(item)
            key = self._open_key(item.context_expr)
            if key is not None:
                keys.append(key)
            elif isinstance(item.context_expr, ast.Call) \
                    and self._func_name(item.context_expr) in _TEMPFILE_FUNCS \
                    and isinstance(item.optional_vars, ast.Name):
                keys.append(_key(ast.Attribute(ast.Name(item.optional_vars.id, ast.Load()), "name",
                                                  ast.Load())))
        self.open_keys.extend(keys)
        self.visit_body(node.body)
        del self.open_keys[len(self.open_keys) - len(keys):]
        for item in node.items:  # `with f:` closes a file opened earlier
            if isinstance(item.context_expr, ast.Name):
                self.scopes[-1].opened.pop(item.context_expr.id, None)

    visit_AsyncWith = visit_With

    def _is_open(self, arg: ast.expr) -> bool:
        key = _key(arg)
        return key in self.open_keys or key in self.scopes[-1].opened.values()

    # -- calls ------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        name = self._func_name(node)
        if name is not None:
            self._check_call(name, node)
        elif isinstance(node.func, ast.Attribute):
            self._check_method(node.func.attr, node)
        for kw in node.keywords:
            if kw.arg == "default":
                self._default_path(kw.value)
        if _last_name(node.func) in ("get", "getenv", "setdefault") and len(node.args) == 2:
            self._default_path(node.args[1])
        self.generic_visit(node)

    def _check_method(self, attr: str, node: ast.Call) -> None:
        if attr == "close" and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name):
            self.scopes[-1].opened.pop(node.func.value.id, None)
        elif attr in _CONNECT_ATTRS and node.args:
            self._connect_target(node, node.args[0])
        elif attr == "join" and _const_str(getattr(node.func, "value", None)) == ":" \
                and node.args and self._is_pathish(node.args[0]):
            self.report("WP801", node, "':'.join(...) of PATH entries", "use os.pathsep.join")
        elif attr in ("split", "rsplit") and node.args and _const_str(node.args[0]) == ":" \
                and isinstance(node.func, ast.Attribute) and self._is_path_env(node.func.value):
            self.report("WP801", node, "PATH split on ':'", "use .split(os.pathsep)")
        elif attr in ("replace", "lstrip", "removeprefix") and node.args \
                and (_const_str(node.args[0]) or "").startswith(_FILE_SCHEME):
            self.report("WP603", node, f".{attr}('file://', ...)")
        elif attr == "format" and isinstance(node.func, ast.Attribute) \
                and _uri_from_path(_const_str(node.func.value) or "", "{"):
            self.report("WP604", node, "'file://...'.format(...)")
        elif attr == "Popen":
            self._check_child(node, "subprocess.Popen")

    def _check_call(self, name: str, node: ast.Call) -> None:
        if name == "os.close" and node.args and isinstance(node.args[0], ast.Name):
            self.scopes[-1].opened.pop(node.args[0].id, None)
        if name == "getattr" and len(node.args) == 2:
            module = self.resolve(node.args[0])
            attr = _const_str(node.args[1])
            if module in ("os", "signal") and attr:
                self._name_use(module, attr, node, "attr")  # no default: AttributeError
        if name == "os.rename":
            self.report("WP401", node, "os.rename")
        if name in _REMOVE_FUNCS or name in _MOVE_FUNCS:
            args = node.args[:2] if name in _MOVE_FUNCS else node.args[:1]
            if any(self._is_open(a) for a in args):
                self.report("WP402", node, f"{name} of a file still open here")
        if name == "os.kill" and len(node.args) == 2 and isinstance(node.args[1], ast.Constant) \
                and node.args[1].value == 0:
            self.report("WP110", node, "os.kill(pid, 0)")
        if name in _SUBPROCESS_FUNCS:
            self._check_child(node, name)
        elif name in _SHELL_FUNCS:
            self.report("WP504", node, f"{name} runs a shell command (cmd.exe on Windows)")
        if name in _CONNECT_FUNCS and node.args:
            self._connect_target(node, node.args[0])
        if name == "eventlet.monkey_patch" or name == "eventlet.patcher.monkey_patch":
            self._monkey_patch(node)
        if name == "shlex.split":
            posix = next((k.value for k in node.keywords if k.arg == "posix"), None)
            if len(node.args) < 3 and not (isinstance(posix, ast.Constant) and not posix.value):
                self.report("WP802", node, "shlex.split")

    def _check_child(self, node: ast.Call, name: str) -> None:
        for kw in node.keywords:
            val = kw.value
            if isinstance(val, ast.Constant) and val.value in (None, False, -1):
                continue
            if isinstance(val, ast.Tuple | ast.List) and not val.elts:
                continue
            if isinstance(val, ast.IfExp) and self._implies(val.test) != guards.UNKNOWN:
                continue  # chosen by a platform test: `x if os.name != 'nt' else None`
            if kw.arg == POPEN_PREEXEC:
                self.report("WP501", kw.value, f"{name}(preexec_fn=...)", span=node)
            elif kw.arg == POPEN_PASS_FDS:
                self.report("WP503", kw.value, f"{name}(pass_fds=...)", span=node)
            elif kw.arg in POPEN_SESSION_ARGS:
                self.report("WP502", kw.value, f"{name}({kw.arg}=...)", span=node)
            elif kw.arg == "prlimit" and name.startswith("oslo_concurrency"):
                self.report("WP506", kw.value, f"{name}(prlimit=...)", span=node)
            elif kw.arg == "shell" and isinstance(val, ast.Constant) and val.value is True:
                self.report("WP504", kw.value, f"{name}(shell=True) runs cmd.exe on Windows",
                            span=node)
        if not node.args:
            return
        first = node.args[0]
        if name.startswith("oslo_concurrency"):
            argv0 = first
        elif isinstance(first, ast.List | ast.Tuple) and first.elts:
            argv0 = first.elts[0]
        else:
            argv0 = first
        prog = _const_str(argv0)
        if not prog or not prog.strip():
            return
        prog = prog.split()[0]
        if prog.startswith(_POSIX_BIN_PREFIXES):
            self.report("WP505", argv0, f"program {prog!r}")
        elif prog in POSIX_TOOLS:
            self.report("WP504", argv0, f"program {prog!r} does not exist on Windows")

    def _connect_target(self, node: ast.Call, target: ast.expr) -> None:
        host = target.elts[0] if isinstance(target, ast.Tuple) and target.elts else target
        if _const_str(host) in ("0.0.0.0", "::"):
            self.report("WP702", node, f"connect to {_const_str(host)!r}")

    def _monkey_patch(self, node: ast.Call) -> None:
        if any(kw.arg is None for kw in node.keywords):
            return  # **kwargs: cannot tell
        os_kw = next((kw.value for kw in node.keywords if kw.arg == "os"), None)
        if isinstance(os_kw, ast.Constant) and os_kw.value is False:
            return
        if os_kw is not None and not isinstance(os_kw, ast.Constant):
            return  # os=<expression>: probably platform-dependent
        self.report("WP701", node, "eventlet.monkey_patch() without os=False")


def check_source(source: str, path: str, enabled: frozenset[str]) -> list[Finding]:
    """Findings for one file's text (a parse failure is finding WP000)."""
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        spec = RULES["WP000"]
        if "WP000" not in enabled:
            return []
        line = getattr(exc, "lineno", None) or 1
        return [Finding("WP000", path, line, 1, spec.severity,
                        f"{type(exc).__name__}: {getattr(exc, 'msg', exc)}", spec.fix)]
    try:
        return Checker(path, source, enabled).check(tree)
    except RecursionError:
        if "WP000" not in enabled:
            return []
        spec = RULES["WP000"]
        return [Finding("WP000", path, 1, 1, spec.severity,
                        "nested too deeply to check", "split the deeply nested expression")]

