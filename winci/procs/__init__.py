"""Child processes: the one runner every winci child goes through, and its helpers."""

from winci.procs.runner import Completed, Runner, Service
from winci.procs.tree import kill_tree

__all__ = ["Completed", "Runner", "Service", "kill_tree"]
