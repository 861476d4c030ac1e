# Copyright: winci contributors
# Apache License 2.0 (see LICENSE in the winci repository)
# Documentation only: the module is s2d.ps1.

DOCUMENTATION = r"""
---
module: s2d
short_description: Enable Storage Spaces Direct on a failover cluster
description:
  - Reads the state with C(Get-ClusterStorageSpacesDirect) and calls
    C(Enable-ClusterStorageSpacesDirect) only when S2D is not enabled. S2D claims the
    eligible local disks of every node and creates the storage pool O(pool_friendly_name).
  - Never disables S2D (that destroys the pool); do it by hand if you must.
  - Checked statically only (parse check and Pester tests with mocked cmdlets).
version_added: 0.1.0
author:
  - winci contributors
options:
  cluster:
    description: Cluster name (used as the CIM session target).
    type: str
    required: true
  pool_friendly_name:
    description: Friendly name of the pool S2D creates.
    type: str
    default: S2D Pool
  autoconfig:
    description: Let S2D create the pool and storage tiers (C(-Autoconfig)).
    type: bool
    default: true
notes:
  - Supports check mode and diff mode.
  - Test-Cluster with the Storage Spaces Direct tests must pass first.
"""

EXAMPLES = r"""
- name: Enable S2D
  winci.hyperv.s2d:
    cluster: hvclu01
    pool_friendly_name: S2D on hvclu01
"""

RETURN = r"""
s2d:
  description: S2D state after the run and as found before it.
  returned: always
  type: dict
  contains:
    state:
      description: Enabled.
      type: str
    found_state:
      description: State read before any change.
      type: str
pool:
  description: The storage pool (null in check mode when it does not exist yet).
  returned: always
  type: dict
  contains:
    friendly_name:
      description: Pool name.
      type: str
    health_status:
      description: Pool health.
      type: str
    operational_status:
      description: Pool operational status.
      type: str
    size:
      description: Pool size in bytes.
      type: int
    allocated_size:
      description: Allocated bytes.
      type: int
"""
