"""Glance as Windows services, installed by the winci MSI.

- :mod:`~.layout`: the install's folders (configs, logs, data, the interpreter);
- :mod:`~.settings`: the install's settings (the MSI's public properties), read from
  the custom action's standard input, checked before anything is written;
- :mod:`~.install`: what the MSI runs after it copied the files (configs from the
  templates every winci backend uses, ``glance-manage db_sync``, recovery settings)
  and before it removes them;
- :mod:`~.api`, :mod:`~.scrubber`: what each service runs (the API: one listening
  socket, N waitress workers from glance.cmd.api_waitress; the scrubber's daemon);
- :mod:`~.host`: both as pywin32 services hosted by the installed python.exe;
- :mod:`~.winecompat`: what Windows CPython needs under Wine 8 (nothing on Windows).

No eventlet and no fork anywhere: workers are started with subprocess.
"""

__version__ = "0.1.0"
