"""The catalogue of portability rules: id, severity, title and suggested fix."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from winci.errors import UsageError


class Severity(enum.IntEnum):
    """How sure a finding is to break on Windows (ordered: ``error`` is the highest)."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise UsageError(f"unknown severity {text!r}", f"use one of {names}") from None


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    fix: str


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("WP000", _E, "file could not be parsed", "fix the syntax error"),
        Rule("WP101", _E, "os.fork and fork-like calls do not exist on Windows",
             "start a child process with subprocess (or multiprocessing's spawn context)"),
        Rule("WP102", _E, "sessions and process groups (setsid, setpgrp...) do not exist "
             "on Windows", "use subprocess with creationflags=CREATE_NEW_PROCESS_GROUP on "
             "Windows, or guard with os.name"),
        Rule("WP103", _E, "os.killpg does not exist on Windows",
             "end the process tree with psutil, or a job object on Windows"),
        Rule("WP104", _E, "POSIX user and group ids (getuid...) do not exist on Windows",
             "guard with os.name, or use getpass.getuser() for the user name"),
        Rule("WP105", _E, "chown/chroot do not exist on Windows",
             "guard with os.name; Windows uses ACLs, not owners set by uid"),
        Rule("WP106", _E, "os.wait and the POSIX wait flags do not exist on Windows",
             "use subprocess.Popen.wait()/poll() or psutil"),
        Rule("WP107", _E, "os.statvfs does not exist on Windows",
             "use shutil.disk_usage(path)"),
        Rule("WP108", _E, "FIFOs and device nodes do not exist on Windows",
             "use a pipe from subprocess, a socket or multiprocessing.connection"),
        Rule("WP109", _E, "POSIX-only os function or constant",
             "guard with os.name or hasattr(os, ...), or use a portable alternative"),
        Rule("WP110", _E, "os.kill(pid, 0) ends the process on Windows instead of probing it",
             "use psutil.pid_exists(pid)"),
        Rule("WP201", _E, "signal that Windows does not have",
             "look it up with getattr(signal, 'SIGHUP', None) and skip it when missing"),
        Rule("WP202", _E, "signal.alarm/setitimer and other POSIX-only signal functions",
             "use threading.Timer or a timeout argument instead of SIGALRM"),
        Rule("WP301", _E, "POSIX-only module imported without a platform guard",
             "import it under `if os.name != 'nt':` or in try/except ImportError"),
        Rule("WP401", _W, "os.rename fails on Windows when the target exists",
             "use os.replace(src, dst), which overwrites on every platform"),
        Rule("WP402", _E, "file removed or renamed while a handle on it is still open",
             "close the file (leave the with block) before removing or renaming it"),
        Rule("WP501", _E, "subprocess preexec_fn raises ValueError on Windows",
             "drop preexec_fn; on Windows use creationflags or a job object"),
        Rule("WP502", _W, "POSIX-only subprocess argument (start_new_session, user, "
             "umask...) is ignored or rejected on Windows",
             "guard with os.name; use creationflags=CREATE_NEW_PROCESS_GROUP on Windows"),
        Rule("WP503", _E, "subprocess pass_fds is not supported on Windows",
             "hand over handles with socket.share()/fromshare() or close_fds=False"),
        Rule("WP504", _W, "POSIX shell or POSIX-only command run as a child process",
             "run the program directly with an argument list (no shell), or a Python "
             "equivalent (psutil instead of pgrep/kill)"),
        Rule("WP505", _W, "absolute POSIX path to a program",
             "find the program with shutil.which() or run it by name"),
        Rule("WP506", _E, "processutils.execute(prlimit=...) runs oslo_concurrency.prlimit, "
             "which needs the POSIX resource module",
             "pass prlimit only on POSIX (prlimit=limits if os.name != 'nt' else None)"),
        Rule("WP601", _W, "hard-coded POSIX path used as a default",
             "derive it from tempfile.gettempdir(), a config option or pathlib"),
        Rule("WP602", _W, "Linux pseudo-filesystem path (/proc, /sys, /dev)",
             "use psutil or os.devnull; guard with sys.platform"),
        Rule("WP603", _W, "file:// URI turned into a path by string slicing",
             "use urllib.parse.urlparse() and urllib.request.url2pathname()"),
        Rule("WP604", _W, "file:// URI built from a path by concatenation",
             "use pathlib.Path(path).absolute().as_uri()"),
        Rule("WP701", _E, "eventlet.monkey_patch() patches os, which breaks subprocess on "
             "Windows", "call monkey_patch(os=False) on Windows"),
        Rule("WP702", _E, "connecting to 0.0.0.0 fails on Windows (WSAEADDRNOTAVAIL)",
             "connect to 127.0.0.1 (or the real host); 0.0.0.0 is only for bind()"),
        Rule("WP801", _W, "PATH-like value joined or split with ':'",
             "use os.pathsep"),
        Rule("WP802", _I, "shlex.split uses POSIX rules; Windows command lines differ",
             "keep commands as argument lists; on Windows use shlex.split(s, posix=False)"),
    )
}


def select_rules(select: list[str] | None, ignore: list[str] | None) -> frozenset[str]:
    """Rule ids enabled by ``--select``/``--ignore`` (ids or prefixes such as ``WP1``)."""

    def expand(items: list[str], option: str) -> set[str]:
        out: set[str] = set()
        for raw in items:
            for item in filter(None, (p.strip().upper() for p in raw.split(","))):
                matched = {rid for rid in RULES if rid.startswith(item)}
                if not matched:
                    raise UsageError(
                        f"{option}: no rule matches {item!r}",
                        "run `winci portability --list-rules` for the ids",
                    )
                out |= matched
        return out

    enabled = expand(select, "--select") if select else set(RULES)
    if ignore:
        enabled -= expand(ignore, "--ignore")
    return frozenset(enabled)
