"""Where a lane's Python runs: this host's own interpreter (the default), or another
platform's, such as Windows CPython under Wine (:mod:`winci.platforms.wine`).

A platform provides an interpreter, environments built with it, and a
:class:`~winci.lanes.executor.TestExecutor` that runs their programs.
"""
