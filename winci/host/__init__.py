"""This machine: cache and state folders, file locks, free loopback ports."""
