"""The Windows MSI of Glance (``winci build msi``), built on Linux.

- :mod:`~.inputs`: what goes in: Glance's wheel from the prepared work tree, the
  service package's wheel (``packaging/windows/service``), and the Windows
  environment pip makes of them inside Windows CPython under Wine (markers evaluated
  for win32, Windows wheels chosen, pinned by the constraints);
- :mod:`~.stage`: the tree the MSI installs, laid out from python.org's embeddable
  CPython, that environment's site-packages and Glance's shipped files;
- :mod:`~.wxs`: the WiX fragment listing that tree (stable ids and GUIDs);
- :mod:`~.summary`: the package's summary stream made reproducible;
- :mod:`~.tables`: the MSI's tables read and changed with msitools (HideTarget);
- :mod:`~.build`: all of it with Debian's wixl, keyed and cached.

The MSI's own source is ``packaging/windows/glance.wxs``.
"""
