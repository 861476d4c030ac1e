# The hook starts before anything else: os.path on purpose, not pathlib.
# ruff: noqa: PTH113, PTH118, PTH120
"""The start-up file of the simulation: :func:`winci.simulate.install_hook` copies it as
``sitecustomize.py`` beside the :data:`PACKAGE` folder (this package's copy), so Python
runs it at start-up in every process of the test run.

It starts the simulation (:func:`.bootstrap.start`), then runs the ``sitecustomize`` it
shadows (Debian ships one). Imported under any other name it does nothing.
"""

from __future__ import annotations

import builtins
import importlib
import os
import sys
from typing import Any

#: The name this package is copied under, beside this file.
PACKAGE = "_winci_simulation"


def chain_next_sitecustomize(here: str) -> None:
    """Run the first ``sitecustomize.py`` on ``sys.path`` outside ``here``, if any."""
    for entry in sys.path:
        folder = os.path.realpath(entry or os.curdir)
        candidate = os.path.join(folder, "sitecustomize.py")
        if folder != here and os.path.isfile(candidate):
            with builtins.open(candidate, "rb") as f:
                code = compile(f.read(), candidate, "exec")
            exec(code, {"__name__": "_winci_chained_sitecustomize", "__file__": candidate})
            return


if __name__ == "sitecustomize":
    SIMULATION: Any = importlib.import_module(f"{PACKAGE}.bootstrap").start(
        startup_file=__file__)
    chain_next_sitecustomize(os.path.dirname(os.path.realpath(__file__)))
