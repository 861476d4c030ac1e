"""The labels winci puts on what it builds and runs; ``winci down`` relies on them."""

from __future__ import annotations

PREFIX = "org.openstack.winci"
RUN_ID = f"{PREFIX}.run-id"          # containers, volumes, networks of one run
SERVICE = f"{PREFIX}.service"        # mysql, keystone, glance, tempest
IMAGE = f"{PREFIX}.image"            # base, mysql, keystone, glance, tempest
VERSION = f"{PREFIX}.version"        # winci's version
PLATFORM = f"{PREFIX}.platform"      # linux or windows
BASE_TAG = f"{PREFIX}.base-tag"      # bookworm, ltsc2022, ltsc2025
GLANCE_VERSION = f"{PREFIX}.glance.version"
GLANCE_REF = f"{PREFIX}.glance.ref"
GLANCE_SHA = f"{PREFIX}.glance.sha"
QUEUE_HASH = f"{PREFIX}.patches.queue-hash"
PATCHES_APPLIED = f"{PREFIX}.patches.applied"


def run_filter(run_id: str | None) -> dict[str, list[str]]:
    """A docker ``filters`` dict for one run's objects, or all winci runs' objects."""
    return {"label": [f"{RUN_ID}={run_id}" if run_id else RUN_ID]}
