"""The Glance source under test and the work tree a run patches and tests."""
