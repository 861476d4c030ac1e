"""The rule families of ``winci portability``, one module per rule id family.

Each family (a :class:`winci.portability.family.RuleFamily`) holds the detection of its
rules; :data:`FAMILIES` is the order the walker calls them in at a node.
"""

from __future__ import annotations

from winci.portability.families.eventlet_sockets import EventletAndSockets
from winci.portability.families.file_ops import FileOps
from winci.portability.families.os_functions import OsFunctions
from winci.portability.families.paths_uris import FileUris, PosixPaths
from winci.portability.families.pathsep_shlex import PathSepAndShlex
from winci.portability.families.posix_modules import PosixModules
from winci.portability.families.signals import Signals
from winci.portability.families.subprocesses import Subprocesses
from winci.portability.family import RuleFamily

#: WP1xx .. WP8xx; the order of the findings at one node follows it.
FAMILIES: tuple[type[RuleFamily], ...] = (
    OsFunctions,        # WP1xx: os.fork, setsid, getuid, wait... and os.kill(pid, 0)
    Signals,            # WP2xx: SIGHUP, SIGKILL..., signal.alarm
    PosixModules,       # WP3xx: import fcntl, pwd, resource...
    FileOps,            # WP4xx: os.rename, files removed or renamed while open
    Subprocesses,       # WP5xx: preexec_fn, pass_fds, shells, POSIX programs
    FileUris,           # WP603, WP604: file:// URIs sliced into paths, built from paths
    EventletAndSockets,  # WP7xx: monkey_patch(os=...), connecting to 0.0.0.0
    PathSepAndShlex,    # WP8xx: ':' as PATH separator, POSIX shlex.split
    PosixPaths,         # WP601, WP602: /tmp... as defaults, /proc /sys /dev (last: see it)
)

__all__ = ["FAMILIES"]
