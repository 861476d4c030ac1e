"""WP5xx: child processes started the POSIX way (preexec_fn, pass_fds, shells, POSIX tools)."""

from __future__ import annotations

import ast

from winci.portability import guards
from winci.portability.family import RuleFamily
from winci.portability.posix_api import POPEN_PASS_FDS, POPEN_PREEXEC, POPEN_SESSION_ARGS
from winci.portability.syntax import const_str, last_name

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
#: Helpers that run their first argument as a program, whoever defines them (Glance's
#: tests' ``execute('which %s' % exe)``, os-brick's ``self._execute('grep', ...)``).
_EXECUTE_HELPERS = frozenset({"execute", "_execute", "trycmd"})


class Subprocesses(RuleFamily):
    """``subprocess``/``asyncio``/``processutils`` calls: POSIX-only arguments, a shell, a
    POSIX program as argv[0]."""

    prefixes = ("WP5",)

    def check_call(self, node: ast.Call, name: str | None) -> None:
        if name in _SUBPROCESS_FUNCS:
            self._check_child(node, name)
        elif name in _SHELL_FUNCS:
            self.walk.report("WP504", node, f"{name} runs a shell command (cmd.exe on Windows)")
        elif name is None and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "Popen":
            self._check_child(node, "subprocess.Popen")
        elif last_name(node.func) in _EXECUTE_HELPERS and node.args:
            self._check_program(node.args[0], "execute")

    def _check_child(self, node: ast.Call, name: str) -> None:
        report = self.walk.report
        for kw in node.keywords:
            val = kw.value
            if isinstance(val, ast.Constant) and val.value in (None, False, -1):
                continue
            if isinstance(val, ast.Tuple | ast.List) and not val.elts:
                continue
            if isinstance(val, ast.IfExp) and self.walk.implies(val.test) != guards.UNKNOWN:
                continue  # chosen by a platform test: `x if os.name != 'nt' else None`
            if kw.arg == POPEN_PREEXEC:
                report("WP501", kw.value, f"{name}(preexec_fn=...)", span=node)
            elif kw.arg == POPEN_PASS_FDS:
                report("WP503", kw.value, f"{name}(pass_fds=...)", span=node)
            elif kw.arg in POPEN_SESSION_ARGS:
                report("WP502", kw.value, f"{name}({kw.arg}=...)", span=node)
            elif kw.arg == "prlimit" and name.startswith("oslo_concurrency"):
                report("WP506", kw.value, f"{name}(prlimit=...)", span=node)
            elif kw.arg == "shell" and isinstance(val, ast.Constant) and val.value is True:
                report("WP504", kw.value, f"{name}(shell=True) runs cmd.exe on Windows",
                       span=node)
        if node.args:
            self._check_program(node.args[0], name)

    def _check_program(self, first: ast.expr, name: str) -> None:
        """argv[0]: an absolute POSIX path (WP505) or a POSIX-only tool (WP504)."""
        if name.startswith("oslo_concurrency"):
            argv0 = first
        elif isinstance(first, ast.List | ast.Tuple) and first.elts:
            argv0 = first.elts[0]
        else:
            argv0 = first
        prog = const_str(argv0)
        if prog is None and isinstance(argv0, ast.BinOp) and isinstance(argv0.op, ast.Mod):
            prog = const_str(argv0.left)  # 'which %s' % exe: the program is in the format
        if not prog or not prog.strip():
            return
        prog = prog.split()[0]
        if prog.startswith(_POSIX_BIN_PREFIXES):
            self.walk.report("WP505", argv0, f"program {prog!r}")
        elif prog in POSIX_TOOLS:
            self.walk.report("WP504", argv0, f"program {prog!r} does not exist on Windows")
