"""Each rule: code it must flag, and look-alikes it must leave alone."""

from __future__ import annotations

import textwrap

import pytest

from winci.portability import RULES, check_source


def rules_in(code: str) -> list[str]:
    src = textwrap.dedent(code)
    return [f.rule for f in check_source(src, "example.py", frozenset(RULES))]


# (rule, code that must be flagged with that rule)
FLAGGED = [
    ("WP000", "def broken(:\n    pass\n"),
    ("WP101", "import os\npid = os.fork()\n"),
    ("WP101", "from os import fork\n"),
    ("WP101", "import os as o\no.forkpty()\n"),
    ("WP102", "import os\nos.setsid()\n"),
    ("WP102", "import os\nos.setpgrp()\n"),
    ("WP103", "import os, signal\nos.killpg(1, signal.SIGTERM)\n"),
    ("WP104", "import os\nif os.getuid() == 0:\n    pass\n"),
    ("WP104", "import os\nos.geteuid()\nos.getgid()\n"),
    ("WP105", "import os\nos.chown('f', 1, 1)\n"),
    ("WP106", "import os\nos.waitpid(-1, os.WNOHANG)\n"),
    ("WP106", "import os\nos.wait()\n"),
    ("WP107", "import os\nst = os.statvfs('/data')\n"),
    ("WP108", "import os\nos.mkfifo('pipe')\n"),
    ("WP109", "import os\nos.uname()\n"),
    ("WP110", "import os\nos.kill(pid, 0)\n"),
    ("WP201", "import signal\nsignal.signal(signal.SIGHUP, handler)\n"),
    ("WP201", "import signal\nos.kill(pid, signal.SIGKILL)\n"),
    ("WP201", "from signal import SIGUSR1\n"),
    ("WP201", "import signal\nsignal.SIGCHLD\n"),
    ("WP201", "import signal\nsig = signal.Signals.SIGHUP\n"),
    ("WP201", "import signal\nsig = getattr(signal, 'SIGHUP')\n"),
    ("WP202", "import signal\nsignal.alarm(5)\n"),
    ("WP202", "import signal\nsignal.setitimer(signal.ITIMER_REAL, 1)\n"),
    ("WP301", "import fcntl\n"),
    ("WP301", "import pwd, grp\n"),
    ("WP301", "def f():\n    import resource\n"),
    ("WP301", "from termios import tcgetattr\n"),
    ("WP301", "import xattr\n"),
    ("WP301", "try:\n    import syslog\nexcept ValueError:\n    pass\n"),
    ("WP401", "import os\nos.rename(tmp, final)\n"),
    ("WP401", "from os import rename\nrename(a, b)\n"),
    ("WP402", "import os\nwith open(p) as f:\n    os.remove(p)\n"),
    ("WP402", "import os\ndef f(p):\n    fh = open(p, 'rb')\n    os.unlink(p)\n"),
    ("WP402", "import os\ndef f(p, q):\n    with open(p) as fh:\n        os.replace(q, p)\n"),
    ("WP402", "import os, tempfile\nwith tempfile.NamedTemporaryFile() as t:\n"
              "    os.unlink(t.name)\n"),
    ("WP501", "import subprocess\nsubprocess.Popen(cmd, preexec_fn=os.setpgrp)\n"),
    ("WP501", "from oslo_concurrency import processutils\n"
              "processutils.execute('qemu-img', 'info', preexec_fn=f)\n"),
    ("WP502", "import subprocess\nsubprocess.run(cmd, start_new_session=True)\n"),
    ("WP502", "import subprocess\nsubprocess.run(cmd, user='glance')\n"),
    ("WP503", "import subprocess\nsubprocess.Popen(cmd, pass_fds=(3,))\n"),
    ("WP504", "import subprocess\nsubprocess.call(['sudo', 'ls'])\n"),
    ("WP504", "import subprocess\nsubprocess.check_output('pgrep -f glance', shell=True)\n"),
    ("WP504", "import os\nos.system('rm -rf x')\n"),
    ("WP504", "from oslo_concurrency import processutils as putils\n"
              "putils.execute('chown', u, p)\n"),
    ("WP504", "def execute(cmd):\n    pass\nexecute('which %s' % exe, raise_error=False)\n"),
    ("WP504", "class C:\n    def f(self):\n        self._execute('grep', '-F', 'x', p)\n"),
    ("WP505", "import subprocess\nsubprocess.run(['/usr/bin/pgrep', 'x'])\n"),
    ("WP505", "import subprocess\nsubprocess.run(['/bin/sh', '-c', 'x'])\n"),
    ("WP506", "from oslo_concurrency import processutils as putils\n"
              "putils.execute('qemu-img', 'info', p, prlimit=LIMITS)\n"),
    ("WP601", "def f(path='/tmp/staging'):\n    pass\n"),
    ("WP601", "from oslo_config import cfg\ncfg.StrOpt('dir', default='/var/lib/glance/images')\n"),
    ("WP601", "cfg.StrOpt('uri', default='file:///tmp/staging/')\n"),
    ("WP601", "import os\nd = os.environ.get('CONF_DIR', '/etc/glance')\n"),
    ("WP601", "import os\nos.environ['PYTHON_EGG_CACHE'] = '/tmp'\n"),
    ("WP601", "DEFAULT_DIR = '/var/lib/glance'\n"),
    ("WP602", "import os\nos.path.exists('/proc/%s' % pid)\n"),
    ("WP602", "open('/dev/null', 'w')\n"),
    ("WP602", "p = f'/proc/{pid}/status'\n"),
    ("WP603", "def f(uri):\n    return uri[7:]\n"),
    ("WP603", "def f(x):\n    if x.startswith('file://'):\n        x = x[7:]\n    return x\n"),
    ("WP603", "path = location.split('file://')[-1]\n"),
    ("WP603", "path = location.replace('file://', '')\n"),
    ("WP603", "path = loc[len('file://'):]\n"),
    ("WP604", "uri = 'file://%s' % path\n"),
    ("WP604", "uri = 'file://' + path\n"),
    ("WP604", "uri = f'file://{path}'\n"),
    ("WP604", "uri = 'file://{}'.format(path)\n"),
    ("WP604", "prefix = \"%s://%s\" % ('file', path)\n"),
    ("WP701", "import eventlet\neventlet.monkey_patch()\n"),
    ("WP701", "import eventlet\neventlet.monkey_patch(os=True, thread=True)\n"),
    ("WP701", "from eventlet import monkey_patch\nmonkey_patch(thread=True)\n"),
    ("WP702", "import socket\ns = socket.socket()\ns.connect(('0.0.0.0', 9292))\n"),
    ("WP702", "import socket\nsocket.create_connection(('0.0.0.0', 80))\n"),
    ("WP702", "url = 'http://0.0.0.0:9292/v2/images'\n"),
    ("WP801", "import os\nenv['PATH'] = ':'.join([bindir, os.environ['PATH']])\n"),
    ("WP801", "import os\np = os.environ['PATH'] + ':' + bindir\n"),
    ("WP801", "import os\ndirs = os.environ['PATH'].split(':')\n"),
    ("WP801", "import sys\nenv = {'PYTHONPATH': ':'.join(sys.path)}\n"),
    ("WP801", "import os\np = f\"{bindir}:{os.environ['PATH']}\"\n"),
    ("WP802", "import shlex\nargs = shlex.split(cmd)\n"),
]

# (rule, code that must NOT be flagged with that rule: guarded, suppressed, look-alikes)
CLEAN = [
    ("WP101", "import os\nif os.name != 'nt':\n    os.fork()\n"),
    ("WP101", "import os\nif hasattr(os, 'fork'):\n    os.fork()\n"),
    ("WP101", "import os\nif os.name == 'nt':\n    spawn()\nelse:\n    os.fork()\n"),
    ("WP101", "import sys, os\nif sys.platform == 'win32':\n    spawn()\nelse:\n    os.fork()\n"),
    ("WP101", "import os\ndef f():\n    if os.name == 'nt':\n        return spawn()\n"
              "    return os.fork()\n"),
    ("WP101", "import os\ndef f():\n    if not hasattr(os, 'fork'):\n        raise RuntimeError\n"
              "    os.fork()\n"),
    ("WP101", "import os\nIS_WINDOWS = os.name == 'nt'\nif not IS_WINDOWS:\n    os.fork()\n"),
    ("WP101", "import os\nfrom winci.platform import IS_WINDOWS\nif not IS_WINDOWS:\n"
              "    os.fork()\n"),
    ("WP101", "import os\npid = os.fork() if hasattr(os, 'fork') else None\n"),
    ("WP101", "import os, sys\ndef f():\n    posix = sys.platform != 'win32'\n"
              "    if posix:\n        os.fork()\n"),
    ("WP101", "import os\nclass C:\n    WIN = os.name == 'nt'\n    def f(self):\n"
              "        if self.WIN:\n            return\n        os.fork()\n"),
    ("WP101", "import os\nok = hasattr(os, 'fork') and os.fork()\n"),
    ("WP101", "import os\npid = os.fork()  # winci: ignore[WP101]\n"),
    ("WP101", "import os\ntry:\n    os.fork()\nexcept AttributeError:\n    pass\n"),
    ("WP101", "import os, sys\nif sys.platform.startswith('linux'):\n    os.fork()\n"),
    ("WP101", "import os, platform\nif platform.system() != 'Windows':\n    os.fork()\n"),
    ("WP101", "import os\nassert os.name == 'posix'\nos.fork()\n"),
    ("WP101", "import os, unittest\nclass T(unittest.TestCase):\n"
              "    @unittest.skipIf(os.name == 'nt', 'posix only')\n"
              "    def test_fork(self):\n        os.fork()\n"),
    ("WP101", "import os\nclass T:\n    def test_fork(self):\n"
              "        if os.name == 'nt':\n            self.skipTest('posix')\n"
              "        os.fork()\n"),
    ("WP101", "fork()\nself.os.fork()\n"),  # not the os module
    ("WP101", "import os\nos.fork = None\n"),  # assignment (a test monkeypatching)
    ("WP102", "import os\nif hasattr(os, 'setsid'):\n    os.setsid()\n"),
    ("WP103", "import psutil\npsutil.Process(pid).kill()\n"),
    ("WP105", "import os\nos.chmod('f', 0o600)\n"),
    ("WP106", "import os\nos.waitpid(pid, 0)\n"),
    ("WP107", "import shutil\nshutil.disk_usage('/data')\n"),
    ("WP108", "import os\nif os.name == 'posix':\n    os.mkfifo('pipe')\n"),
    ("WP109", "import platform\nplatform.uname()\n"),
    ("WP202", "import signal\nif hasattr(signal, 'alarm'):\n    signal.alarm(5)\n"),
    ("WP202", "import threading\nthreading.Timer(5, f).start()\n"),
    ("WP104", "import os, getpass\nuser = getpass.getuser()\nos.getpid()\n"),
    ("WP110", "import os, signal\nos.kill(pid, signal.SIGTERM)\n"),
    ("WP201", "import signal\nsignal.signal(signal.SIGTERM, handler)\n"),
    ("WP201", "import signal\nsig = getattr(signal, 'SIGHUP', None)\n"),
    ("WP201", "import signal\nif hasattr(signal, 'SIGHUP'):\n"
              "    signal.signal(signal.SIGHUP, h)\n"),
    ("WP201", "import signal\nSIGHUP = 1\nx = SIGHUP\n"),
    ("WP301", "try:\n    import fcntl\nexcept ImportError:\n    fcntl = None\n"),
    ("WP301", "import os\nif os.name == 'nt':\n    import msvcrt\nelse:\n    import fcntl\n"),
    ("WP301", "import fcntl  # winci: ignore[WP301]\n"),
    ("WP301", "import os\nif os.name == 'nt':\n    raise ImportError('POSIX only')\n"
              "import fcntl\n"),
    ("WP301", "from . import pwd\nimport pwdhash\nimport mypkg.fcntl\n"),
    ("WP301", "try:\n    import xattr\nexcept Exception:\n    xattr = None\n"),
    ("WP401", "import os\nos.replace(tmp, final)\n"),
    ("WP401", "import os\nos.rename(a, b)  # winci: ignore[WP401]\n"),
    ("WP401", "path.rename(other)\n"),
    ("WP402", "import os\nwith open(p) as f:\n    data = f.read()\nos.remove(p)\n"),
    ("WP402", "import os\ndef f(p):\n    fh = open(p)\n    fh.close()\n    os.unlink(p)\n"),
    ("WP402", "import os\nwith open(p) as f:\n    os.remove(q)\n"),
    ("WP402", "import os\nwith open(p) as f:\n    cleanup(lambda: os.remove(p))\n"),
    ("WP402", "import os\ndef f(p):\n    fd = os.open(p, os.O_RDONLY)\n    os.close(fd)\n"
              "    os.unlink(p)\n"),
    ("WP402", "import os, tempfile\ndef f(name):\n    t = tempfile.NamedTemporaryFile()\n"
              "    with t:\n        t.write(b'x')\n    os.replace(t.name, name)\n"),
    ("WP402", "import os\ndef f(p):\n    try:\n        fh = open(p, 'w')\n"
              "    except OSError:\n        os.unlink(p)\n"),
    ("WP402", "import os\ndef f(p, new):\n    if new:\n        fh = open(p)\n"
              "    else:\n        os.unlink(p)\n"),
    ("WP501", "import subprocess\nsubprocess.Popen(cmd, preexec_fn=None)\n"),
    ("WP501", "def run(preexec_fn=None):\n    pass\nrun(preexec_fn=f)\n"),
    ("WP501", "import os, subprocess\nif os.name != 'nt':\n"
              "    subprocess.Popen(cmd, preexec_fn=f)\n"),
    ("WP502", "import subprocess\nsubprocess.run(cmd, start_new_session=False)\n"),
    ("WP503", "import subprocess\nsubprocess.Popen(cmd, pass_fds=())\n"),
    ("WP504", "import subprocess, sys\nsubprocess.run([sys.executable, '-m', 'pip'])\n"),
    ("WP504", "import subprocess\nsubprocess.run(['qemu-img', 'info', 'x'])\n"),
    ("WP504", "import subprocess\nsubprocess.run(['git', 'status'], shell=False)\n"),
    ("WP504", "print('sudo make me a sandwich')\n"),
    ("WP505", "import subprocess\nsubprocess.run(['python', '/usr/lib/x.py'])\n"),
    ("WP506", "from oslo_concurrency import processutils as putils\nimport os\n"
              "putils.execute('qemu-img', prlimit=LIMITS if os.name != 'nt' else None)\n"),
    ("WP506", "def execute(*a, prlimit=None):\n    pass\nexecute('x', prlimit=LIMITS)\n"),
    ("WP601", "def f(path='/v2/images'):\n    pass\n"),
    ("WP601", "import tempfile\ndef f(path=None):\n    path = path or tempfile.gettempdir()\n"),
    ("WP601", "LOG.info('/etc/glance is not used')\n"),
    ("WP601", "default_dir = '/etc/glance'\n"),  # not a constant name
    ("WP602", "def f():\n    '''Reads /proc/meminfo.'''\n"),
    ("WP602", "import os\nopen(os.devnull, 'w')\n"),
    ("WP602", "x = 'see /proc/meminfo'\n"),
    ("WP602", "import sys\nif sys.platform.startswith('linux'):\n    open('/proc/meminfo')\n"),
    ("WP603", "def f(line):\n    return line[7:]\n"),
    ("WP603", "def f(data):\n    return data[7:]\n"),
    ("WP603", "def f(url):\n    if url.startswith('fake://'):\n        return url[7:]\n"),
    ("WP603", "from urllib.parse import urlparse\npath = urlparse(uri).path\n"),
    ("WP603", "path = uri.split('://')[-1]\n"),
    ("WP604", "uri = 'file:///etc/hosts'\n"),
    ("WP604", "uri = 'file:///g/there/it/is%d' % i\n"),
    ("WP604", "import pathlib\nuri = pathlib.Path(path).as_uri()\n"),
    ("WP604", "uri = 'http://%s' % host\n"),
    ("WP604", "prefix = '%s://%s' % ('http', host)\n"),
    ("WP604", "prefix = '%s://%s' % (scheme, path)\n"),
    ("WP701", "import eventlet\neventlet.monkey_patch(os=False)\n"),
    ("WP701", "import eventlet, os\neventlet.monkey_patch(os=os.name != 'nt')\n"),
    ("WP701", "import eventlet\neventlet.monkey_patch(**opts)\n"),
    ("WP701", "import gevent.monkey\ngevent.monkey.patch_all()\n"),
    ("WP702", "import socket\ns = socket.socket()\ns.bind(('0.0.0.0', 9292))\n"),
    ("WP702", "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 9292))\n"),
    ("WP702", "bind_host = '0.0.0.0'\n"),
    ("WP801", "import os\nenv['PATH'] = os.pathsep.join([bindir, os.environ['PATH']])\n"),
    ("WP801", "addr = ':'.join([host, port])\n"),
    ("WP801", "import os\nparts = os.environ['PATH'].split(os.pathsep)\n"),
    ("WP801", "key = 'a' + ':' + b\n"),
    ("WP802", "import shlex\nargs = shlex.split(cmd, posix=False)\n"),
    ("WP802", "line.split()\n"),
    ("WP802", "import shlex\nargs = shlex.split(cmd)  # winci: ignore[WP802]\n"),
]


@pytest.mark.parametrize(("rule", "code"), FLAGGED, ids=[f"{r}-{i}" for i, (r, _) in
                                                           enumerate(FLAGGED)])
def test_flagged(rule: str, code: str) -> None:
    assert rule in rules_in(code)


@pytest.mark.parametrize(("rule", "code"), CLEAN, ids=[f"{r}-{i}" for i, (r, _) in
                                                       enumerate(CLEAN)])
def test_not_flagged(rule: str, code: str) -> None:
    assert rule not in rules_in(code)


def test_every_rule_has_flagged_and_clean_examples() -> None:
    flagged = {r for r, _ in FLAGGED}
    clean = {r for r, _ in CLEAN}
    missing = sorted((set(RULES) - flagged) | (set(RULES) - clean - {"WP000"}))
    assert missing == []


def test_finding_fields() -> None:
    src = "import os\n\nx = 1\npid = os.fork()\n"
    (f,) = check_source(src, "pkg/mod.py", frozenset(RULES))
    assert (f.rule, f.path, f.line, f.col) == ("WP101", "pkg/mod.py", 4, 7)
    assert f.severity.label == "error"
    assert "os.fork" in f.message
    assert "subprocess" in f.fix


def test_suppression_names_only_its_rule() -> None:
    src = "import os\nos.rename(os.fork(), b)  # winci: ignore[WP401]\n"
    assert rules_in(src) == ["WP101"]
    src = "import os\nos.rename(os.fork(), b)  # winci: ignore[WP401, wp101]\n"
    assert rules_in(src) == []
    # a bare ignore (no rule named) does not suppress anything
    assert rules_in("import fcntl  # winci: ignore\n") == ["WP301"]


def test_guard_does_not_leak_past_its_block() -> None:
    src = textwrap.dedent("""\
        import os
        if os.name != 'nt':
            os.fork()
        os.setsid()
        """)
    assert rules_in(src) == ["WP102"]


def test_windows_branch_is_not_guarded() -> None:
    # code under `if os.name == 'nt':` runs on Windows: still reported
    src = "import os\nif os.name == 'nt':\n    os.fork()\n"
    assert rules_in(src) == ["WP101"]


def test_or_of_platform_tests_is_not_a_guard() -> None:
    src = "import os\nif os.name != 'nt' or force:\n    os.fork()\n"
    assert rules_in(src) == ["WP101"]


def test_and_with_platform_test_is_a_guard() -> None:
    src = "import os\nif force and os.name != 'nt':\n    os.fork()\n"
    assert rules_in(src) == []


def test_early_exit_without_terminating_body_is_not_a_guard() -> None:
    src = "import os\ndef f():\n    if os.name == 'nt':\n        log()\n    os.fork()\n"
    assert rules_in(src) == ["WP101"]


def test_guarded_module_name_as_condition() -> None:
    src = textwrap.dedent("""\
        import os
        try:
            import fcntl
        except ImportError:
            fcntl = None
        if fcntl is not None:
            import resource
        """)
    assert rules_in(src) == []


def test_one_finding_per_place() -> None:
    src = "import os, sys\nenv['PYTHONPATH'] = ':'.join(sys.path)\n"
    assert rules_in(src) == ["WP801"]


def test_long_concatenation_does_not_exhaust_the_stack() -> None:
    src = "x = " + " + ".join(f"'p{i}'" for i in range(900)) + "\nimport fcntl\n"
    assert rules_in(src) == ["WP301"]
    deeper = "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    assert rules_in(deeper) == ["WP000"]  # too deep for Python's own parser: reported


def test_suppression_on_the_last_line_of_a_multiline_call() -> None:
    src = "import os\nos.rename(\n    a,\n    b,\n)  # winci: ignore[WP401]\n"
    assert rules_in(src) == []
    src = "import os\nos.rename(\n    a,\n    b,\n)\nx = 1  # winci: ignore[WP401]\n"
    assert rules_in(src) == ["WP401"]



def test_keyword_finding_suppressed_on_any_line_of_its_call() -> None:
    call = ("from oslo_concurrency import processutils\n"
            "processutils.execute(\n    'qemu-img', 'info',{first}\n"
            "    prlimit=LIMITS,\n    log_errors=True){last}\n")
    mark = "  # winci: ignore[WP506]"
    assert rules_in(call.format(first="", last="")) == ["WP506"]
    assert rules_in(call.format(first=mark, last="")) == []
    assert rules_in(call.format(first="", last=mark)) == []
    # the mark counts within the call only
    assert rules_in(call.format(first="", last="") + "x = 1" + mark + "\n") == ["WP506"]

def test_feature_check_on_an_unrelated_module_is_not_a_guard() -> None:
    src = "import os, requests\nif hasattr(requests, 'Session'):\n    os.fork()\n"
    assert rules_in(src) == ["WP101"]
    src = "import os, socket\nif hasattr(socket, 'AF_UNIX'):\n    os.fork()\n"
    assert rules_in(src) == []
