"""winci: the Windows test and CI environment for OpenStack Glance."""

__version__ = "0.1.0"
