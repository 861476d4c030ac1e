"""The lanes: unit, functional and tempest (and preflight, a Windows simulation)."""

from winci.lanes.base import LANES, LaneContext, LaneOutcome, run_lane

__all__ = ["LANES", "LaneContext", "LaneOutcome", "run_lane"]
