"""The simulation's settings: the behaviour names and the environment variables that
switch it on, say where trips go, which behaviours are off and which code is in scope.

Shared by winci (:func:`winci.simulate.lane_env` writes them) and the hook in the test
process (:mod:`.bootstrap` reads them). Standard library only.
"""

from __future__ import annotations

BEHAVIOURS = (
    "os-functions", "signals", "modules", "rename", "open-files", "subprocess", "programs",
    "connect-any",
)
ENABLE_VAR = "WINCI_SIMULATE"
DISABLE_VAR = "WINCI_SIMULATE_DISABLE"
RECORD_VAR = "WINCI_SIMULATE_RECORD_DIR"
SCOPE_VAR = "WINCI_SIMULATE_SCOPE"
