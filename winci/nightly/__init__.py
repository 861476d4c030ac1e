"""Nightly regression runs: the run itself and the trend report."""
