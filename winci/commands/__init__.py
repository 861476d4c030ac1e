"""Subcommands of the ``winci`` CLI, one module each (see :mod:`winci.cli`)."""
