"""The POSIX-only parts of the Python standard library that Windows lacks.

Plain data, standard library only: the rule families (:mod:`winci.portability.families`)
map these names to rules, and the simulation hook (:mod:`winci.simulate`) removes the same
names from ``os`` and ``signal`` and blocks the same modules. Availability follows the
"Availability: Unix" notes of the Python documentation (checked statically; no Windows
host ran this list).
"""

from __future__ import annotations

#: ``os.fork`` and friends: Windows has no fork.
FORK = frozenset({"fork", "forkpty", "register_at_fork", "posix_spawn", "posix_spawnp"})
#: Sessions and process groups.
PROCESS_GROUPS = frozenset(
    {"setsid", "getsid", "setpgrp", "getpgrp", "setpgid", "getpgid", "tcgetpgrp", "tcsetpgrp"}
)
KILLPG = frozenset({"killpg"})
#: User and group ids.
IDS = frozenset(
    {
        "getuid", "geteuid", "getgid", "getegid", "getgroups", "setuid", "seteuid", "setgid",
        "setegid", "setreuid", "setregid", "setgroups", "initgroups", "getresuid",
        "getresgid", "setresuid", "setresgid", "getgrouplist",
    }
)
#: File ownership and chroot.
OWNERSHIP = frozenset({"chown", "lchown", "fchown", "chroot"})
#: ``wait`` family and the POSIX wait-status flags and macros.
WAIT = frozenset(
    {
        "wait", "wait3", "wait4", "waitid", "WNOHANG", "WUNTRACED", "WCONTINUED", "WEXITED",
        "WSTOPPED", "WNOWAIT", "WIFEXITED", "WEXITSTATUS", "WIFSIGNALED", "WTERMSIG",
        "WIFSTOPPED", "WSTOPSIG", "WCOREDUMP", "WIFCONTINUED",
    }
)
STATVFS = frozenset({"statvfs", "fstatvfs"})
FIFO = frozenset({"mkfifo", "mknod", "makedev", "major", "minor"})
#: Other POSIX-only ``os`` functions and constants.
OTHER_OS = frozenset(
    {
        "nice", "getloadavg", "openpty", "ttyname", "uname", "sync", "pipe2", "fchdir",
        "pathconf", "fpathconf", "sysconf", "confstr", "ctermid", "lockf", "pread", "pwrite",
        "preadv", "pwritev", "posix_fadvise", "posix_fallocate", "fdatasync", "sendfile",
        "getxattr", "setxattr", "listxattr", "removexattr", "memfd_create", "eventfd",
        "sched_getaffinity", "sched_setaffinity", "sched_yield", "getpriority", "setpriority",
        "O_NONBLOCK", "O_CLOEXEC", "O_NOFOLLOW", "O_DIRECTORY", "O_NOCTTY", "O_SYNC",
        "O_DSYNC", "O_DIRECT", "O_ASYNC", "EX_OK", "EX_USAGE", "EX_SOFTWARE", "EX_OSERR",
    }
)
#: Every ``os`` name above: what the simulation removes from ``os``.
POSIX_ONLY_OS = (
    FORK | PROCESS_GROUPS | KILLPG | IDS | OWNERSHIP | WAIT | STATVFS | FIFO | OTHER_OS
)

#: Signal numbers the ``signal`` module lacks on Windows (it has SIGABRT, SIGFPE, SIGILL,
#: SIGINT, SIGSEGV, SIGTERM, SIGBREAK, CTRL_C_EVENT and CTRL_BREAK_EVENT).
MISSING_SIGNALS = frozenset(
    {
        "SIGHUP", "SIGQUIT", "SIGTRAP", "SIGBUS", "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGPIPE",
        "SIGALRM", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU",
        "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",
        "SIGPOLL", "SIGPWR", "SIGSYS", "SIGRTMIN", "SIGRTMAX", "SIGSTKFLT", "SIGIOT",
        "SIGCLD",
    }
)
#: ``signal`` functions and constants Windows lacks.
SIGNAL_FUNCS = frozenset(
    {
        "alarm", "setitimer", "getitimer", "pause", "siginterrupt", "sigwait", "sigwaitinfo",
        "sigtimedwait", "pthread_kill", "pthread_sigmask", "sigpending", "ITIMER_REAL",
        "ITIMER_VIRTUAL", "ITIMER_PROF", "SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK",
        "ItimerError",
    }
)

#: Modules that do not exist on Windows (standard library or common third-party).
POSIX_MODULES = frozenset(
    {
        "fcntl", "pwd", "grp", "resource", "termios", "tty", "pty", "syslog", "xattr",
        "crypt", "spwd", "nis", "posix", "ossaudiodev", "posix_ipc", "sysv_ipc", "pyinotify",
        "inotify", "inotify_simple",
    }
)

#: ``subprocess.Popen`` keyword arguments that only mean something on POSIX.
POPEN_PREEXEC = "preexec_fn"
POPEN_PASS_FDS = "pass_fds"
POPEN_SESSION_ARGS = frozenset(
    {"start_new_session", "process_group", "user", "group", "extra_groups", "umask"}
)

#: Addresses that mean "any" for bind() and cannot be connected to on Windows.
ANY_ADDRESSES = frozenset({"0.0.0.0", "", "::"})
