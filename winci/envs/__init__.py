"""Cached virtual environments for Glance, Keystone and tempest."""

from winci.envs.builder import EnvSpec, ensure_env

__all__ = ["EnvSpec", "ensure_env"]
