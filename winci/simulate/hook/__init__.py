"""Start-up hook of the Windows *simulation*: imposes on a Linux Python process the parts
of Windows behaviour that Linux can emulate.

Standard library only, and no module here imports winci: :func:`winci.simulate.lane_env`
copies this package as ``_winci_simulation/`` into a folder put first on ``PYTHONPATH``,
with :mod:`.startup` beside it as ``sitecustomize.py`` and ``posix_api.py`` as
``_winci_posix_api.py``, so it runs inside the tested project's venv (Python 3.10+), not
winci's. Modules import each other relatively, so the same files also import here as
``winci.simulate.hook``. It does nothing unless ``WINCI_SIMULATE=1``. It is a simulation:
``os.name`` is still ``'posix'``, paths still use ``/`` and the kernel is still Linux.

Behaviours (``WINCI_SIMULATE_DISABLE=rename,open-files`` switches any of them off):

``os-functions``  POSIX-only ``os`` functions and constants raise AttributeError;
``signals``       signals and signal functions Windows lacks raise AttributeError;
``modules``       POSIX-only modules (fcntl, pwd, grp, resource...) fail to import,
                  for the code in scope and for the libraries it imports unguarded;
``rename``        ``os.rename`` fails with FileExistsError when the target exists;
``open-files``    removing, renaming or replacing a file this process holds open
                  fails with PermissionError (Windows' sharing violation, WinError 32);
``subprocess``    ``Popen`` rejects ``preexec_fn``, ``pass_fds`` and
                  ``start_new_session`` with ValueError;
``programs``      POSIX-only programs (grep, which, sh, pgrep...) started by name
                  are not found (FileNotFoundError, WinError 2);
``connect-any``   connecting to 0.0.0.0 (or ``''``, ``::``) fails with OSError
                  EADDRNOTAVAIL (Windows: WSAEADDRNOTAVAIL, 10049).

Modules, one job each:

- :mod:`.settings`: the behaviour names and the environment variables;
- :mod:`.startup`: the ``sitecustomize`` file: starts the simulation, then runs the
  ``sitecustomize`` it shadows;
- :mod:`.bootstrap`: reads the environment and installs the enabled behaviours;
- :mod:`.scope`: which code is held to Windows rules, and the stack walks that find it;
- :mod:`.recorder`: appends each trip to the record folder;
- :mod:`.missing_names` (os-functions, signals), :mod:`.missing_modules` (modules, with
  :mod:`.import_chain`: which library imports Windows would run),
  :mod:`.open_files` (open-files: the table of open files), :mod:`.file_ops` (rename, and
  the open-files check on rename/replace/remove), :mod:`.popen_args` (subprocess),
  :mod:`.missing_programs` (programs),
  :mod:`.connect_any` (connect-any): the emulated behaviours.
"""
